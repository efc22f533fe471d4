package bench

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPacerSchedule(t *testing.T) {
	tests := []struct {
		rate       float64
		p, n       int
		i          int64
		global, at int64
	}{
		{rate: 1e6, p: 0, n: 1, i: 0, global: 0, at: 1000},
		{rate: 1e6, p: 0, n: 1, i: 7, global: 7, at: 8000},
		{rate: 1e5, p: 0, n: 2, i: 3, global: 6, at: 61_000},
		{rate: 1e5, p: 1, n: 2, i: 3, global: 7, at: 71_000},
		{rate: 3, p: 0, n: 1, i: 1, global: 1, at: 1000 + 333_333_333},
	}
	for _, tt := range tests {
		pc := NewPacer(1000, tt.rate, tt.p, tt.n)
		assert.Equal(t, tt.global, pc.Global(tt.i), "Global(%d) at rate %g, producer %d of %d", tt.i, tt.rate, tt.p, tt.n)
		assert.Equal(t, tt.at, pc.Due(tt.i), "Due(%d) at rate %g, producer %d of %d", tt.i, tt.rate, tt.p, tt.n)
	}
}

func TestPacerProducersInterleave(t *testing.T) {
	// Two producers at a total rate cover the whole schedule between them, each event once.
	const rate, n = 250_000.0, 1000
	seen := map[int64]bool{}
	for p := range 2 {
		pc := NewPacer(0, rate, p, 2)
		for i := range int64(n / 2) {
			due := pc.Due(i)
			require.False(t, seen[due], "due time %d twice", due)
			seen[due] = true
		}
	}
	for k := range int64(n) {
		assert.True(t, seen[k*4000], "global event %d (due %d) not scheduled", k, k*4000)
	}
}

func TestPacerReady(t *testing.T) {
	pc := NewPacer(0, 1e6, 0, 1) // one event per microsecond: due at 0, 1000, 2000 ...
	tests := []struct {
		now, end, i int64
		max, want   int
	}{
		{now: 0, end: 1e9, i: 0, max: 64, want: 1},
		{now: 999, end: 1e9, i: 0, max: 64, want: 1},
		{now: 1000, end: 1e9, i: 0, max: 64, want: 2},
		{now: 9500, end: 1e9, i: 3, max: 64, want: 7}, // events 3..9
		{now: 9500, end: 1e9, i: 3, max: 4, want: 4},
		{now: 9500, end: 5000, i: 3, max: 64, want: 2}, // events 3, 4: 5 is due at the end
		{now: 2500, end: 1e9, i: 5, max: 64, want: 0},  // not due yet
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, pc.Ready(tt.now, tt.end, tt.i, tt.max), "Ready(now=%d, end=%d, i=%d, max=%d)", tt.now, tt.end, tt.i, tt.max)
	}
}

func TestPacerAwait(t *testing.T) {
	for _, yield := range []bool{false, true} {
		clk := &stepClock{step: 100}
		pc := NewPacer(5000, 1e6, 0, 1)
		now := pc.Await(clk, 2, yield) // due at 7000
		assert.GreaterOrEqual(t, now, int64(7000), "yield=%v", yield)
		assert.Less(t, now, int64(7100), "yield=%v: waited past the due time by more than one read", yield)
		assert.Equal(t, now, clk.now.Load(), "returns its last reading")
	}
}

func TestNewPacerPanics(t *testing.T) {
	for _, tt := range []struct {
		rate float64
		p, n int
	}{{0, 0, 1}, {-1, 0, 1}, {1, 1, 1}, {1, -1, 2}} {
		assert.Panics(t, func() { NewPacer(0, tt.rate, tt.p, tt.n) }, fmt.Sprintf("NewPacer(rate %g, p %d of %d)", tt.rate, tt.p, tt.n))
	}
}
