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
// channels (in events, so 1024 batches of 64 for the batch scenario) and Workiva's RingBuffer.
// It is the capacity ring/bench_test.go uses, and why: 65536 events (4 MiB of slots) is past
// the L2 cache of a core, so the lines of a ring reach the other core through the shared L3
// rather than by a snoop of the other core's L2 for every slot (see BenchmarkSPSCSize).
const RingCap = 65536

// workivaPool is how many events each producer cycles through when it hands Workiva's
// RingBuffer (which holds interface{} values) pointers instead of values: four times the
// ring, so that an event is never rewritten while a consumer may still be reading it.
const workivaPool = 4 * RingCap

// ringWait is the wait strategy of our rings in the harness: busy-spin when every goroutine
// has its own CPU, otherwise the rings' default, ring.Parking() (as ring/bench_test.go uses):
// a consumer that catches up parks and lets its producer run ahead, so that slot lines stream
// to it instead of moving one at a time under both sides' feet (spsc closed loop, alternating
// runs: 28-39 ns/op parking against 53-59 spinning then yielding, chan 51-69).
func ringWait(dedicated bool) ring.Option {
	if dedicated {
		return ring.WithWait(ring.BusySpin())
	}
	return ring.WithWait(ring.Parking())
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
// interface{} values. Boxed (the "workiva" implementations), each event goes in by value, as
// the API takes it: Go boxes the 56-byte struct, one allocation per event, and the consumer
// copies it out of the box. Otherwise ("workiva-pool", Workiva's best case) each producer owns
// a pool of slots and puts pointers to them (a pointer in an interface{} is not boxed). A consumer copies the
// event out and hands the slot back by clearing its busy flag, which the producer checks
// before reusing it: without that hand-back a slow consumer could still be copying an event
// the producer is overwriting (a data race; the pool, four times the ring, makes the wait all
// but impossible, but only the flag makes it correct). A consumer stops at the stop sentinel
// (one put per consumer).
type workivaQueue struct {
	boxed bool
	sc    []scratch // boxed: per producer, the event being filled
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

func newWorkivaQueue(producers int, boxed bool) *workivaQueue {
	q := &workivaQueue{boxed: boxed, rb: queue.NewRingBuffer(RingCap), stop: new(workivaSlot), next: make([]uint64, producers*8)}
	if boxed {
		q.sc = make([]scratch, producers)
		return q
	}
	for range producers {
		q.pools = append(q.pools, make([]workivaSlot, workivaPool))
	}
	return q
}

func (q *workivaQueue) send(p, n int, fill Fill) error {
	if q.boxed {
		e := &q.sc[p].e
		for i := range n {
			fill(i, e)
			if err := q.rb.Put(*e); err != nil {
				return err
			}
		}
		return nil
	}
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
			switch x := x.(type) {
			case events.Raw:
				*v = x
			case *workivaSlot:
				if x == q.stop {
					return
				}
				*v = x.e
				x.busy.Store(false)
			}
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
