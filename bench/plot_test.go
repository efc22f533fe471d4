package bench

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWritePlotPNG(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, sampleReport().WritePlotPNG(&b, "spsc"))
	img, err := png.Decode(&b)
	require.NoError(t, err)
	assert.Equal(t, plotW, img.Bounds().Dx())
	assert.Equal(t, plotH, img.Bounds().Dy())
	// Both lines are drawn: their colours appear in the picture.
	found := map[string]bool{}
	for y := marginT; y < plotH-marginB; y++ {
		for x := marginL; x < plotW-marginR; x++ {
			r, g, bb, _ := img.At(x, y).RGBA()
			for _, impl := range []string{"hotpath", "chan"} {
				c := implColor(impl, 0)
				if uint8(r>>8) == c.R && uint8(g>>8) == c.G && uint8(bb>>8) == c.B {
					found[impl] = true
				}
			}
		}
	}
	assert.True(t, found["hotpath"] && found["chan"], "line colours found: %v", found)
}

func TestWritePlotSVG(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, sampleReport().WritePlotSVG(&b, "spsc"))
	golden(t, "spsc.golden.svg", b.Bytes())
	dec := xml.NewDecoder(&b)
	polylines := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err, "well-formed XML")
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "polyline" {
			polylines++
		}
	}
	assert.Equal(t, 3, polylines, "the axes and one line per implementation")
}

func TestPlotWithoutLatency(t *testing.T) {
	r := sampleReport()
	assert.Error(t, r.WritePlotPNG(io.Discard, "spsc-batch64"), "copy has no latency")
	assert.Error(t, r.WritePlotSVG(io.Discard, "nope"))
}

func TestSpectrumAxes(t *testing.T) {
	r := sampleReport()
	p, ok := newSpectrum(r, "spsc")
	require.True(t, ok)
	assert.True(t, p.yLog, "200 ns to 60 us is drawn on a log axis")
	assert.Equal(t, 100.0, p.yLo)
	assert.Equal(t, 100_000.0, p.yHi)
	assert.Equal(t, 5, p.decades, "10 000 values: the last step below 100% is past 99.99%")

	r.Scenarios = r.Scenarios[:1] // hotpath alone: 200 ns to 2 us
	p, _ = newSpectrum(r, "spsc")
	assert.False(t, p.yLog)
	assert.Equal(t, 0.0, p.yLo)
	assert.Equal(t, 2000.0, p.yHi)
	assert.Equal(t, []float64{0, 500, 1000, 1500, 2000}, p.yTicks)
}

func TestPercentileLabel(t *testing.T) {
	for k, want := range []string{"0%", "90%", "99%", "99.9%", "99.99%", "99.999%", "99.9999%"} {
		assert.Equal(t, want, percentileLabel(k), "percentileLabel(%d)", k)
	}
}

func TestNiceStep(t *testing.T) {
	for _, tt := range []struct{ in, want float64 }{{0, 1}, {0.3, 0.5}, {1, 1}, {1.1, 2}, {3, 5}, {7, 10}, {420, 500}} {
		assert.Equal(t, tt.want, niceStep(tt.in), "niceStep(%v)", tt.in)
	}
}

func TestFontCoversPlotText(t *testing.T) {
	text := "spsc-batch64: latency by percentile, open loop at 100k events/s " +
		"percentile (x: 1/(1-p), log scale) 0123456789 abcdefghijklmnopqrstuvwxyz _+=%"
	for _, r := range text {
		_, ok := glyph(r)
		assert.True(t, ok, "glyph %q", r)
	}
	_, ok := glyph('#')
	assert.False(t, ok)
}

func TestWriteDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	paths, err := WriteDir(dir, sampleReport())
	require.NoError(t, err)
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Base(p))
	}
	assert.Equal(t, []string{"results.json", "spsc.hotpath.hgrm", "spsc.png", "spsc.svg", "spsc.chan.hgrm", "index.html"}, names)
	html, err := os.ReadFile(filepath.Join(dir, "index.html"))
	require.NoError(t, err)
	for _, want := range []string{`<img src="spsc.svg"`, `href="spsc.chan.hgrm"`, "spsc            hotpath", `href="results.json"`} {
		assert.Contains(t, string(html), want)
	}
	f, err := os.Open(filepath.Join(dir, "results.json"))
	require.NoError(t, err)
	defer f.Close()
	_, err = ReadReport(f)
	assert.NoError(t, err)
}

func TestFileName(t *testing.T) {
	assert.Equal(t, "route-e2e", fileName("route-e2e"))
	assert.Equal(t, "a_b_c", fileName("a/b c"))
	assert.True(t, !strings.ContainsAny(fileName("../x"), "/."))
}
