package bench

import (
	"sync/atomic"

	"github.com/hotpath-go/hotpath/engine/metrics"
	"github.com/hotpath-go/hotpath/events"
)

// stepClock is a Clock for tests: every read advances it by step nanoseconds, and advance
// moves it on at once (a stall). Safe for concurrent use.
type stepClock struct {
	now  atomic.Int64
	step int64
}

func (c *stepClock) Nanotime() int64 { return c.now.Add(c.step) }
func (c *stepClock) advance(d int64) { c.now.Add(d) }

// syncTarget delivers every event on the producer's own goroutine, during Send: a Target with
// no hand-off, whose latency is therefore all the harness's doing. stallAt (an event ID, when
// stall > 0) makes Send stall the clock by stall before delivering that event, as a blocked
// queue would; drop (when > 0) makes it lose the event with that ID; alloc makes it allocate
// once per event.
type syncTarget struct {
	producers int
	clk       *stepClock
	stallAt   uint64
	stall     int64
	drop      uint64
	alloc     bool
	env       Env
	bufs      []scratch
	keep      []*events.Raw
}

func (t *syncTarget) Shape() Shape {
	return Shape{Producers: max(t.producers, 1), Sinks: max(t.producers, 1)}
}

func (t *syncTarget) Start(env Env) error {
	t.env = env
	t.bufs = make([]scratch, max(t.producers, 1))
	t.keep = make([]*events.Raw, max(t.producers, 1))
	return nil
}

func (t *syncTarget) Send(p, n int, fill Fill) error {
	e := &t.bufs[p].e
	for i := range n {
		fill(i, e)
		if t.stall > 0 && e.ID == t.stallAt {
			t.clk.advance(t.stall)
		}
		if t.drop > 0 && e.ID == t.drop {
			continue
		}
		if t.alloc {
			c := new(events.Raw)
			*c = *e
			t.keep[p] = c
		}
		t.env.Sink(p, e)
	}
	return nil
}

func (t *syncTarget) Stop() error { return nil }

// syncImpl wraps a syncTarget factory as an Impl.
func syncImpl(name string, mk func() *syncTarget) Impl {
	return Impl{Name: name, New: func() (Target, error) { return mk(), nil }}
}

// realClock is the monotonic clock, for tests that time real work.
func realClock() Clock { return metrics.NewClock(metrics.ClockMonotonic) }
