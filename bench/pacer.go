package bench

import "runtime"

// Clock is the harness's time source: nanoseconds on a monotonic scale shared by every
// goroutine (stamps taken on one CPU are compared with reads on another). *metrics.Clock
// satisfies it; tests inject their own.
type Clock interface {
	Nanotime() int64
}

// Pacer is one producer's open-loop schedule. With P producers sharing a total rate R, event k
// of the whole run (k = 0, 1, 2 ...) is due at start + k*1e9/R nanoseconds, and producer p
// sends events p, p+P, p+2P ...: its i-th event is global event p + i*P. The schedule is fixed
// in advance and never moves: an event sent late keeps its due time, so its latency counts the
// lateness (the coordinated-omission correction).
//
// A Pacer is a value, safe to copy; its methods do not allocate. Await is for the producer's
// own goroutine.
type Pacer struct {
	start      int64   // due time of global event 0, ns
	nsPerEvent float64 // 1e9 / total rate
	first      int64   // this producer's first global event: p
	stride     int64   // global events between two of this producer's: P
}

// NewPacer returns producer p's schedule (0 <= p < producers) for events due from start on, at
// rate events per second over all producers. It panics on a rate <= 0 or p out of range
// (programmer error: Config.Validate rejects the rates users give).
func NewPacer(start int64, rate float64, p, producers int) Pacer {
	if !(rate > 0) || p < 0 || p >= producers {
		panic("bench: NewPacer: rate must be > 0 and 0 <= p < producers")
	}
	return Pacer{start: start, nsPerEvent: 1e9 / rate, first: int64(p), stride: int64(producers)}
}

// Global returns the run-wide number of this producer's i-th event.
func (pc Pacer) Global(i int64) int64 { return pc.first + i*pc.stride }

// Due returns the intended send time of this producer's i-th event.
func (pc Pacer) Due(i int64) int64 {
	return pc.start + int64(float64(pc.Global(i))*pc.nsPerEvent)
}

// Ready returns how many of this producer's events from the i-th on are due at now and before
// end, at most max (and at least 1 when event i itself is due and before end).
func (pc Pacer) Ready(now, end, i int64, max int) int {
	n := 0
	for n < max {
		d := pc.Due(i + int64(n))
		if d > now || d >= end {
			break
		}
		n++
	}
	return n
}

// Await waits until the i-th event is due by clk and returns the time it read last (>= the due
// time). It spins; with yield set it yields to the Go scheduler between reads, as a goroutine
// that shares its CPU with others must, or they wait for the scheduler to preempt it
// (milliseconds); a pinned goroutine must not (see Env).
func (pc Pacer) Await(clk Clock, i int64, yield bool) int64 {
	due := pc.Due(i)
	for {
		now := clk.Nanotime()
		if now >= due {
			return now
		}
		if yield {
			runtime.Gosched()
		}
	}
}
