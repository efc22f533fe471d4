package metrics

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClockSourceString(t *testing.T) {
	tests := []struct {
		s    ClockSource
		want string
	}{
		{ClockAuto, "auto"},
		{ClockMonotonic, "monotonic"},
		{ClockTSC, "tsc"},
		{ClockSource(9), "ClockSource(9)"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.s.String(), "ClockSource(%d).String()", tt.s)
	}
}

func TestNewClockSources(t *testing.T) {
	mono := NewClock(ClockMonotonic)
	assert.Equal(t, ClockMonotonic, mono.Source())
	assert.Equal(t, 0.0, mono.TSCFrequency())
	assert.NotEmpty(t, mono.Reason())

	for _, want := range []ClockSource{ClockTSC, ClockAuto} {
		c := NewClock(want)
		assert.NotEmpty(t, c.Reason(), "NewClock(%v).Reason()", want)
		t.Logf("NewClock(%v): %v: %s", want, c.Source(), c.Reason())
		switch c.Source() {
		case ClockTSC:
			assert.Greater(t, c.TSCFrequency(), 1e8, "TSC frequency")
		case ClockMonotonic:
			assert.Equal(t, 0.0, c.TSCFrequency())
			if want == ClockTSC {
				assert.Contains(t, c.Reason(), "TSC not used", "a fallback says why")
			}
		default:
			t.Fatalf("NewClock(%v).Source() = %v", want, c.Source())
		}
	}
}

// testClocks returns the clocks worth testing here: the monotonic one, and
// the TSC one where the TSC is usable.
func testClocks(t *testing.T) map[string]*Clock {
	cs := map[string]*Clock{"monotonic": NewClock(ClockMonotonic)}
	if c := NewClock(ClockTSC); c.Source() == ClockTSC {
		cs["tsc"] = c
	} else {
		t.Logf("no TSC clock: %s", c.Reason())
	}
	return cs
}

func TestClockMonotonicNonDecreasing(t *testing.T) {
	for name, c := range testClocks(t) {
		prev := c.Nanotime()
		assert.GreaterOrEqual(t, prev, int64(0), "%s: first reading", name)
		for range 100_000 {
			now := c.Nanotime()
			require.GreaterOrEqual(t, now, prev, "%s: Nanotime went backwards", name)
			prev = now
		}
	}
}

// TestClockTracksMonotonic checks the TSC clock's scale: over a span it
// agrees with the runtime's monotonic clock to well within 1%.
func TestClockTracksMonotonic(t *testing.T) {
	for name, c := range testClocks(t) {
		// Each reading is bracketed by two monotonic readings and retaken when the bracket is
		// wide (the VM took the CPU away between them), so a stall does not count as error.
		pair := func() (time.Time, int64) {
			var best time.Duration = 1 << 62
			var bt time.Time
			var bn int64
			for range 200 {
				a := time.Now()
				n := c.Nanotime()
				b := time.Now()
				if w := b.Sub(a); w < best {
					best, bt, bn = w, a.Add(w/2), n
				}
				if best < 2*time.Microsecond {
					break
				}
			}
			return bt, bn
		}
		t0, n0 := pair()
		for time.Since(t0) < 50*time.Millisecond {
		}
		t1, n1 := pair()
		got, want := float64(n1-n0), float64(t1.Sub(t0))
		assert.InEpsilon(t, want, got, 0.01, "%s: elapsed %v by the clock against %v", name, time.Duration(got), time.Duration(want))
		// And it counts from its creation: its reading is close to the
		// monotonic time since start.
		assert.InDelta(t, float64(time.Since(c.start)), float64(c.Nanotime()), 0.01*float64(time.Since(c.start))+1e5, "%s: origin", name)
	}
}

// TestClockCausality stamps on one goroutine and reads on another: a stamp
// taken after seeing another goroutine's stamp is never earlier, even when
// the goroutines run on different CPUs (where unsynchronised TSCs would
// show).
func TestClockCausality(t *testing.T) {
	for name, c := range testClocks(t) {
		var stamp atomic.Int64
		var wg sync.WaitGroup
		const rounds = 20_000
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				for stamp.Load() != 0 { // wait for the reader to take it
					runtime.Gosched()
				}
				stamp.Store(c.Nanotime() | 1) // never 0
			}
		}()
		worst := int64(math.MaxInt64)
		for range rounds {
			var s int64
			for s = stamp.Load(); s == 0; s = stamp.Load() {
				runtime.Gosched()
			}
			now := c.Nanotime()
			worst = min(worst, now-(s&^1))
			stamp.Store(0)
		}
		wg.Wait()
		// The |1 can add 1 ns; anything more negative is a clock that
		// disagrees across CPUs.
		assert.GreaterOrEqual(t, worst, int64(-1), "%s: a later stamp came out earlier by %d ns", name, -worst)
	}
}

func TestNanotimeAllocatesNothing(t *testing.T) {
	for name, c := range testClocks(t) {
		allocs := testing.AllocsPerRun(1000, func() { _ = c.Nanotime() })
		assert.Equal(t, 0.0, allocs, "%s: Nanotime allocs", name)
	}
}

func TestMulShift32(t *testing.T) {
	tests := []struct {
		d, m uint64
		want int64
	}{
		{0, 1 << 32, 0},
		{1000, 1 << 32, 1000},       // 1 ns per tick
		{1000, 1 << 31, 500},        // 0.5 ns per tick
		{3, 1 << 30, 0},             // rounds down
		{1 << 40, 3 << 30, 3 << 38}, // large readings do not overflow
		{math.MaxUint64 >> 2, 1 << 32, math.MaxInt64 >> 1},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, mulShift32(tt.d, tt.m), "mulShift32(%d, %d)", tt.d, tt.m)
	}
}

func TestTSCNanosAroundBase(t *testing.T) {
	c := &Clock{baseTSC: 1_000_000, baseNs: 5_000, mult: 1 << 31} // 0.5 ns per tick
	tests := []struct {
		tsc  uint64
		want int64
	}{
		{1_000_000, 5_000},
		{1_002_000, 6_000},
		{998_000, 4_000}, // behind the base: another CPU a little behind
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, c.tscNanos(tt.tsc), "tscNanos(%d)", tt.tsc)
	}
}
