package ring

import (
	"runtime"

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
// back-pressure stall. Choose per ring: [Parking] for engines that must idle at ~0% CPU,
// [SpinYield] or [BusySpin] for dedicated cores.
type Wait struct {
	Spin  int  // busy-spin iterations before yielding; < 0: spin forever
	Yield int  // runtime.Gosched calls before parking; < 0: yield forever
	Park  bool // park after spinning and yielding (consumers: until woken; producers: nap)
}

// MaxNap is the longest nap of a parked producer between checks for room.
const MaxNap = time.Millisecond

// napAfter is how long a parked producer keeps yielding before its first nap.
const napAfter = 100 * time.Microsecond

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
	for i := 0; s.Spin < 0 || i < s.Spin; i++ {
		if ready() {
			return true
		}
		if done() {
			return false
		}
		spinPause(i)
	}
	for i := 0; s.Yield < 0 || i < s.Yield; i++ {
		if ready() {
			return true
		}
		if done() {
			return false
		}
		runtime.Gosched()
	}
	if !s.Park {
		for {
			if ready() {
				return true
			}
			if done() {
				return false
			}
			runtime.Gosched()
		}
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
