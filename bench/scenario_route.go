package bench

import (
	"context"
	"sync"
	"time"
	"unsafe"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/engine/metrics"
	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/ring"
)

// routeSource is the source the route-e2e producer publishes from.
const routeSource = "feed"

// stopTimeout bounds how long a Target's Stop waits for an engine to drain.
const stopTimeout = 30 * time.Second

// RouteE2E is the route-e2e scenario: one route, end to end. A producer publishes MarketData
// events through the router; the route's handler, on another goroutine, hands each to the
// Sink. hotpath is the engine: a dedicated Producer (engine.Publish's path), the route
// compiled into the engine's table, its handler on a worker pinned to the consumer's CPU and
// busy-spinning when the harness pins (Env.Dedicated), and no latency stamping of its own
// (LatencyEvery < 0: the harness's intended send time travels in Header.TS). chan is the
// usual Go event bus and the baseline: a map from (source, kind) to the routes' channels,
// behind a sync.RWMutex, looked up on every publish, and a goroutine per route ranging over
// its channel. ring is no router but the floor under one: the engine's lane alone, a bare
// SPSC ring the producer reserves, writes in place and commits one event at a time and the
// consumer drains in batches (Wait, Release), so that hotpath's figures over ring's are what
// routing adds. Every queue holds 1024 events. The go test form is engine's BenchmarkLatency.
func RouteE2E() Scenario {
	return Scenario{
		Name:     "route-e2e",
		Doc:      "one route: publish, route, handler on a worker",
		Baseline: "chan",
		Impls: append(routeImpls(),
			Impl{Name: "ring", New: func() (Target, error) { return &routeRing{}, nil }}),
	}
}

// RouteE2E1M is route-e2e with its open loop at 1M events/s whatever the suite's rate: the
// same route ten times busier than at the default rate, near where the chan bus saturates on
// a small machine. Its closed loop measures what route-e2e's does; its implementations are
// hotpath and chan.
func RouteE2E1M() Scenario {
	s := RouteE2E()
	s.Name, s.Doc, s.Rate = "route-e2e-1m", "route-e2e with the open loop at 1M events/s", 1e6
	s.Impls = routeImpls() // not ring: route-e2e has the floor
	return s
}

// RouteE2ESweep is route-e2e's latency against load up to saturation: hotpath's closed-loop
// throughput sets the scale, and each implementation runs the open loop at 10, 25, 50, 75 and
// 100% of it (results route-e2e-sweep-10 ... route-e2e-sweep-100, at the same absolute rates
// for both implementations). One producer sends one event per publish, as in route-e2e, so
// the top points are past what the producer itself can pace on a small machine: their
// load.unsent and notes say so, and the events never sent count at a lower bound of their
// latency.
func RouteE2ESweep() Scenario {
	s := RouteE2E()
	s.Name, s.Doc = "route-e2e-sweep", "route-e2e at 10-100% of hotpath's closed-loop throughput"
	s.Impls = routeImpls()
	s.Sweep = []int{10, 25, 50, 75, 100}
	return s
}

func routeImpls() []Impl {
	return []Impl{
		{Name: "hotpath", New: func() (Target, error) { return &routeEngine{}, nil }},
		{Name: "chan", New: func() (Target, error) { return &routeChan{}, nil }},
	}
}

// routeShape is the shape of both route-e2e targets: the engine's worker, or the bus's route
// goroutine, is the consumer.
func routeShape() Shape { return Shape{Producers: 1, Consumers: 1, Sinks: 1} }

// engineConfig is the engine configuration of the suite's engine targets with workers
// workers: pinned to env.CPUs and busy-spinning when the harness dedicates CPUs, otherwise
// spinning then yielding (as the ring scenarios do); no latency stamping (the harness's
// intended time is in Header.TS and must reach the handler unchanged); a monotonic clock,
// which costs no calibration per Target.
func engineConfig(env Env, workers int) engine.Config {
	c := engine.Config{Workers: workers, LatencyEvery: -1, Clock: metrics.NewClock(metrics.ClockMonotonic)}
	if env.Dedicated && len(env.CPUs) >= workers {
		c.CPUs = env.CPUs[:workers]
		c.Wait, c.PublishWait = ring.BusySpin(), ring.BusySpin()
	} else {
		c.Wait, c.PublishWait = ring.SpinYield(), ring.SpinYield()
	}
	return c
}

// stopEngine stops e, waiting at most stopTimeout for it to drain.
func stopEngine(e *engine.Engine) error {
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	return e.Stop(ctx)
}

// rawOf views a MarketData as the events.Raw it is (a full-size kind, 56 bytes): events.As's
// converse.
func rawOf(m *events.MarketData) *events.Raw { return (*events.Raw)(unsafe.Pointer(m)) }

var _ [unsafe.Sizeof(events.MarketData{}) - events.MaxSize]byte // rawOf needs a full-size kind

// routeEngine is the engine with one route from a dedicated producer to a handler.
type routeEngine struct {
	eng  *engine.Engine
	prod *engine.Producer
	sc   scratch
}

func (t *routeEngine) Shape() Shape { return routeShape() }

func (t *routeEngine) Start(env Env) error {
	e, err := engine.New(engineConfig(env, 1))
	if err != nil {
		return err
	}
	sink := env.Sink
	h := engine.HandlerFunc[events.MarketData](func(m *events.MarketData) { sink(0, rawOf(m)) })
	if err := e.Register(engine.Route{Name: "route-e2e", Source: routeSource, Target: engine.To(h)}); err != nil {
		return err
	}
	if err := e.Start(); err != nil {
		return err
	}
	t.eng = e
	if t.prod, err = e.NewProducer(routeSource); err != nil {
		_ = stopEngine(e)
		return err
	}
	t.sc.e.Kind = events.KindMarketData
	return nil
}

func (t *routeEngine) Send(_, n int, fill Fill) error {
	e := &t.sc.e
	for i := range n {
		fill(i, e)
		if err := t.prod.PublishRaw(e); err != nil {
			return err
		}
	}
	return nil
}

// Stop closes the producer (its goroutine has returned from its last Send, which happens
// before Stop) and drains the engine.
func (t *routeEngine) Stop() error {
	if err := t.prod.Close(); err != nil {
		return err
	}
	return stopEngine(t.eng)
}

// busKey is what the chan bus routes by: the source's name and the event's kind.
type busKey struct {
	source string
	kind   events.Kind
}

// chanBus is the event bus as Go programs commonly write it: routes by (source, kind) in a map
// behind a read-write mutex, a buffered channel per route and a goroutine per route that
// ranges over it calling the route's handler.
type chanBus struct {
	mu     sync.RWMutex
	routes map[busKey][]chan events.Raw
	wg     sync.WaitGroup
}

// subscribe adds a route for (source, kind): a channel of capacity events and a goroutine
// that calls onStart, then h with every event until Close.
func (b *chanBus) subscribe(source string, kind events.Kind, capacity int, onStart func(), h func(*events.Raw)) {
	ch := make(chan events.Raw, capacity)
	b.mu.Lock()
	if b.routes == nil {
		b.routes = map[busKey][]chan events.Raw{}
	}
	k := busKey{source, kind}
	b.routes[k] = append(b.routes[k], ch)
	b.mu.Unlock()
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		onStart()
		ev := new(events.Raw) // one for the route's life: a loop variable whose address h takes would escape, one per event
		for {
			var ok bool
			if *ev, ok = <-ch; !ok {
				return
			}
			h(ev)
		}
	}()
}

// publish sends a copy of e to every route of (source, e.Kind), waiting while a channel is
// full.
func (b *chanBus) publish(source string, e *events.Raw) {
	b.mu.RLock()
	chs := b.routes[busKey{source, e.Kind}]
	b.mu.RUnlock()
	for _, ch := range chs {
		ch <- *e
	}
}

// close closes every route's channel and waits for the route goroutines to finish.
func (b *chanBus) close() {
	b.mu.Lock()
	for _, chs := range b.routes {
		for _, ch := range chs {
			close(ch)
		}
	}
	b.routes = nil
	b.mu.Unlock()
	b.wg.Wait()
}

// routeChan is route-e2e on the chan bus.
type routeChan struct {
	bus chanBus
	sc  scratch
}

func (t *routeChan) Shape() Shape { return routeShape() }

func (t *routeChan) Start(env Env) error {
	sink := env.Sink
	t.bus.subscribe(routeSource, events.KindMarketData, RingCap, func() { env.OnStart(0) }, func(e *events.Raw) { sink(0, e) })
	t.sc.e.Kind = events.KindMarketData
	return nil
}

func (t *routeChan) Send(_, n int, fill Fill) error {
	e := &t.sc.e
	for i := range n {
		fill(i, e)
		t.bus.publish(routeSource, e)
	}
	return nil
}

func (t *routeChan) Stop() error {
	t.bus.close()
	return nil
}

// routeRing is a bare SPSC ring between the producer and a consumer: the engine's lane with
// no routing.
type routeRing struct {
	r  *ring.SPSC[events.Raw]
	cs consumers
}

func (t *routeRing) Shape() Shape { return routeShape() }

func (t *routeRing) Start(env Env) error {
	r, err := drainedSPSC(env, &t.cs, engine.DefaultRingSize) // the size of the engine's lanes
	t.r = r
	return err
}

func (t *routeRing) Send(_, n int, fill Fill) error {
	for i := range n {
		lo, err := t.r.Reserve(1)
		if err != nil {
			return err
		}
		e := t.r.Slot(lo)
		fill(i, e)
		e.Kind = events.KindMarketData
		t.r.Commit(lo, 1)
	}
	return nil
}

func (t *routeRing) Stop() error {
	t.r.Close()
	t.cs.wait()
	return nil
}

var (
	_ Target = (*routeEngine)(nil)
	_ Target = (*routeChan)(nil)
	_ Target = (*routeRing)(nil)
)
