package ring

import (
	"runtime"
	"strconv"

	"github.com/hotpath-go/hotpath/internal/membarrier"
	"sync"
	"sync/atomic"
	"time"
)

// Wait is a wait strategy: what a producer does while the ring is full, or a consumer while it
// is empty. A goroutine first busy-spins Spin times, then calls runtime.Gosched Yield times,
// then, if Park is set, parks. Negative Spin or Yield means "forever" at that stage. The zero
// value spins 0 times, yields forever.
//
// A parked consumer sleeps until a producer publishes and wakes it; on Linux the hand-shake costs
// the producer nothing but one load per publish (see waiters); elsewhere, a ring whose consumers
// may park publishes with a full barrier (an XCHG on amd64, ~20 cycles). A parked producer (the ring is full) instead sleeps in short,
// growing naps (up to MaxNap) and re-checks: waking it would cost a barrier on every release by
// every consumer, the hottest operation of all, for a case - a full ring - that is already a
// back-pressure stall. Choose per ring: [Parking] for rings that must idle at ~0% CPU and may
// sleep between events, [Responsive] for latency-critical rings on shared CPUs (spins through
// gaps of up to 50 µs, parks after 1 ms idle), [SpinYield] or [BusySpin] for dedicated cores.
type Wait struct {
	Spin  int  // busy-spin iterations before yielding; < 0: spin forever
	Yield int  // runtime.Gosched calls before parking; < 0: yield forever
	Park  bool // park after spinning and yielding (consumers: until woken; producers: nap)

	// SpinFor and YieldFor, when either is set, bound the two stages by time instead of by
	// counts (Spin and Yield are then ignored): the waiter spins for SpinFor, then yields
	// until SpinFor+YieldFor has passed since it began to wait, then parks (if Park) or
	// yields on. A zero stage is skipped. Time is read once per 64 checks, so the bounds are
	// approximate (and cost nothing per check). A count is a poor unit for a wait that
	// must cover a gap between events: one spin check costs ~1 ns on one machine and ~10 on
	// another, and a Gosched from microseconds to milliseconds.
	SpinFor  time.Duration
	YieldFor time.Duration
}

// timed reports whether the stages are bounded by time.
func (s Wait) timed() bool { return s.SpinFor > 0 || s.YieldFor > 0 }

// Stage is what a waiter does at some point of its wait, as Wait.Stage says.
type Stage uint8

// The stages of a wait, in order.
const (
	StageSpin  Stage = iota // busy-spin: check again at once
	StageYield              // runtime.Gosched, then check again
	StagePark               // park (consumers) or nap (producers) until woken or a timeout
)

// String names the stage: "spin", "yield" or "park".
func (s Stage) String() string {
	switch s {
	case StageSpin:
		return "spin"
	case StageYield:
		return "yield"
	case StagePark:
		return "park"
	}
	return "Stage(" + strconv.Itoa(int(s)) + ")"
}

// Stage returns the stage of a wait that has made checks checks (0 for the first) and has
// lasted waited so far. waited matters only for time-bounded strategies (SpinFor, YieldFor);
// callers may pass a value refreshed once every 64 checks. Without Park, the last stage is
// StageYield (or StageSpin for a Spin < 0).
func (s Wait) Stage(checks int, waited time.Duration) Stage {
	if s.timed() {
		switch {
		case waited < s.SpinFor:
			return StageSpin
		case waited < s.SpinFor+s.YieldFor || !s.Park:
			return StageYield
		}
		return StagePark
	}
	switch {
	case s.Spin < 0 || checks < s.Spin:
		return StageSpin
	case s.Yield < 0 || checks < s.Spin+s.Yield || !s.Park:
		return StageYield
	}
	return StagePark
}

// MaxNap is the longest nap of a parked producer between checks for room.
const MaxNap = time.Millisecond

// napAfter is how long a parked producer keeps yielding before its first nap. It must exceed
// the time a consumer takes to drain a full ring at full speed (65536 events at ~2 ns in
// batches: ~130 µs), or a producer naps just before room appears, its consumer drains the ring
// and parks meanwhile, and the two fall into a stop-and-go cycle of naps and wake-ups (measured
// at 100 µs: BenchmarkSPSCBatch at 65536 slots fell from ~1.7 to ~20 ns per event in some
// runs).
const napAfter = time.Millisecond

// BusySpin never gives up its core: lowest wake-up latency, 100% CPU while waiting. Use it only
// on a pinned, isolated core; two busy spinners on one CPU hand off in milliseconds.
func BusySpin() Wait { return Wait{Spin: -1} }

// SpinYield spins briefly, then yields to the Go scheduler forever: low latency, and fair to
// other goroutines, but an idle waiter still burns its core.
func SpinYield() Wait { return Wait{Spin: 100, Yield: -1} }

// Parking spins briefly (64 checks: fewer and longer spins measured slower on 2 cores, where
// spinners delay the goroutines they wait for), yields a little, then parks: an idle ring costs ~0% CPU and a parked
// waiter is woken within microseconds of the next publish.
func Parking() Wait { return Wait{Spin: 64, Yield: 20, Park: true} }

// Responsive spins for 50 µs, then yields until 1 ms has passed, then parks: for a
// latency-critical engine on CPUs it shares, where events come often but not back to back. A
// gap between events shorter than 50 µs (anything above 20k events/s) finds the waiter
// spinning, so the next event pays no
// wake-up (a parked goroutine locked to its thread takes tens of microseconds to wake on a VM,
// and can take milliseconds); the yield stage lets the process's other goroutines (a log's
// flusher, the garbage collector) run; an engine idle for over a millisecond parks and costs
// ~0% CPU. It costs a CPU per waiter while events keep coming.
func Responsive() Wait {
	return Wait{SpinFor: 50 * time.Microsecond, YieldFor: 950 * time.Microsecond, Park: true}
}

// waiters is where consumers of a ring park. The hand-shake is the asymmetric form of Dekker's:
// a publisher stores the sequence (a release store: a plain MOV on amd64) and then reads n; a
// consumer about to sleep increments n and then calls membarrier(2), which makes every thread of
// the process execute a full barrier, before it re-checks the ring under mu. Either the consumer
// sees the publish or the publisher sees the consumer (and takes mu to wake it), so no wake-up is
// lost, and the publisher pays no barrier: the barrier is paid by the goroutine going to sleep,
// a few microseconds on an idle path. Where membarrier is not available (not Linux, or an old
// kernel), rings whose consumers park publish with a full barrier instead (see Multicast.fence).
type waiters struct {
	n    atomic.Int32 // goroutines parked or about to park; read by every publish
	_    [CacheLine - 4]byte
	mu   sync.Mutex
	cond sync.Cond
}

func (w *waiters) init() { w.cond.L = &w.mu }

// wake wakes the parked waiters, if any. It is cheap when nobody waits: one load of a line
// nobody writes.
func (w *waiters) wake() {
	if w.n.Load() != 0 {
		w.wakeSlow()
	}
}

//go:noinline
func (w *waiters) wakeSlow() {
	w.mu.Lock()
	w.cond.Broadcast()
	w.mu.Unlock()
}

// close wakes every waiter; their done condition must already be true.
func (w *waiters) close() { w.wakeSlow() }

// await waits with strategy s until ready returns true or done returns true; it reports ready.
// It is the slow path of every blocking operation; fast paths try once before calling it. With
// nap set, parking is napping (see Wait) and nobody needs to wake the waiter.
func (w *waiters) await(s Wait, nap bool, ready func() bool, done func() bool) bool {
	var start time.Time
	var waited time.Duration
	if s.timed() {
		start = time.Now()
	}
	for i := 0; ; i++ {
		if ready() {
			return true
		}
		if done() {
			return false
		}
		if i&63 == 63 && s.timed() {
			waited = time.Since(start)
		}
		switch s.Stage(i, waited) {
		case StageSpin:
			spinPause(i)
			continue
		case StageYield:
			runtime.Gosched()
			continue
		}
		break
	}
	if nap {
		// A full ring is normal under load: keep yielding for napAfter before the first nap
		// (a nap is at least tens of microseconds in practice, an eternity at full throughput).
		for start, i := time.Now(), 0; i&63 != 0 || time.Since(start) < napAfter; i++ {
			if ready() {
				return true
			}
			if done() {
				return false
			}
			runtime.Gosched()
		}
		for d := time.Microsecond; ; d = min(2*d, MaxNap) {
			if ready() {
				return true
			}
			if done() {
				return false
			}
			time.Sleep(d)
		}
	}
	w.n.Add(1)
	defer w.n.Add(-1)
	membarrier.Barrier() // no-op where unavailable: publishers then use full barriers
	w.mu.Lock()
	defer w.mu.Unlock()
	for {
		if ready() {
			return true
		}
		if done() {
			return false
		}
		w.cond.Wait()
	}
}

// spinPause is what a spinning waiter does between two checks: nothing. A PAUSE instruction
// costs ~26 ns on this project's 2-vCPU AMD EPYC VM, and that delay adds to every hand-off a
// waiting consumer detects: BenchmarkSPSC/hotpath measured 35 ns per event with one PAUSE between
// checks and 24 ns without; longer, growing backoffs were 2-6x slower still. Re-reading a line
// that has not changed is a hit in the spinner's own cache and costs the other core nothing.
// (On an SMT core PAUSE would lend the sibling thread the pipeline; hotpath's placement gives
// spinning workers whole cores.)
func spinPause(int) {}
