package metrics

import (
	"fmt"
	"math/bits"
	"strconv"
	"time"
)

// ClockSource names where a Clock reads time.
type ClockSource uint8

// Clock sources.
const (
	// ClockAuto picks the cheaper correct source on this machine: the TSC
	// when it is usable (see NewClock) and cheaper to read, else the
	// monotonic clock.
	ClockAuto ClockSource = iota
	// ClockMonotonic is the Go runtime's monotonic clock, read as
	// time.Since(the clock's start): one vDSO clock_gettime on Linux.
	ClockMonotonic
	// ClockTSC is the CPU's time-stamp counter (RDTSCP), scaled to
	// nanoseconds by a calibration against the monotonic clock.
	ClockTSC
)

// String returns auto, monotonic or tsc.
func (s ClockSource) String() string {
	switch s {
	case ClockAuto:
		return "auto"
	case ClockMonotonic:
		return "monotonic"
	case ClockTSC:
		return "tsc"
	}
	return "ClockSource(" + strconv.Itoa(int(s)) + ")"
}

// Calibration parameters: calibrationRounds consecutive spans of
// calibrationSpan each; the ticks-per-ns rates of the spans may differ by at
// most calibrationTolerance (relative) or the TSC is deemed unreliable.
const (
	calibrationRounds    = 3
	calibrationSpan      = 2 * time.Millisecond
	calibrationTolerance = 1e-3
	// pairTries is how many (monotonic, TSC, monotonic) reads a
	// calibration point takes; it keeps the tightest.
	pairTries = 7
	// costReads is how many reads NewClock(ClockAuto) times of each source
	// to compare their cost.
	costReads = 2000
)

// Clock stamps latencies: Nanotime returns nanoseconds since the clock was
// made, from its Source. Stamps from different Clocks are not comparable;
// give every goroutine that stamps or measures the same *Clock.
//
// A Clock is immutable after NewClock and safe for concurrent use; Nanotime
// allocates nothing.
type Clock struct {
	start  time.Time // the origin, with its monotonic reading
	tsc    bool      // read the TSC (else time.Since(start))
	rdtscp bool      // RDTSCP rather than LFENCE;RDTSC
	// TSC scaling: ns = baseNs + (tsc - baseTSC) * mult / 2^32.
	baseTSC uint64
	baseNs  int64
	mult    uint64 // nanoseconds per tick, 32.32 fixed point
	hz      float64
	source  ClockSource
	reason  string
}

// NewClock returns a Clock reading from want. ClockTSC is honoured only
// when the TSC is usable: on amd64, the CPU reports an invariant TSC, the
// Linux kernel uses the TSC as its own clock source (so it has checked the
// CPUs' TSCs are synchronised), and three consecutive 2 ms calibrations
// against the monotonic clock agree within 0.1%. ClockAuto additionally
// times both sources and keeps the TSC only when it is cheaper. Otherwise
// the Clock falls back to ClockMonotonic and Reason says why. NewClock
// spends about 6 ms calibrating (busy) when the TSC is a candidate.
func NewClock(want ClockSource) *Clock {
	c := &Clock{start: time.Now(), source: ClockMonotonic}
	if want == ClockMonotonic {
		c.reason = "monotonic clock requested"
		return c
	}
	useRDTSCP, why, ok := tscSupport()
	if !ok {
		c.reason = "TSC not used: " + why
		return c
	}
	if err := c.calibrate(useRDTSCP); err != nil {
		c.reason = "TSC not used: " + err.Error()
		return c
	}
	if want == ClockAuto {
		tscNs, monoNs := c.readCost()
		if tscNs >= monoNs {
			c.tsc = false
			c.reason = fmt.Sprintf("TSC usable (%s) but not cheaper: %.1f ns against %.1f ns for the monotonic clock", why, tscNs, monoNs)
			return c
		}
		c.reason = fmt.Sprintf("%s; %.1f ns a read against %.1f ns for the monotonic clock; %.4f GHz", why, tscNs, monoNs, c.hz/1e9)
	} else {
		c.reason = fmt.Sprintf("TSC requested: %s; %.4f GHz", why, c.hz/1e9)
	}
	c.tsc = true
	c.source = ClockTSC
	return c
}

// Nanotime returns the nanoseconds elapsed since the Clock was made,
// monotonic non-decreasing within a goroutine and comparable across
// goroutines and CPUs. Safe for concurrent use; no allocation.
func (c *Clock) Nanotime() int64 {
	if c.tsc {
		return c.tscNanos(readTSC(c.rdtscp))
	}
	return int64(time.Since(c.start))
}

// Source returns the source the Clock reads: ClockMonotonic or ClockTSC.
func (c *Clock) Source() ClockSource { return c.source }

// Reason says why NewClock chose the source, with the measured read costs
// and TSC frequency where it measured them.
func (c *Clock) Reason() string { return c.reason }

// TSCFrequency returns the calibrated TSC rate in Hz, or 0 when the clock
// does not read the TSC.
func (c *Clock) TSCFrequency() float64 {
	if !c.tsc {
		return 0
	}
	return c.hz
}

// tscNanos scales a TSC reading to nanoseconds since the Clock's start.
func (c *Clock) tscNanos(t uint64) int64 {
	if t >= c.baseTSC {
		return c.baseNs + mulShift32(t-c.baseTSC, c.mult)
	}
	// A reading behind the base (another CPU, a few ticks behind).
	return c.baseNs - mulShift32(c.baseTSC-t, c.mult)
}

// mulShift32 returns d*m / 2^32 without overflowing.
func mulShift32(d, m uint64) int64 {
	hi, lo := bits.Mul64(d, m)
	return int64(hi<<32 | lo>>32)
}

// calibrationPoint is a TSC reading and the monotonic time it was taken at.
type calibrationPoint struct {
	ns  int64
	tsc uint64
}

// point takes the tightest of pairTries (monotonic, TSC, monotonic) reads:
// a read interrupted or descheduled shows as a wide window and is discarded.
func (c *Clock) point(useRDTSCP bool) calibrationPoint {
	var best calibrationPoint
	bestWindow := int64(-1)
	for range pairTries {
		a := time.Since(c.start)
		t := readTSC(useRDTSCP)
		b := time.Since(c.start)
		if w := int64(b - a); bestWindow < 0 || w < bestWindow {
			bestWindow = w
			best = calibrationPoint{ns: int64(a+b) / 2, tsc: t}
		}
	}
	return best
}

// calibrate measures the TSC rate against the monotonic clock over
// calibrationRounds consecutive spans, checks that the spans agree, and sets
// the scaling. It spins (no sleep) for the spans.
func (c *Clock) calibrate(useRDTSCP bool) error {
	c.rdtscp = useRDTSCP
	pts := make([]calibrationPoint, 0, calibrationRounds+1)
	pts = append(pts, c.point(useRDTSCP))
	for range calibrationRounds {
		from := pts[len(pts)-1].ns
		for int64(time.Since(c.start))-from < int64(calibrationSpan) {
		}
		pts = append(pts, c.point(useRDTSCP))
	}
	lo, hi := 0.0, 0.0
	for i := 1; i < len(pts); i++ {
		dt := pts[i].tsc - pts[i-1].tsc
		if pts[i].tsc <= pts[i-1].tsc {
			return fmt.Errorf("TSC went backwards during calibration (%d then %d)", pts[i-1].tsc, pts[i].tsc)
		}
		rate := float64(dt) / float64(pts[i].ns-pts[i-1].ns) // ticks per ns
		if i == 1 || rate < lo {
			lo = rate
		}
		if i == 1 || rate > hi {
			hi = rate
		}
	}
	if hi/lo-1 > calibrationTolerance {
		return fmt.Errorf("TSC calibration unstable: %.6f to %.6f ticks/ns over %d spans of %v", lo, hi, calibrationRounds, calibrationSpan)
	}
	first, last := pts[0], pts[len(pts)-1]
	ticksPerNs := float64(last.tsc-first.tsc) / float64(last.ns-first.ns)
	c.hz = ticksPerNs * 1e9
	c.mult = uint64(float64(uint64(1)<<32) / ticksPerNs)
	c.baseTSC, c.baseNs = last.tsc, last.ns
	return nil
}

// readCost times costReads reads of the TSC path and of the monotonic
// clock, in ns per read, taking the better of three tries of each.
func (c *Clock) readCost() (tscNs, monoNs float64) {
	var sink int64
	best := func(f func()) float64 {
		b := -1.0
		for range 3 {
			t0 := time.Now()
			f()
			if ns := float64(time.Since(t0)) / costReads; b < 0 || ns < b {
				b = ns
			}
		}
		return b
	}
	tscNs = best(func() {
		for range costReads {
			sink += c.tscNanos(readTSC(c.rdtscp))
		}
	})
	monoNs = best(func() {
		for range costReads {
			sink += int64(time.Since(c.start))
		}
	})
	_ = sink
	return tscNs, monoNs
}
