package bench

import (
	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/ring"
)

// Multicast1P2C is the multicast-1p2c scenario: one producer, two consumers that each see every
// event. Our Multicast ring publishes each event once and both consumers read it in place
// (Drain, up to 64 at a time); the channel version sends each event to one channel per
// consumer. Workiva has no multicast. An event counts once in ns/op; its latency is recorded
// at each consumer. Baseline: chan. The go test form is ring's BenchmarkMulticast/1P2C.
func Multicast1P2C() Scenario {
	return Scenario{
		Name:     "multicast-1p2c",
		Doc:      "one producer, two consumers, every event to both",
		Baseline: "chan",
		Impls: []Impl{
			{Name: "hotpath", New: func() (Target, error) { return &multicastRing{}, nil }},
			{Name: "chan", New: func() (Target, error) { return &multicastChan{}, nil }},
		},
	}
}

// multicastShape is the shape of every multicast-1p2c target: consumer c uses Sink slot c.
func multicastShape() Shape { return Shape{Producers: 1, Consumers: 2, Sinks: 2, Fanout: 2} }

// multicastRing is our Multicast ring with two independent consumers.
type multicastRing struct {
	r  *ring.Multicast[events.Raw]
	sc scratch
	cs consumers
}

func (t *multicastRing) Shape() Shape { return multicastShape() }

func (t *multicastRing) Start(env Env) error {
	r, err := ring.NewMulticast[events.Raw](RingCap, ringWait(env.Dedicated))
	if err != nil {
		return err
	}
	t.r = r
	var cons [2]*ring.Consumer[events.Raw]
	for c := range cons {
		if cons[c], err = r.NewConsumer(); err != nil {
			return err
		}
	}
	for c, rc := range cons {
		t.cs.spawn(env, c, func() {
			fn := func(v *events.Raw, _ bool) { env.Sink(c, v) }
			for {
				if _, err := rc.Drain(BatchSize, fn); err != nil {
					return
				}
			}
		})
	}
	return nil
}

func (t *multicastRing) Send(_, n int, fill Fill) error {
	for i := range n {
		fill(i, &t.sc.e)
		if err := t.r.Push(t.sc.e); err != nil {
			return err
		}
	}
	return nil
}

func (t *multicastRing) Stop() error {
	t.r.Close()
	t.cs.wait()
	return nil
}

// multicastChan sends every event to one buffered channel per consumer.
type multicastChan struct {
	chs [2]chan events.Raw
	sc  scratch
	cs  consumers
}

func (t *multicastChan) Shape() Shape { return multicastShape() }

func (t *multicastChan) Start(env Env) error {
	for c := range 2 {
		ch := make(chan events.Raw, RingCap)
		t.chs[c] = ch
		t.cs.spawn(env, c, func() { drainChan(ch, env.Sink, c) })
	}
	return nil
}

func (t *multicastChan) Send(_, n int, fill Fill) error {
	for i := range n {
		fill(i, &t.sc.e)
		t.chs[0] <- t.sc.e
		t.chs[1] <- t.sc.e
	}
	return nil
}

func (t *multicastChan) Stop() error {
	close(t.chs[0])
	close(t.chs[1])
	t.cs.wait()
	return nil
}
