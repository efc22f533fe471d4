package bench

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/Workiva/go-datastructures/queue"

	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/ring"
)

// RingCap is the capacity, in events, of every queue in the ring scenarios: our rings, the
// channels (in events, so 16 batches of 64 for the batch scenario) and Workiva's RingBuffer.
// It is the capacity ring/bench_test.go uses.
const RingCap = 1024

// workivaPool is how many events each producer cycles through when it hands Workiva's
// RingBuffer (which holds interface{} values) pointers instead of values: four times the
// ring, so that an event is never rewritten while a consumer may still be reading it.
const workivaPool = 4 * RingCap

// ringWait is the wait strategy of our rings in the harness: busy-spin when every goroutine
// has its own CPU, otherwise spin briefly and yield (as ring/bench_test.go does).
func ringWait(dedicated bool) ring.Option {
	if dedicated {
		return ring.WithWait(ring.BusySpin())
	}
	return ring.WithWait(ring.SpinYield())
}

// consumers runs the consumer goroutines of a ring target and joins them.
type consumers struct{ wg sync.WaitGroup }

// spawn starts consumer c: it calls env.OnStart(c), then loop.
func (cs *consumers) spawn(env Env, c int, loop func()) {
	cs.wg.Add(1)
	go func() {
		defer cs.wg.Done()
		env.OnStart(c)
		loop()
	}()
}

// wait joins every consumer.
func (cs *consumers) wait() { cs.wg.Wait() }

// scratch is a producer's event buffer, on cache lines of its own, for the implementations
// that take events by value: the producer fills it in place and sends a copy.
type scratch struct {
	_ [64]byte
	e events.Raw
	_ [64]byte
}

// workivaQueue is Workiva's RingBuffer as the harness drives it. The RingBuffer holds
// interface{} values; boxing each event would allocate, so each producer owns a pool of slots
// and puts pointers to them (a pointer in an interface{} is not boxed). A consumer copies the
// event out and hands the slot back by clearing its busy flag, which the producer checks
// before reusing it: without that hand-back a slow consumer could still be copying an event
// the producer is overwriting (a data race; the pool, four times the ring, makes the wait all
// but impossible, but only the flag makes it correct). A consumer stops at the stop sentinel
// (one put per consumer).
type workivaQueue struct {
	rb    *queue.RingBuffer
	pools [][]workivaSlot
	next  []uint64 // per producer, 8 words apart: the pool index of its next event
	stop  *workivaSlot
	cs    consumers
}

// workivaSlot is one pooled event and its hand-back flag: one 64-byte line.
type workivaSlot struct {
	busy atomic.Bool // set by the producer before the put, cleared by the consumer after the copy
	e    events.Raw
}

func newWorkivaQueue(producers int) *workivaQueue {
	q := &workivaQueue{rb: queue.NewRingBuffer(RingCap), stop: new(workivaSlot), next: make([]uint64, producers*8)}
	for range producers {
		q.pools = append(q.pools, make([]workivaSlot, workivaPool))
	}
	return q
}

func (q *workivaQueue) send(p, n int, fill Fill) error {
	pool := q.pools[p]
	next := &q.next[p*8]
	for i := range n {
		s := &pool[*next&(workivaPool-1)]
		*next++
		for s.busy.Load() {
			runtime.Gosched() // a consumer is still copying this slot's previous event
		}
		fill(i, &s.e)
		s.busy.Store(true)
		if err := q.rb.Put(s); err != nil {
			return err
		}
	}
	return nil
}

// consume runs a consumer until the stop sentinel.
func (q *workivaQueue) consume(env Env, c, slot int) {
	q.cs.spawn(env, c, func() {
		v := new(events.Raw)
		for {
			x, err := q.rb.Get()
			if err != nil {
				return
			}
			s := x.(*workivaSlot)
			if s == q.stop {
				return
			}
			*v = s.e
			s.busy.Store(false)
			env.Sink(slot, v)
		}
	})
}

// close stops consumers consumers and joins them.
func (q *workivaQueue) close(consumers int) error {
	for range consumers {
		if err := q.rb.Put(q.stop); err != nil {
			return err
		}
	}
	q.cs.wait()
	q.rb.Dispose()
	return nil
}
