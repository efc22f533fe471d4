package engine_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/engine/metrics"
	"github.com/hotpath-go/hotpath/events"
)

// The examples of the engine's smaller entry points: the accessors, the tier protocol, the
// Context a tier's Step runs with, and the error hook. Each runs a real engine where the entry
// point needs one, and synchronises through Stop (which drains every accepted event and joins
// the workers) or through channels signalled by the handlers, never by sleeping.

// ExampleFallible shows a handler that can fail: its error stops the route's pipeline for that
// event, is counted as dropped and reaches Config.OnError with the route and the event's ID.
func ExampleFallible() {
	var reported []string // appended on the worker; read after Stop has joined it
	eng, _ := engine.New(engine.Config{OnError: func(err error) {
		var de *engine.DeliveryError
		if errors.As(err, &de) {
			reported = append(reported, fmt.Sprintf("route %s, event %d: %v", de.Route, de.EventID, de.Err))
		}
	}})
	validate := engine.Fallible(func(o *events.Order) error {
		if o.Quantity <= 0 {
			return fmt.Errorf("quantity %d", o.Quantity)
		}
		return nil
	})
	var executed []uint64
	execute := engine.HandlerFunc[events.Order](func(o *events.Order) { executed = append(executed, o.ID) })
	_ = eng.Register(engine.Route{Name: "execution", Source: "risk", Target: engine.To(engine.Pipeline(validate, execute))})
	_ = eng.Start()
	p, _ := eng.NewProducer("risk")
	for id, q := range []int64{100, 0, 10} {
		_ = engine.Publish(p, &events.Order{Header: events.Header{ID: uint64(id + 1)}, Quantity: q})
	}
	_ = p.Close()
	_ = eng.Stop(context.Background())
	c, _ := eng.Counts("execution")
	fmt.Println("executed", executed)
	fmt.Println(reported)
	fmt.Printf("delivered %d, dropped %d\n", c.Delivered, c.Dropped)
	fmt.Println(eng.Routes()[0].Chain)
	// Output:
	// executed [1 3]
	// [route execution, event 2: quantity 0]
	// delivered 2, dropped 1
	// pipeline(fallible(*Order), func(*Order))
}

// journal is a BatchHandler: it buffers events and writes them once per batch.
type journal struct {
	buf    []uint64
	writes []string
}

func (j *journal) Receive(o *events.Order) { j.buf = append(j.buf, o.ID) }

func (j *journal) EndBatch() {
	j.writes = append(j.writes, fmt.Sprint(j.buf))
	j.buf = j.buf[:0]
}

// ExampleBatchHandler shows EndBatch called once per batch a worker takes from a lane: the
// handler holds the worker on the first event until four more are published, so the worker
// takes those four in one batch.
func ExampleBatchHandler() {
	eng, _ := engine.New(engine.Config{})
	started, release := make(chan struct{}), make(chan struct{})
	j := &journal{}
	hold := engine.HandlerFunc[events.Order](func(o *events.Order) {
		if o.ID == 1 {
			close(started)
			<-release
		}
	})
	_ = eng.Register(engine.Route{Name: "journal", Source: "oms",
		Target: engine.To(engine.Pipeline(hold, engine.Handler[events.Order](j)))})
	_ = eng.Start()
	p, _ := eng.NewProducer("oms")
	_ = engine.Publish(p, &events.Order{Header: events.Header{ID: 1}})
	<-started // the worker has taken event 1, alone, and waits in the handler
	for id := uint64(2); id <= 5; id++ {
		_ = engine.Publish(p, &events.Order{Header: events.Header{ID: id}})
	}
	close(release)
	_ = p.Close()
	_ = eng.Stop(context.Background())
	fmt.Println(j.writes)
	// Output: [[1] [2 3 4 5]]
}

// ExampleEngine_Metrics reads the routes' counters from the metrics registry, as the
// Prometheus handler and `hotpath stats` do.
func ExampleEngine_Metrics() {
	eng, _ := engine.New(engine.Config{Workers: 2})
	nop := engine.To(engine.HandlerFunc[events.MarketData](func(*events.MarketData) {}))
	_ = eng.Register(engine.Route{Name: "book", Source: "feed", Target: nop, Worker: 0})
	_ = eng.Register(engine.Route{Name: "archive", Source: "feed", Target: nop, Worker: 1})
	_ = eng.Start()
	feed, _ := eng.NewProducer("feed")
	for range 5 {
		_ = engine.Publish(feed, &events.MarketData{})
	}
	_ = feed.Close()
	_ = eng.Stop(context.Background())
	reg := eng.Metrics()
	fmt.Println("worker slots:", reg.Workers())
	for _, r := range reg.Snapshot().Routes {
		fmt.Printf("%s: published %d, delivered %d\n", r.Route, r.Events.Published, r.Events.Delivered)
	}
	// Output:
	// worker slots: 2
	// book: published 5, delivered 5
	// archive: published 5, delivered 5
}

// ExampleEngine_Kinds looks up the kinds an engine routes: the built-in three unless
// Config.Kinds brings a registry with the application's own.
func ExampleEngine_Kinds() {
	eng, _ := engine.New(engine.Config{})
	kinds := eng.Kinds()
	fmt.Println(kinds.Names())
	info, ok := kinds.Lookup("Signal")
	fmt.Println(ok, info.Kind == events.KindSignal)
	_, ok = kinds.Lookup("Quote")
	fmt.Println(ok)
	// Output:
	// [MarketData Signal Order]
	// true true
	// false
}

// ExampleEngine_Clock shows the clock the engine stamps events and measures latencies with:
// Config.Clock, or one the engine makes (metrics.ClockAuto picks the TSC where it can).
func ExampleEngine_Clock() {
	clock := metrics.NewClock(metrics.ClockMonotonic)
	eng, _ := engine.New(engine.Config{Clock: clock})
	t0 := eng.Clock().Nanotime()
	t1 := eng.Clock().Nanotime()
	fmt.Println(eng.Clock() == clock, eng.Clock().Source(), t1 >= t0)
	// Output: true monotonic true
}

func ExampleEngine_Workers() {
	one, _ := engine.New(engine.Config{})
	four, _ := engine.New(engine.Config{Workers: 4})
	fmt.Println(one.Workers(), four.Workers())
	// Output: 1 4
}

// ExampleEngine_Unrouted counts the publishes that matched no route: here Orders from a source
// whose only route takes Signals.
func ExampleEngine_Unrouted() {
	eng, _ := engine.New(engine.Config{})
	_ = eng.Register(engine.Route{Source: "strategy", Tier: engine.Inline(),
		Target: engine.To(engine.HandlerFunc[events.Signal](func(*events.Signal) {}))})
	_ = eng.Start()
	p, _ := eng.NewProducer("strategy")
	_ = engine.Publish(p, &events.Signal{})
	fmt.Println(engine.Publish(p, &events.Order{}), eng.Unrouted())
	_ = p.Close()
	_ = eng.Stop(context.Background())
	// Output: <nil> 1
}

// ExampleEngine_Registered lists the registrations, compiled or not, with the defaults filled
// in: a name for an unnamed route, the kind from the target's type, the Standard tier.
func ExampleEngine_Registered() {
	eng, _ := engine.New(engine.Config{Workers: 2})
	_ = eng.Register(engine.Route{Name: "risk", Source: "strategy", Worker: 1,
		Target: engine.To(engine.HandlerFunc[events.Signal](func(*events.Signal) {}))})
	_ = eng.Register(engine.Route{Source: "risk", Overflow: engine.Fail,
		Target: engine.To(engine.HandlerFunc[events.Order](func(*events.Order) {}))})
	for _, r := range eng.Registered() {
		fmt.Println(r.Name, r.Source, r.Kind, r.Tier.Name(), r.Worker, r.Overflow)
	}
	fmt.Println(len(eng.Routes()), "compiled")
	// Output:
	// risk strategy Signal standard 1 block
	// risk/Order/1 risk Order standard 0 fail
	// 0 compiled
}

func ExampleEngine_SourceName() {
	eng, _ := engine.New(engine.Config{})
	feed, _ := eng.Source("feed")
	fmt.Printf("%q %q\n", eng.SourceName(feed), eng.SourceName(feed+1))
	// Output: "feed" ""
}

// ExampleEngine_Unregister removes a route from the next table: events published before the
// Compile still reach it, later ones do not.
func ExampleEngine_Unregister() {
	eng, _ := engine.New(engine.Config{})
	_ = eng.Register(engine.Route{Name: "audit", Source: "risk", Tier: engine.Inline(),
		Target: engine.To(engine.HandlerFunc[events.Order](func(o *events.Order) { fmt.Println("audit", o.ID) }))})
	_ = eng.Start()
	p, _ := eng.NewProducer("risk")
	_ = engine.Publish(p, &events.Order{Header: events.Header{ID: 1}})
	fmt.Println(eng.Unregister("audit"))
	_ = engine.Publish(p, &events.Order{Header: events.Header{ID: 2}}) // the running table still has it
	_ = eng.Compile()
	_ = engine.Publish(p, &events.Order{Header: events.Header{ID: 3}}) // unrouted now
	fmt.Println(eng.Unregister("audit"))
	_ = p.Close()
	_ = eng.Stop(context.Background())
	fmt.Println("unrouted", eng.Unrouted())
	// Output:
	// audit 1
	// <nil>
	// audit 2
	// engine: invalid route: no route "audit"
	// unrouted 1
}

// ExampleProducer_Close ends a dedicated producer: later publishes fail with ErrClosed, and a
// second Close does nothing. A shared producer's Close does nothing at all.
func ExampleProducer_Close() {
	eng, _ := engine.New(engine.Config{})
	n := 0
	_ = eng.Register(engine.Route{Source: "feed",
		Target: engine.To(engine.HandlerFunc[events.MarketData](func(*events.MarketData) { n++ }))})
	_ = eng.Start()
	feed, _ := eng.NewProducer("feed")
	_ = engine.Publish(feed, &events.MarketData{})
	fmt.Println(feed.Close())
	fmt.Println(engine.Publish(feed, &events.MarketData{}))
	fmt.Println(feed.Close())
	shared, _ := eng.Publisher("feed")
	_ = shared.Close()
	fmt.Println(engine.Publish(shared, &events.MarketData{}))
	_ = eng.Stop(context.Background())
	fmt.Println("delivered", n)
	// Output:
	// <nil>
	// engine: producer closed
	// <nil>
	// <nil>
	// delivered 2
}

func ExampleProducer_Source() {
	eng, _ := engine.New(engine.Config{})
	feed, _ := eng.NewProducer("feed")
	fills, _ := eng.Publisher("fills")
	fmt.Println(feed.Source(), eng.SourceName(feed.Source()))
	fmt.Println(fills.Source(), eng.SourceName(fills.Source()))
	// Output:
	// 1 feed
	// 2 fills
}

// stepTier is a Tier whose Step is f around the route's chain, on the route's worker (or
// inline, on the publisher's goroutine).
type stepTier struct {
	inline bool
	f      func(c *engine.Context, ev *events.Raw, next engine.Step) error
}

func (t stepTier) Name() string { return "step" }
func (t stepTier) Inline() bool { return t.inline }
func (t stepTier) Bind(_ engine.RouteInfo, next engine.Step) (engine.Binding, error) {
	return engine.Binding{Step: func(c *engine.Context, ev *events.Raw) error { return t.f(c, ev, next) }}, nil
}

// ExampleContext_Worker tells a tier where its Step runs: the index of the route's worker, or
// -1 on the publisher's goroutine (an inline route).
func ExampleContext_Worker() {
	eng, _ := engine.New(engine.Config{Workers: 2})
	var mu sync.Mutex
	where := map[string]int{}
	tier := func(name string, inline bool) engine.Tier {
		return stepTier{inline: inline, f: func(c *engine.Context, ev *events.Raw, next engine.Step) error {
			mu.Lock()
			where[name] = c.Worker()
			mu.Unlock()
			return next(c, ev)
		}}
	}
	nop := engine.To(engine.HandlerFunc[events.Signal](func(*events.Signal) {}))
	_ = eng.Register(engine.Route{Name: "risk", Source: "strategy", Worker: 1, Tier: tier("risk", false), Target: nop})
	_ = eng.Register(engine.Route{Name: "audit", Source: "strategy", Tier: tier("audit", true), Target: nop})
	_ = eng.Start()
	p, _ := eng.NewProducer("strategy")
	_ = engine.Publish(p, &events.Signal{})
	_ = p.Close()
	_ = eng.Stop(context.Background())
	fmt.Println("risk", where["risk"], "audit", where["audit"])
	// Output: risk 1 audit -1
}

// holdTier holds every event its route gets and hands them to the chain only once Stop has
// begun: the shape of a tier that batches or replays, which must not keep events when the
// engine stops.
type holdTier struct {
	mu   sync.Mutex
	held []events.Raw
}

func (*holdTier) Name() string { return "hold" }
func (*holdTier) Inline() bool { return false }
func (h *holdTier) Bind(_ engine.RouteInfo, next engine.Step) (engine.Binding, error) {
	return engine.Binding{
		Step: func(_ *engine.Context, ev *events.Raw) error {
			h.mu.Lock()
			h.held = append(h.held, *ev) // ev is valid only during the call: keep a copy
			h.mu.Unlock()
			return nil
		},
		Tick: func(c *engine.Context, _ int64) (int, int64) {
			if !c.Stopping() {
				return 0, 0
			}
			h.mu.Lock()
			held := h.held
			h.held = nil
			h.mu.Unlock()
			for i := range held {
				_ = next(c, &held[i])
			}
			return len(held), 0 // handing events on keeps Stop's drain going
		},
	}, nil
}

// ExampleContext_Stopping shows a tier that holds events until Stop begins, then hands them
// on from its Tick; Stop waits for them.
func ExampleContext_Stopping() {
	eng, _ := engine.New(engine.Config{})
	var got []uint64
	_ = eng.Register(engine.Route{Name: "held", Source: "risk", Tier: &holdTier{},
		Target: engine.To(engine.HandlerFunc[events.Order](func(o *events.Order) { got = append(got, o.ID) }))})
	_ = eng.Start()
	p, _ := eng.NewProducer("risk")
	for id := uint64(1); id <= 3; id++ {
		_ = engine.Publish(p, &events.Order{Header: events.Header{ID: id}})
	}
	_ = p.Close()
	fmt.Println(eng.Stop(context.Background()), got)
	// Output: <nil> [1 2 3]
}

// ExampleContext_Mark shows how much of the Context's scratch space is in use when a tier's
// Step runs: none on a worker (the event is in its lane's slot), one event for an inline route
// (the publisher's copy of the event).
func ExampleContext_Mark() {
	eng, _ := engine.New(engine.Config{})
	var mu sync.Mutex
	marks := map[string]int{}
	tier := func(name string, inline bool) engine.Tier {
		return stepTier{inline: inline, f: func(c *engine.Context, ev *events.Raw, next engine.Step) error {
			mu.Lock()
			marks[name] = c.Mark()
			mu.Unlock()
			return next(c, ev)
		}}
	}
	nop := engine.To(engine.HandlerFunc[events.Order](func(*events.Order) {}))
	_ = eng.Register(engine.Route{Name: "async", Source: "risk", Tier: tier("async", false), Target: nop})
	_ = eng.Register(engine.Route{Name: "inline", Source: "risk", Tier: tier("inline", true), Target: nop})
	_ = eng.Start()
	p, _ := eng.NewProducer("risk")
	_ = engine.Publish(p, &events.Order{})
	_ = p.Close()
	_ = eng.Stop(context.Background())
	fmt.Println("async", marks["async"], "inline", marks["inline"])
	// Output: async 0 inline 1
}

// ExampleContext_Restore is a tier that recovers a panic out of the chain itself, to go on
// with the next event: the panic left the Transform's scratch event taken, and Restore releases
// it (without it, MaxDepth such panics would exhaust the scratch space).
func ExampleContext_Restore() {
	eng, _ := engine.New(engine.Config{})
	var lines []string
	recovering := stepTier{f: func(c *engine.Context, ev *events.Raw, next engine.Step) (err error) {
		mark := c.Mark()
		defer func() {
			if v := recover(); v != nil {
				taken := c.Mark()
				c.Restore(mark)
				lines = append(lines, fmt.Sprintf("event %d: recovered %v; scratch %d -> %d", ev.ID, v, taken, c.Mark()))
			}
		}()
		return next(c, ev)
	}}
	toOrder := func(s *events.Signal) (events.Order, bool) {
		return events.Order{Header: s.Header, Quantity: 100}, true
	}
	execute := engine.HandlerFunc[events.Order](func(o *events.Order) {
		if o.ID%2 == 0 {
			panic("venue down")
		}
		lines = append(lines, fmt.Sprintf("event %d: executed", o.ID))
	})
	_ = eng.Register(engine.Route{Name: "risk", Source: "strategy", Tier: recovering,
		Target: engine.To(engine.Transform(toOrder, execute))})
	_ = eng.Start()
	p, _ := eng.NewProducer("strategy")
	for id := uint64(1); id <= 3; id++ {
		_ = engine.Publish(p, &events.Signal{Header: events.Header{ID: id}})
	}
	_ = p.Close()
	_ = eng.Stop(context.Background())
	for _, l := range lines {
		fmt.Println(l)
	}
	// Output:
	// event 1: executed
	// event 2: recovered venue down; scratch 1 -> 0
	// event 3: executed
}

func ExampleTarget_Type() {
	orders := engine.To(engine.HandlerFunc[events.Order](func(*events.Order) {}))
	anyKind := engine.RawFunc("journal", func(*events.Raw) {})
	fmt.Println(orders.Type(), orders.Type().Name(), anyKind.Type() == nil)
	// Output: events.Order Order true
}

func ExampleTarget_String() {
	strong := engine.FilterOf("strength > 0.7", func(*events.Raw) bool { return true }, engine.EmitOf("risk"))
	chain, _ := engine.PipelineOf(engine.To(engine.HandlerFunc[events.Signal](func(*events.Signal) {})), strong)
	fmt.Println(chain.String())
	// Output: pipeline(func(*Signal), filter(strength > 0.7, emit(risk)))
}

func ExampleOverflow_String() {
	for _, o := range []engine.Overflow{engine.Block, engine.DropNewest, engine.DropOldest, engine.Fail, 9} {
		fmt.Println(o.String())
	}
	// Output:
	// block
	// drop-newest
	// drop-oldest
	// fail
	// Overflow(9)
}

// ExampleDeliveryError shows what Config.OnError gets when a handler panics: the route's name,
// the event's ID, the worker, and the panic's value; the worker goes on with the next event.
func ExampleDeliveryError() {
	var reports []*engine.DeliveryError // appended on the worker; read after Stop has joined it
	eng, _ := engine.New(engine.Config{Workers: 2, OnError: func(err error) {
		var de *engine.DeliveryError
		if errors.As(err, &de) {
			reports = append(reports, de)
		}
	}})
	_ = eng.Register(engine.Route{Name: "execution", Source: "risk", Worker: 1,
		Target: engine.To(engine.HandlerFunc[events.Order](func(o *events.Order) {
			if o.Quantity > 1000 {
				panic("order too large")
			}
		}))})
	_ = eng.Start()
	p, _ := eng.NewProducer("risk")
	for id, q := range []int64{10, 5000, 20} {
		_ = engine.Publish(p, &events.Order{Header: events.Header{ID: uint64(100 + id)}, Quantity: q})
	}
	_ = p.Close()
	_ = eng.Stop(context.Background())
	for _, de := range reports {
		fmt.Println(de.Route, de.EventID, de.Worker, de.Panic, errors.Is(de, engine.ErrPanic))
		fmt.Println(de)
	}
	c, _ := eng.Counts("execution")
	fmt.Printf("delivered %d, panics %d\n", c.Delivered, c.Panics)
	// Output:
	// execution 101 1 order too large true
	// engine: route "execution", event 101, worker 1: engine: handler panicked
	// delivered 2, panics 1
}

func ExampleDeliveryError_Error() {
	err := &engine.DeliveryError{Route: "risk", EventID: 7, Worker: -1, Err: engine.ErrBacklogFull}
	fmt.Println(err.Error())
	// Output: engine: route "risk", event 7, worker -1: engine: worker backlog full
}

func ExampleDeliveryError_Unwrap() {
	var err error = &engine.DeliveryError{Route: "execution", EventID: 3, Err: engine.ErrPanic, Panic: "boom"}
	fmt.Println(errors.Unwrap(err) == engine.ErrPanic, errors.Is(err, engine.ErrPanic))
	// Output: true true
}

// countingTier is a minimal custom Tier: it runs routes on their workers, like Standard, and
// counts the events and batches it hands to each route's chain.
type countingTier struct {
	mu      sync.Mutex
	events  map[string]int
	batches map[string]int
}

func (*countingTier) Name() string { return "counting" }
func (*countingTier) Inline() bool { return false }

// Bind runs once per route at Compile; the Binding's Step and EndBatch run on the route's
// worker for every event and batch.
func (t *countingTier) Bind(r engine.RouteInfo, next engine.Step) (engine.Binding, error) {
	return engine.Binding{
		Step: func(c *engine.Context, ev *events.Raw) error {
			t.mu.Lock()
			t.events[r.Name]++
			t.mu.Unlock()
			return next(c, ev) // pass the event on to the route's chain
		},
		EndBatch: func(*engine.Context) error {
			t.mu.Lock()
			t.batches[r.Name]++
			t.mu.Unlock()
			return nil
		},
	}, nil
}

// ExampleTier plugs a custom tier into two routes: it sees every event before the chain does,
// and its name shows in the route listing.
func ExampleTier() {
	tier := &countingTier{events: map[string]int{}, batches: map[string]int{}}
	eng, _ := engine.New(engine.Config{Workers: 2})
	var sum int64
	_ = eng.Register(engine.Route{Name: "execution", Source: "risk", Worker: 1, Tier: tier,
		Target: engine.To(engine.HandlerFunc[events.Order](func(o *events.Order) { sum += o.Quantity }))})
	_ = eng.Register(engine.Route{Name: "audit", Source: "risk", Worker: 0, Tier: tier,
		Target: engine.To(engine.HandlerFunc[events.Order](func(*events.Order) {}))})
	_ = eng.Start()
	p, _ := eng.NewProducer("risk")
	for q := int64(1); q <= 10; q++ {
		_ = engine.Publish(p, &events.Order{Quantity: q})
	}
	_ = p.Close()
	_ = eng.Stop(context.Background())
	for _, r := range eng.Routes() {
		fmt.Printf("%s [%s]: %d events, at least one batch: %v\n", r.Name, r.Tier, tier.events[r.Name], tier.batches[r.Name] >= 1)
	}
	fmt.Println("executed", sum)
	// Output:
	// execution [counting]: 10 events, at least one batch: true
	// audit [counting]: 10 events, at least one batch: true
	// executed 55
}

// ExampleBinding is a tier whose OnFull hook takes the events a full lane would refuse (a
// write-ahead log would spill them). The handler holds the worker on the first event, so the
// two-slot lane fills and the next events go to the tier.
func ExampleBinding() {
	var spilled []uint64 // appended on the publisher's goroutine (OnFull runs there)
	spill := spillTier{onFull: func(ev *events.Raw) bool {
		spilled = append(spilled, ev.ID)
		return true // taken: the overflow policy (Fail here) does not apply
	}}
	eng, _ := engine.New(engine.Config{RingSize: 2})
	started, release := make(chan struct{}), make(chan struct{})
	var delivered []uint64
	_ = eng.Register(engine.Route{Name: "execution", Source: "risk", Tier: spill, Overflow: engine.Fail,
		Target: engine.To(engine.HandlerFunc[events.Order](func(o *events.Order) {
			if o.ID == 1 {
				close(started)
				<-release
			}
			delivered = append(delivered, o.ID)
		}))})
	_ = eng.Start()
	p, _ := eng.NewProducer("risk")
	_ = engine.Publish(p, &events.Order{Header: events.Header{ID: 1}})
	<-started // event 1 keeps its slot until the worker ends its batch
	for id := uint64(2); id <= 5; id++ {
		fmt.Println("publish", id, engine.Publish(p, &events.Order{Header: events.Header{ID: id}}))
	}
	close(release)
	_ = p.Close()
	_ = eng.Stop(context.Background())
	fmt.Println("delivered", delivered, "spilled", spilled)
	// Output:
	// publish 2 <nil>
	// publish 3 <nil>
	// publish 4 <nil>
	// publish 5 <nil>
	// delivered [1 2] spilled [3 4 5]
}

// spillTier is a Standard-like tier with an OnFull hook.
type spillTier struct{ onFull func(ev *events.Raw) bool }

func (spillTier) Name() string { return "spill" }
func (spillTier) Inline() bool { return false }
func (t spillTier) Bind(engine.RouteInfo, engine.Step) (engine.Binding, error) {
	return engine.Binding{OnFull: func(_ *engine.Context, ev *events.Raw) bool { return t.onFull(ev) }}, nil
}

func ExampleHandlerFunc_Receive() {
	double := engine.HandlerFunc[events.Order](func(o *events.Order) { o.Quantity *= 2 })
	o := events.Order{Quantity: 21}
	double.Receive(&o) // a HandlerFunc is its own Receive
	fmt.Println(o.Quantity)
	// Output: 42
}

// askTier calls ask with the publisher's Context for every event published to its routes, and
// lets the event go on into the lane.
type askTier struct{ ask func(c *engine.Context) }

func (askTier) Name() string { return "ask" }
func (askTier) Inline() bool { return false }
func (t askTier) Bind(engine.RouteInfo, engine.Step) (engine.Binding, error) {
	return engine.Binding{OnPublish: func(c *engine.Context, _ *events.Raw) bool { t.ask(c); return false }}, nil
}

// ExampleContext_OnWorker is what a tier asks before it blocks a publisher (a durable write, say):
// a publish from the feed may wait; one from a handler, on a worker, must not.
func ExampleContext_OnWorker() {
	var mu sync.Mutex
	seen := map[uint64]bool{}
	eng, _ := engine.New(engine.Config{Workers: 1})
	var orders atomic.Int64
	_ = eng.Register(engine.Route{Name: "execution", Source: "risk", Tier: askTier{ask: func(c *engine.Context) {
		mu.Lock()
		seen[uint64(len(seen))] = c.OnWorker()
		mu.Unlock()
	}}, Target: engine.To(engine.HandlerFunc[events.Order](func(*events.Order) { orders.Add(1) }))})
	_ = eng.Register(engine.Route{Name: "risk-check", Source: "strategy",
		Target: engine.To(engine.Transform(func(s *events.Signal) (events.Order, bool) {
			return events.Order{Quantity: 1}, true
		}, engine.Emit[events.Order]("risk")))})
	_ = eng.Start()
	feed, _ := eng.NewProducer("risk")
	_ = engine.Publish(feed, &events.Order{Quantity: 1}) // from the feed's goroutine
	_ = feed.Close()
	strategy, _ := eng.NewProducer("strategy")
	_ = engine.Publish(strategy, &events.Signal{}) // its Order is emitted by a handler
	_ = strategy.Close()
	_ = eng.Stop(context.Background())
	fmt.Println("from the feed:", seen[0], "from a handler:", seen[1], "orders:", orders.Load())
	// Output: from the feed: false from a handler: true orders: 2
}
