package bench

import (
	"bufio"
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteHgrmGolden(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, WriteHgrm(&b, uniformHist(1000, 1000, 1_000_000), 1000))
	golden(t, "uniform.hgrm", b.Bytes())
}

func TestWriteHgrmFormat(t *testing.T) {
	h := uniformHist(100_000, 150, 250_000)
	var b bytes.Buffer
	require.NoError(t, WriteHgrm(&b, h, 1000))
	sc := bufio.NewScanner(&b)
	require.True(t, sc.Scan())
	assert.Equal(t, "       Value     Percentile TotalCount 1/(1-Percentile)", sc.Text(), "header")
	require.True(t, sc.Scan())
	assert.Empty(t, sc.Text(), "blank line after the header")

	line := regexp.MustCompile(`^ *(\d+\.\d{3}) (\d\.\d{12}) +(\d+)( +(\d+\.\d{2}))?$`)
	var lastQ, lastV float64
	var lastN int64
	var lines int
	for sc.Scan() && !strings.HasPrefix(sc.Text(), "#") {
		m := line.FindStringSubmatch(sc.Text())
		require.NotNil(t, m, "line %q", sc.Text())
		v, _ := strconv.ParseFloat(m[1], 64)
		q, _ := strconv.ParseFloat(m[2], 64)
		n, _ := strconv.ParseInt(m[3], 10, 64)
		assert.GreaterOrEqual(t, v, lastV, "values never decrease")
		assert.GreaterOrEqual(t, q, lastQ, "percentiles never decrease")
		assert.GreaterOrEqual(t, n, lastN, "counts never decrease")
		if q < 1 {
			require.NotEmpty(t, m[5], "1/(1-p) on every line but the last")
			inv, _ := strconv.ParseFloat(m[5], 64)
			assert.InDelta(t, 1/(1-q), inv, 0.01)
		} else {
			assert.Empty(t, m[5], "no 1/(1-p) on the 100% line")
		}
		lastV, lastQ, lastN = v, q, n
		lines++
	}
	assert.Greater(t, lines, 50)
	assert.Equal(t, 1.0, lastQ, "the last line is 100%")
	assert.Equal(t, int64(100_000), lastN, "the last line counts everything")
	assert.InDelta(t, 250.0, lastV, 0.25, "the last value is the max, in us")
	footer := []string{sc.Text()}
	for sc.Scan() {
		footer = append(footer, sc.Text())
	}
	require.Len(t, footer, 3)
	assert.Regexp(t, `^#\[Mean    = +\d+\.\d{3}, StdDeviation   = +\d+\.\d{3}\]$`, footer[0])
	assert.Regexp(t, `^#\[Max     = +250\.\d{3}, Total count    = +100000\]$`, footer[1])
	assert.Regexp(t, `^#\[Buckets = +\d+, SubBuckets     = +2048\]$`, footer[2])
}

func TestWriteHgrmEmpty(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, WriteHgrm(&b, hdrhistogram.New(1, highestNs, digits), 1000))
	assert.Equal(t, 5, strings.Count(b.String(), "\n"), "header, blank line, three footer lines:\n%s", b.String())
}

func TestHdrGeometry(t *testing.T) {
	// The library knows its geometry but does not export it; its own percentile printer
	// writes it in the footer, so compare with that.
	tests := []struct {
		lowest, highest int64
		digits          int
	}{
		{1, highestNs, 3},
		{1, 3_600_000_000, 3},
		{1, 1000, 2},
		{1000, highestNs, 3},
		{1, 2, 1},
		{7, 1 << 40, 5},
	}
	footer := regexp.MustCompile(`#\[Buckets = +(\d+), SubBuckets += +(\d+)\]`)
	for _, tt := range tests {
		h := hdrhistogram.New(tt.lowest, tt.highest, tt.digits)
		var lib bytes.Buffer
		_, err := h.PercentilesPrint(&lib, 1, 1)
		require.NoError(t, err)
		m := footer.FindStringSubmatch(lib.String())
		require.NotNil(t, m, "library footer: %s", lib.String())
		sub, buckets := hdrGeometry(h)
		assert.Equal(t, m[2], strconv.FormatInt(sub, 10), "sub-buckets of (%d, %d, %d)", tt.lowest, tt.highest, tt.digits)
		assert.Equal(t, m[1], strconv.FormatInt(buckets, 10), "buckets of (%d, %d, %d)", tt.lowest, tt.highest, tt.digits)
	}
}
