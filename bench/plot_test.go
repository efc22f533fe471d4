package bench

import (
	"bytes"
	"encoding/xml"
	"image"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
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

// lineHidden counts the points of p's lines (their vertices, inside the plotting area) that
// are white in img: hidden under the legend's box.
func lineHidden(p spectrum, img image.Image) int {
	n := 0
	for _, l := range p.lines {
		for j := range l.x {
			x, y := int(math.Round(p.px(l.x[j]))), int(math.Round(p.py(l.y[j])))
			if x <= marginL+1 || x >= plotW-marginR || y <= marginT || y >= plotH-marginB-1 {
				continue
			}
			if r, g, b, _ := img.At(x, y).RGBA(); r == 0xffff && g == 0xffff && b == 0xffff {
				n++
			}
		}
	}
	return n
}

func TestPlotLegendHidesNoLine(t *testing.T) {
	// In the sample chan's line climbs through the top left, where the legend used to be.
	for name, r := range map[string]*Report{"sample": sampleReport(), "steep": steepReport()} {
		p, ok := newSpectrum(r, r.Scenarios[0].Name)
		require.True(t, ok)
		var b bytes.Buffer
		require.NoError(t, r.WritePlotPNG(&b, r.Scenarios[0].Name))
		img, err := png.Decode(&b)
		require.NoError(t, err)
		assert.Zero(t, lineHidden(p, img), "%s: line points under the legend", name)
	}
}

// steepReport is a scenario like route-e2e-1m: a low, flat hotpath and a chan that jumps to
// milliseconds past p95, at the scenario's own rate of 1M events/s.
func steepReport() *Report {
	hot := hdrhistogram.New(1, highestNs, digits)
	ch := hdrhistogram.New(1, highestNs, digits)
	for i := range 100_000 {
		_ = hot.RecordValue(300 + int64(i%700))
		v := 500 + int64(i%1000)
		if i%100 >= 95 {
			v = 2_000_000 + int64(i%97)*30_000
		}
		_ = ch.RecordValue(v)
	}
	load := &Load{RatePerSec: 1e6, AchievedPerSec: 1e6, Sent: 100_000}
	return &Report{Schema: SchemaVersion, Run: RunInfo{DurationNs: 3e9, RatePerSec: 100_000, Reps: 3}, Scenarios: []Result{
		{Name: "route-e2e-1m", Impl: "hotpath", Latency: &Latency{P50: 650, Max: 1000}, Load: load, hist: hot},
		{Name: "route-e2e-1m", Impl: "chan", Latency: &Latency{P50: 1000, Max: 4_900_000}, Load: load, hist: ch},
	}}
}

func TestSpectrumTitleRate(t *testing.T) {
	r := steepReport()
	p, ok := newSpectrum(r, "route-e2e-1m")
	require.True(t, ok)
	assert.Equal(t, "route-e2e-1m: latency by percentile, open loop at 1M events/s", p.title, "the scenario's own rate, not the run's 100k")

	p, _ = newSpectrum(sampleReport(), "spsc")
	assert.Equal(t, "spsc: latency by percentile, open loop at 100k events/s", p.title)

	r.Scenarios[0].Load, r.Scenarios[1].Load = nil, nil
	p, _ = newSpectrum(r, "route-e2e-1m")
	assert.Contains(t, p.title, "open loop at 100k events/s", "no load recorded: the run-wide rate")

	var b bytes.Buffer
	require.NoError(t, steepReport().WritePlotSVG(&b, "route-e2e-1m"))
	assert.Contains(t, b.String(), "open loop at 1M events/s")
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
	for _, want := range []string{`<img src="spsc.svg"`, `href="spsc.chan.hgrm"`, "spsc                hotpath", `href="results.json"`} {
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
