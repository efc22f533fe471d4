package bench

import (
	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/ring"
)

// MPMC2P2C is the mpmc-2p2c scenario: two producers push events one at a time, two consumers
// take them, each event going to exactly one consumer. hotpath is the FanIn ring (a lane per
// producer), vyukov the shared-counter MPMC ring; their consumers take every ready event (up to
// 64) with one claim (Drain), as the engine's workers do; channel and Workiva consumers take one
// per call, which is all those APIs offer. Baseline: chan. The go test form is ring's
// BenchmarkMPMC/2P2C.
func MPMC2P2C() Scenario {
	return Scenario{
		Name:     "mpmc-2p2c",
		Doc:      "two producers, two consumers, each event to one consumer",
		Baseline: "chan",
		Impls: []Impl{
			{Name: "hotpath", New: func() (Target, error) { return &mpmcFanIn{}, nil }},
			{Name: "vyukov", New: func() (Target, error) { return &mpmcRing{}, nil }},
			{Name: "chan", New: func() (Target, error) { return &mpmcChan{}, nil }},
			{Name: "workiva", New: func() (Target, error) { return &mpmcWorkiva{}, nil }},
			{Name: "workiva-pool", New: func() (Target, error) { return &mpmcWorkiva{pool: true}, nil }},
		},
	}
}

// mpmcShape is the shape of every mpmc-2p2c target: consumer c uses Sink slot c.
func mpmcShape() Shape { return Shape{Producers: 2, Consumers: 2, Sinks: 2} }

// mpmcRing is our MPMC ring: Push by value, Drain in batches.
type mpmcRing struct {
	r  *ring.MPMC[events.Raw]
	sc [2]scratch
	cs consumers
}

func (t *mpmcRing) Shape() Shape { return mpmcShape() }

func (t *mpmcRing) Start(env Env) error {
	r, err := ring.NewMPMC[events.Raw](RingCap, ringWait(env.Dedicated))
	if err != nil {
		return err
	}
	t.r = r
	for c := range 2 {
		t.cs.spawn(env, c, func() {
			fn := func(v *events.Raw, _ bool) { env.Sink(c, v) }
			for {
				if _, err := r.Drain(BatchSize, fn); err != nil {
					return
				}
			}
		})
	}
	return nil
}

func (t *mpmcRing) Send(p, n int, fill Fill) error {
	e := &t.sc[p].e
	for i := range n {
		fill(i, e)
		if err := t.r.Push(*e); err != nil {
			return err
		}
	}
	return nil
}

func (t *mpmcRing) Stop() error {
	t.r.Close()
	t.cs.wait()
	return nil
}

// mpmcFanIn is the FanIn ring: a lane per producer.
type mpmcFanIn struct {
	q     *ring.FanIn[events.Raw]
	prods [2]*ring.FanInProducer[events.Raw]
	sc    [2]scratch
	cs    consumers
}

func (t *mpmcFanIn) Shape() Shape { return mpmcShape() }

func (t *mpmcFanIn) Start(env Env) error {
	q, err := ring.NewFanIn[events.Raw](RingCap, 2, ringWait(env.Dedicated))
	if err != nil {
		return err
	}
	t.q = q
	for p := range t.prods {
		if t.prods[p], err = q.NewProducer(); err != nil {
			return err
		}
	}
	for c := range 2 {
		cons := q.NewConsumer()
		t.cs.spawn(env, c, func() {
			fn := func(v *events.Raw, _ bool) { env.Sink(c, v) }
			for {
				if _, err := cons.Drain(BatchSize, fn); err != nil {
					return
				}
			}
		})
	}
	return nil
}

func (t *mpmcFanIn) Send(p, n int, fill Fill) error {
	e := &t.sc[p].e
	for i := range n {
		fill(i, e)
		if err := t.prods[p].Push(*e); err != nil {
			return err
		}
	}
	return nil
}

func (t *mpmcFanIn) Stop() error {
	t.q.Close()
	t.cs.wait()
	return nil
}

// mpmcChan is one buffered channel shared by both producers and both consumers.
type mpmcChan struct {
	ch chan events.Raw
	sc [2]scratch
	cs consumers
}

func (t *mpmcChan) Shape() Shape { return mpmcShape() }

func (t *mpmcChan) Start(env Env) error {
	ch := make(chan events.Raw, RingCap)
	t.ch = ch
	for c := range 2 {
		t.cs.spawn(env, c, func() { drainChan(ch, env.Sink, c) })
	}
	return nil
}

func (t *mpmcChan) Send(p, n int, fill Fill) error {
	e := &t.sc[p].e
	for i := range n {
		fill(i, e)
		t.ch <- *e
	}
	return nil
}

func (t *mpmcChan) Stop() error {
	close(t.ch)
	t.cs.wait()
	return nil
}

// mpmcWorkiva is Workiva's RingBuffer with two producers and two consumers.
type mpmcWorkiva struct {
	q    *workivaQueue
	pool bool // workiva-pool: pointers into pools, not boxed values
}

func (t *mpmcWorkiva) Shape() Shape { return mpmcShape() }

func (t *mpmcWorkiva) Start(env Env) error {
	t.q = newWorkivaQueue(2, !t.pool)
	t.q.consume(env, 0, 0)
	t.q.consume(env, 1, 1)
	return nil
}

func (t *mpmcWorkiva) Send(p, n int, fill Fill) error { return t.q.send(p, n, fill) }
func (t *mpmcWorkiva) Stop() error                    { return t.q.close(2) }
