package ring

import (
	"errors"
	"sync"
	"sync/atomic"
)

// ErrTooManyProducers is returned by FanIn.NewProducer when every lane is taken.
var ErrTooManyProducers = errors.New("ring: every lane of the fan-in ring has a producer")

// FanIn is a multi-producer, multi-consumer ring built from one lane per producer, the design of
// moodycamel's ConcurrentQueue: each producer owns a lane (a bounded Vyukov ring in which it
// never contends with another producer), and consumers claim batches of ready events from the
// lanes in turn. Producers never share a cache line; a consumer claims every ready event of a
// lane, up to its limit, with one compare-and-swap.
//
// Order is per producer, not global: events of one producer are claimed in the order it pushed
// them; events of different producers interleave as the consumers visit the lanes. Each event is
// taken by exactly one consumer. A producer's TryPush fails only when its own lane is full.
//
// A FanInProducer must be used by one goroutine at a time; a FanInConsumer likewise. Close may be
// called by any goroutine at any time (see MPMC.Close): every push that returned nil is
// delivered. No method allocates after construction, except NewProducer and NewConsumer.
type FanIn[T any] struct {
	laneSize int
	opts     []Option
	lanes    []atomic.Pointer[MPMC[T]] // the first n are in use
	n        atomic.Int32
	mu       sync.Mutex // serialises NewProducer
	cwait    Wait
	closed   atomic.Bool
	_        pad
	cw       waiters // consumers of every lane
}

// FanInProducer pushes into its own lane of a FanIn ring.
type FanInProducer[T any] struct {
	lane *MPMC[T]
}

// FanInConsumer takes events from every lane of a FanIn ring, starting each scan at the lane
// after the one it last took from, so no lane starves.
type FanInConsumer[T any] struct {
	q    *FanIn[T]
	next int
}

// NewFanIn returns a ring of up to maxProducers lanes of laneSize slots each (a power of two).
// Lanes are allocated as producers arrive.
func NewFanIn[T any](laneSize, maxProducers int, opts ...Option) (*FanIn[T], error) {
	if _, err := capacityFor(laneSize); err != nil {
		return nil, err
	}
	if maxProducers < 1 {
		return nil, ErrTooManyProducers
	}
	q := &FanIn[T]{laneSize: laneSize, opts: opts, lanes: make([]atomic.Pointer[MPMC[T]], maxProducers),
		cwait: buildConfig(opts).consumerWait}
	q.cw.init()
	return q, nil
}

// NewProducer returns a producer with a lane of its own, or ErrTooManyProducers, or ErrClosed.
func (q *FanIn[T]) NewProducer() (*FanInProducer[T], error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed.Load() {
		return nil, ErrClosed
	}
	i := int(q.n.Load())
	if i == len(q.lanes) {
		return nil, ErrTooManyProducers
	}
	lane, err := NewMPMC[T](q.laneSize, q.opts...)
	if err != nil {
		return nil, err
	}
	lane.cw = &q.cw
	q.lanes[i].Store(lane)
	q.n.Store(int32(i + 1))
	return &FanInProducer[T]{lane: lane}, nil
}

// NewConsumer returns a consumer; create one per consuming goroutine.
func (q *FanIn[T]) NewConsumer() *FanInConsumer[T] { return &FanInConsumer[T]{q: q} }

// Close closes every lane; see MPMC.Close. Producers created later get ErrClosed.
func (q *FanIn[T]) Close() {
	q.mu.Lock()
	q.closed.Store(true)
	for i := range int(q.n.Load()) {
		q.lanes[i].Load().closeLane()
	}
	q.mu.Unlock()
	q.cw.close()
}

// TryPush publishes v into the producer's lane if it has room.
func (p *FanInProducer[T]) TryPush(v T) bool { return p.lane.TryPush(v) }

// Push publishes v, waiting while the lane is full; ErrClosed once closed.
func (p *FanInProducer[T]) Push(v T) error { return p.lane.Push(v) }

// PushN publishes all of vs, in order.
func (p *FanInProducer[T]) PushN(vs []T) error { return p.lane.PushN(vs) }

// claim takes up to max ready events from the next lane that has any.
func (c *FanInConsumer[T]) claim(max int) (lane *MPMC[T], lower, upper uint64) {
	n := int(c.q.n.Load())
	for k := 0; k < n; k++ {
		i := c.next
		if i >= n {
			i = 0
		}
		c.next = i + 1
		l := c.q.lanes[i].Load()
		if lo, up := l.Claim(max); up > lo {
			return l, lo, up
		}
	}
	return nil, 0, 0
}

func (c *FanInConsumer[T]) ready() bool {
	n := int(c.q.n.Load())
	for i := range n {
		if c.q.lanes[i].Load().readyToTake() {
			return true
		}
	}
	return false
}

// drained reports that the ring is closed and every lane is drained.
func (c *FanInConsumer[T]) drained() bool {
	if !c.q.closed.Load() {
		return false
	}
	n := int(c.q.n.Load())
	for i := range n {
		if !c.q.lanes[i].Load().drained() {
			return false
		}
	}
	return true
}

// Drain takes up to max ready events from one lane (waiting with the consumer strategy until some
// lane has any), calls fn on each in order with endOfBatch on the last, releases them and returns
// how many; ErrClosed once the ring is closed and drained.
func (c *FanInConsumer[T]) Drain(max int, fn func(v *T, endOfBatch bool)) (int, error) {
	for {
		if l, lo, up := c.claim(max); l != nil {
			for p := lo; p < up; p++ {
				fn(l.Slot(p), p+1 == up)
			}
			l.ReleaseRange(lo, up)
			return int(up - lo), nil
		}
		if c.drained() {
			return 0, ErrClosed
		}
		c.q.cw.await(c.q.cwait, false, c.ready, c.drained)
	}
}

// Pop takes one event, waiting until one is ready; ErrClosed once closed and drained.
func (c *FanInConsumer[T]) Pop() (v T, err error) {
	_, err = c.Drain(1, func(e *T, _ bool) { v = *e })
	return v, err
}

// TryPop takes one ready event, if any lane has one.
func (c *FanInConsumer[T]) TryPop() (v T, ok bool) {
	if l, lo, up := c.claim(1); l != nil {
		v = *l.Slot(lo)
		l.ReleaseRange(lo, up)
		return v, true
	}
	return v, false
}
