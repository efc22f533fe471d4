package bench

import (
	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/ring"
)

// SPSC is the spsc scenario: one producer hands events one at a time to one consumer through
// our SPSC ring (Push/Pop, by value), a buffered channel, and Workiva's RingBuffer. Baseline:
// chan. The go test form is ring's BenchmarkSPSC.
func SPSC() Scenario {
	return Scenario{
		Name:     "spsc",
		Doc:      "one producer, one consumer, one event at a time",
		Baseline: "chan",
		Impls: []Impl{
			{Name: "hotpath", New: func() (Target, error) { return &spscRing{}, nil }},
			{Name: "chan", New: func() (Target, error) { return &spscChan{}, nil }},
			{Name: "workiva", New: func() (Target, error) { return &spscWorkiva{}, nil }},
			{Name: "workiva-pool", New: func() (Target, error) { return &spscWorkiva{pool: true}, nil }},
		},
	}
}

// spscShape is the shape of every spsc target.
func spscShape() Shape { return Shape{Producers: 1, Consumers: 1, Sinks: 1} }

// spscRing is our SPSC ring, taken by value with Push and Pop.
type spscRing struct {
	r  *ring.SPSC[events.Raw]
	sc scratch
	cs consumers
}

func (t *spscRing) Shape() Shape { return spscShape() }

func (t *spscRing) Start(env Env) error {
	r, err := ring.NewSPSC[events.Raw](RingCap, ringWait(env.Dedicated))
	if err != nil {
		return err
	}
	t.r = r
	t.cs.spawn(env, 0, func() {
		v := new(events.Raw)
		for {
			var err error
			if *v, err = r.Pop(); err != nil {
				return
			}
			env.Sink(0, v)
		}
	})
	return nil
}

func (t *spscRing) Send(_, n int, fill Fill) error {
	for i := range n {
		fill(i, &t.sc.e)
		if err := t.r.Push(t.sc.e); err != nil {
			return err
		}
	}
	return nil
}

func (t *spscRing) Stop() error {
	t.r.Close()
	t.cs.wait()
	return nil
}

// spscChan is a buffered channel of events.
type spscChan struct {
	ch chan events.Raw
	sc scratch
	cs consumers
}

func (t *spscChan) Shape() Shape { return spscShape() }

func (t *spscChan) Start(env Env) error {
	ch := make(chan events.Raw, RingCap)
	t.ch = ch
	t.cs.spawn(env, 0, func() { drainChan(ch, env.Sink, 0) })
	return nil
}

// drainChan hands every event of ch to sink's slot until ch is closed.
func drainChan(ch chan events.Raw, sink Sink, slot int) {
	v := new(events.Raw)
	for {
		var ok bool
		if *v, ok = <-ch; !ok {
			return
		}
		sink(slot, v)
	}
}

func (t *spscChan) Send(_, n int, fill Fill) error {
	for i := range n {
		fill(i, &t.sc.e)
		t.ch <- t.sc.e
	}
	return nil
}

func (t *spscChan) Stop() error {
	close(t.ch)
	t.cs.wait()
	return nil
}

// spscWorkiva is Workiva's RingBuffer with one producer and one consumer.
type spscWorkiva struct {
	q    *workivaQueue
	pool bool // workiva-pool: pointers into pools, not boxed values
}

func (t *spscWorkiva) Shape() Shape { return spscShape() }

func (t *spscWorkiva) Start(env Env) error {
	t.q = newWorkivaQueue(1, !t.pool)
	t.q.consume(env, 0, 0)
	return nil
}

func (t *spscWorkiva) Send(p, n int, fill Fill) error { return t.q.send(p, n, fill) }
func (t *spscWorkiva) Stop() error                    { return t.q.close(1) }
