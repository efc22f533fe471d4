package bench

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSlotRecorder(t *testing.T) {
	s := newSlotRecorder(2)
	s.window(1000, 3000) // two segments: intended [1000, 2000) and [2000, 3000)
	s.record(500, 900)   // warm-up: counted, not recorded
	s.record(1000, 1100) // 100 ns, segment 0
	s.record(1999, 2299) // 300 ns, segment 0
	s.record(2000, 2500) // 500 ns, segment 1
	s.record(2500, 2400) // -100: clamped to 0, segment 1
	s.record(9000, 9000) // past the window: last segment
	assert.Equal(t, int64(6), s.received)
	assert.Equal(t, int64(2), s.segs[0].TotalCount())
	assert.Equal(t, int64(3), s.segs[1].TotalCount())
	assert.Equal(t, int64(1), s.clamped)
	assert.Equal(t, int64(500), s.max)
	assert.Equal(t, int64(900), s.sum)

	s.record(3000, 3000+2*highestNs)
	assert.Equal(t, highestNs, s.max, "clamped to the histogram's range")
	assert.Equal(t, int64(2), s.clamped)
}

func TestLatencyOf(t *testing.T) {
	a, b := newSlotRecorder(3), newSlotRecorder(3)
	a.window(0, 3000)
	b.window(0, 3000)
	for i := int64(0); i < 3000; i++ {
		a.record(i, i+100+i/1000*100) // segments: 100, 200, 300 ns
		b.record(i, i+100+i/1000*100)
	}
	h, lat, sp := latencyOf([]*slotRecorder{a, b})
	require.Equal(t, int64(6000), h.TotalCount())
	assert.Equal(t, int64(6000), lat.Count)
	assert.Equal(t, int64(200), lat.P50)
	assert.Equal(t, int64(300), lat.P99)
	assert.Equal(t, int64(300), lat.Max)
	assert.InDelta(t, 200, lat.Mean, 1e-9)
	assert.InDelta(t, 1.0, sp.P50, 1e-9, "segment medians 100, 200, 300: spread (300-100)/200")
	assert.InDelta(t, 1.0, sp.P99, 1e-9)
}

func TestSpreadOf(t *testing.T) {
	tests := []struct {
		xs   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{5}, 0},
		{[]float64{10, 12}, 2.0 / 11},
		{[]float64{12, 10, 11}, 2.0 / 11},
		{[]float64{0, 0, 0}, 0},
	}
	for _, tt := range tests {
		assert.InDelta(t, tt.want, spreadOf(tt.xs), 1e-12, "spreadOf(%v)", tt.xs)
	}
}
