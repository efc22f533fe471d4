package tiers_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/engine/metrics"
	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/tiers"
	"github.com/hotpath-go/hotpath/tiers/wal"
)

// exampleEngine starts an engine with one route and returns it with a producer for its source.
func exampleEngine(r engine.Route) (*engine.Engine, *engine.Producer) {
	e, err := engine.New(engine.Config{Clock: testClock()})
	if err != nil {
		panic(err)
	}
	if err := e.Register(r); err != nil {
		panic(err)
	}
	if err := e.Start(); err != nil {
		panic(err)
	}
	p, err := e.NewProducer(r.Source)
	if err != nil {
		panic(err)
	}
	return e, p
}

func exampleStop(e *engine.Engine, p *engine.Producer) {
	_ = p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.Stop(ctx); err != nil {
		fmt.Println(err)
	}
}

// batchPrinter prints each batch it is handed.
type batchPrinter struct{ ids []uint64 }

func (b *batchPrinter) Receive(o *events.Order) { b.ids = append(b.ids, o.ID) }
func (b *batchPrinter) EndBatch() {
	fmt.Println("batch", b.ids)
	b.ids = b.ids[:0]
}

// The fast tier hands a route's events to its target in batches: here, lingering, batches of
// four, and what is left when the engine stops.
func ExampleFast() {
	ft, err := tiers.Fast(tiers.FastConfig{BatchSize: 4, MaxWait: time.Hour, Linger: true})
	if err != nil {
		panic(err)
	}
	e, p := exampleEngine(engine.Route{Name: "md", Source: "feed", Tier: ft, Target: engine.To[events.Order](&batchPrinter{})})
	for id := uint64(1); id <= 10; id++ {
		_ = engine.Publish(p, order(id))
	}
	for c, _ := e.Counts("md"); c.Delivered < 10; c, _ = e.Counts("md") {
		time.Sleep(time.Millisecond) // until the tier has taken all ten (polling, for the output's sake)
	}
	exampleStop(e, p)
	st, _ := ft.Stats("md")
	fmt.Printf("%d events: %d full batches, %d at stop\n", st.Events, st.Full, st.Stop)
	// Output:
	// batch [1 2 3 4]
	// batch [5 6 7 8]
	// batch [9 10]
	// 10 events: 2 full batches, 1 at stop
}

// The standard tier is the engine's: asynchronous, bounded, with the route's overflow policy.
func ExampleStandard() {
	done := make(chan struct{})
	h := engine.HandlerFunc[events.Order](func(o *events.Order) {
		fmt.Println("order", o.ID)
		close(done)
	})
	e, p := exampleEngine(engine.Route{Name: "o", Source: "risk", Tier: tiers.Standard(), Overflow: engine.Fail, Target: engine.To(h)})
	_ = engine.Publish(p, order(7))
	<-done
	exampleStop(e, p)
	fmt.Println(tiers.Standard().Name())
	// Output:
	// order 7
	// standard
}

// A reliable route retries a failing handler with backoff, on its worker's delay queue, and
// dead-letters what still fails after the last attempt.
func ExampleReliable() {
	rt, err := tiers.Reliable(tiers.ReliableConfig{
		Dir: "/orders", FS: wal.NewMemFS(), SegmentSize: 64 << 10,
		Retry: tiers.RetryConfig{MaxRetries: 2, InitialInterval: time.Millisecond, MaxInterval: time.Millisecond, Multiplier: 1},
	})
	if err != nil {
		panic(err)
	}
	defer rt.Close()
	var tries [3]atomic.Int32
	h := engine.Fallible(func(o *events.Order) error {
		if k := tries[o.ID].Add(1); o.ID == 2 || k < 2 {
			return fmt.Errorf("venue rejected order %d", o.ID)
		}
		return nil
	})
	e, p := exampleEngine(engine.Route{Name: "orders", Source: "risk", Tier: rt, Target: engine.To(h)})
	_ = engine.Publish(p, order(1))
	_ = engine.Publish(p, order(2))
	for {
		if c, _ := e.Counts("orders"); c.DeadLettered == 1 && tries[1].Load() == 2 {
			break
		}
		time.Sleep(time.Millisecond) // polling for the example's output, not synchronising
	}
	exampleStop(e, p)
	c, _ := e.Counts("orders")
	fmt.Printf("order 1: %d attempts; retried %d, dead-lettered %d\n", tries[1].Load(), c.Retried, c.DeadLettered)
	ds, _ := rt.DeadLetters("orders")
	for _, d := range ds {
		fmt.Printf("dead letter: event %d, %s after %d attempts: %s\n", d.Event.ID, d.Reason, d.Attempts, d.LastError)
	}
	// Output:
	// order 1: 2 attempts; retried 3, dead-lettered 1
	// dead letter: event 2, retries-exhausted after 3 attempts: venue rejected order 2
}

// ReliableConfig.DeadLetter names where a route's dead letters go besides its dead-letter log: a
// container of the route's events, run on the route's worker once the event is in the log.
func ExampleReliable_deadLetter() {
	parked := make(chan uint64, 3)
	rt, err := tiers.Reliable(tiers.ReliableConfig{
		Dir: "/orders", FS: wal.NewMemFS(), SegmentSize: 64 << 10,
		Retry:      tiers.RetryConfig{MaxRetries: 1, InitialInterval: time.Millisecond, MaxInterval: time.Millisecond, Multiplier: 1},
		DeadLetter: engine.To(engine.HandlerFunc[events.Order](func(o *events.Order) { parked <- o.ID })),
	})
	if err != nil {
		panic(err)
	}
	defer rt.Close()
	h := engine.Fallible(func(o *events.Order) error { return fmt.Errorf("venue rejected order %d", o.ID) })
	e, p := exampleEngine(engine.Route{Name: "orders", Source: "risk", Tier: rt, Target: engine.To(h)})
	for id := uint64(1); id <= 3; id++ {
		_ = engine.Publish(p, order(id))
	}
	for range 3 {
		fmt.Println("parked order", <-parked)
	}
	exampleStop(e, p)
	ds, _ := rt.DeadLetters("orders")
	fmt.Println("in the dead-letter log:", len(ds))
	// Output:
	// parked order 1
	// parked order 2
	// parked order 3
	// in the dead-letter log: 3
}

// Dead letters of a running route are listed, and replayed once the cause is fixed; the route
// delivers them again.
func ExampleReliableTier_Replay() {
	rt, _ := tiers.Reliable(tiers.ReliableConfig{Dir: "/orders", FS: wal.NewMemFS(), SegmentSize: 64 << 10, Retry: tiers.RetryConfig{Multiplier: 1}})
	defer rt.Close()
	fixed := make(chan struct{})
	delivered := make(chan uint64, 1)
	h := engine.Fallible(func(o *events.Order) error {
		select {
		case <-fixed:
			delivered <- o.ID
			return nil
		default:
			return errors.New("unknown symbol")
		}
	})
	e, p := exampleEngine(engine.Route{Name: "orders", Source: "risk", Tier: rt, Target: engine.To(h)})
	_ = engine.Publish(p, order(9))
	for c, _ := e.Counts("orders"); c.DeadLettered == 0; c, _ = e.Counts("orders") {
		time.Sleep(time.Millisecond)
	}
	ds, _ := rt.DeadLetters("orders")
	fmt.Println("dead letters:", len(ds))
	close(fixed)
	n, _ := rt.Replay("orders")
	fmt.Println("replayed:", n, "delivered:", <-delivered)
	ds, _ = rt.DeadLetters("orders")
	fmt.Println("dead letters:", len(ds))
	exampleStop(e, p)
	// Output:
	// dead letters: 1
	// replayed: 1 delivered: 9
	// dead letters: 0
}

// Drain waits until a reliable route has delivered everything published to it (here, with a
// handler that fails each event once), before the engine stops: Stop would leave the route's
// backlog in its log for the next start.
func ExampleReliableTier_Drain() {
	rt, _ := tiers.Reliable(tiers.ReliableConfig{
		Dir: "/orders", FS: wal.NewMemFS(), SegmentSize: 64 << 10,
		Retry: tiers.RetryConfig{MaxRetries: 1, InitialInterval: time.Millisecond, MaxInterval: time.Millisecond, Multiplier: 1},
	})
	defer rt.Close()
	var tries [3]atomic.Int32
	var delivered atomic.Int64
	h := engine.Fallible(func(o *events.Order) error {
		if tries[o.ID].Add(1) == 1 {
			return errors.New("try again")
		}
		delivered.Add(1)
		return nil
	})
	e, p := exampleEngine(engine.Route{Name: "orders", Source: "risk", Tier: rt, Target: engine.To(h)})
	_ = engine.Publish(p, order(1))
	_ = engine.Publish(p, order(2))
	_ = p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := rt.Drain(ctx, "orders"); err != nil {
		fmt.Println(err)
	}
	backlog, _ := rt.Backlog("orders")
	fmt.Println("delivered:", delivered.Load(), "backlog:", backlog)
	exampleStop(e, p)
	// Output:
	// delivered: 2 backlog: 0
}

// ReadDeadLetters and ReplayDeadLetters work on the files of a stopped route (what `hotpath dlq`
// does); the route delivers the replayed events when it next starts.
func ExampleReadDeadLetters() {
	dir, _ := os.MkdirTemp("", "dlq")
	defer os.RemoveAll(dir)
	rt, _ := tiers.Reliable(tiers.ReliableConfig{Dir: dir, SegmentSize: 64 << 10, Retry: tiers.RetryConfig{Multiplier: 1}})
	h := engine.Fallible(func(*events.Order) error { return errors.New("venue down") })
	e, p := exampleEngine(engine.Route{Name: "orders", Source: "risk", Tier: rt, Target: engine.To(h)})
	_ = engine.Publish(p, order(4))
	for c, _ := e.Counts("orders"); c.DeadLettered == 0; c, _ = e.Counts("orders") {
		time.Sleep(time.Millisecond)
	}
	exampleStop(e, p)
	_ = rt.Close()

	ds, err := tiers.ReadDeadLetters(nil, tiers.DeadLetterDir(dir, "orders"))
	fmt.Println(len(ds), ds[0].Event.ID, ds[0].LastError, err)
	n, err := tiers.ReplayDeadLetters(nil, tiers.DeadLetterDir(dir, "orders"), tiers.SpillDir(dir, "orders"))
	fmt.Println("replayed", n, err)
	ds, _ = tiers.ReadDeadLetters(nil, tiers.DeadLetterDir(dir, "orders"))
	fmt.Println(len(ds), "left")
	// Output:
	// 1 4 venue down <nil>
	// replayed 1 <nil>
	// 0 left
}

// A route's logs live under the tier's directory, in a directory named after the route.
func ExampleRouteDir() {
	fmt.Println(tiers.RouteDir("/var/hotpath", "risk/Order/1"))
	fmt.Println(tiers.SpillDir("/var/hotpath", "orders"))
	fmt.Println(filepath.Base(tiers.DeadLetterDir("/var/hotpath", "orders")))
	// Output:
	// /var/hotpath/risk%2FOrder%2F1
	// /var/hotpath/orders/spill
	// dlq
}

// WithErrorHandling is the plan's with_error_handling: a hook with the route and the event,
// which swallows the failure (or passes it on).
func ExampleWithErrorHandling() {
	done := make(chan struct{})
	hook := func(de *engine.DeliveryError) error {
		fmt.Printf("route %s, event %d: %v\n", de.Route, de.EventID, de.Err)
		close(done)
		return nil
	}
	h := engine.Fallible(func(*events.Order) error { return errors.New("no liquidity") })
	e, p := exampleEngine(engine.Route{Name: "orders", Source: "risk", Tier: tiers.WithErrorHandling(tiers.Standard(), hook), Target: engine.To(h)})
	_ = engine.Publish(p, order(3))
	<-done
	exampleStop(e, p)
	// Output: route orders, event 3: no liquidity
}

// WithCircuitBreaker refuses deliveries once the handler has failed FailureThreshold times in a
// row; the route's circuit gauge shows it.
func ExampleWithCircuitBreaker() {
	tier, _ := tiers.WithCircuitBreaker(tiers.Standard(), tiers.BreakerConfig{FailureThreshold: 2, OpenDuration: time.Minute, HalfOpenProbes: 1})
	refused := make(chan struct{}, 1)
	cfg := engine.Config{Clock: testClock(), OnError: func(err error) {
		if errors.Is(err, tiers.ErrCircuitOpen) {
			refused <- struct{}{}
		}
	}}
	e, _ := engine.New(cfg)
	h := engine.Fallible(func(*events.Order) error { return errors.New("venue down") })
	_ = e.Register(engine.Route{Name: "orders", Source: "risk", Tier: tier, Target: engine.To(h)})
	_ = e.Start()
	p, _ := e.NewProducer("risk")
	for id := uint64(1); id <= 3; id++ {
		_ = engine.Publish(p, order(id))
	}
	<-refused
	st, _ := tiers.CircuitOf(tier, "orders")
	fmt.Println(st, e.Metrics().Route("orders").Counters(0).Circuit())
	exampleStop(e, p)
	// Output: open open
}

// WithMetrics records each delivery's service time beside the engine's own metrics.
func ExampleWithMetrics() {
	reg, _ := metrics.NewRegistry(metrics.Config{Workers: 1})
	done := make(chan struct{})
	h := engine.HandlerFunc[events.Order](func(*events.Order) { close(done) })
	e, _ := engine.New(engine.Config{Clock: testClock(), Metrics: reg})
	_ = e.Register(engine.Route{Name: "orders", Source: "risk", Tier: tiers.WithMetrics(tiers.Standard(), reg), Target: engine.To(h)})
	_ = e.Start()
	p, _ := e.NewProducer("risk")
	_ = engine.Publish(p, order(1))
	<-done
	exampleStop(e, p)
	m := reg.Route("orders" + tiers.HandlerSuffix)
	fmt.Println(m.Name(), m.Recorder(0).Cumulative().TotalCount())
	// Output: orders:handler 1
}

// A Breaker is driven by its owner with explicit times.
func ExampleNewBreaker() {
	b, _ := tiers.NewBreaker(tiers.BreakerConfig{FailureThreshold: 2, OpenDuration: time.Second, HalfOpenProbes: 1})
	b.Failure(0)
	b.Failure(1)
	fmt.Println(b.State(), b.Allow(2))
	fmt.Println(b.Allow(1+int64(time.Second)), b.State())
	b.Success(2 + int64(time.Second))
	fmt.Println(b.State())
	// Output:
	// open false
	// true half-open
	// closed
}

// Delay is exponential backoff with jitter; the caller passes the random number.
func ExampleRetryConfig_Delay() {
	c := tiers.DefaultRetryConfig()
	for retry := 1; retry <= 4; retry++ {
		fmt.Print(c.Delay(retry, 0.5), " ")
	}
	fmt.Println()
	// Output: 100ms 200ms 400ms 800ms
}

// A DelayQueue hands values back when they are due.
func ExampleNewDelayQueue() {
	q := tiers.NewDelayQueue[string](8)
	q.Push(30, "third")
	q.Push(10, "first")
	q.Push(20, "second")
	for now := int64(0); q.Len() > 0; now += 10 {
		if v, ok := q.PopDue(now); ok {
			fmt.Println(now, v)
		}
	}
	// Output:
	// 10 first
	// 20 second
	// 30 third
}

// Rand is the jitter source a worker owns.
func ExampleNewRand() {
	r := tiers.NewRand(1)
	f := r.Float64()
	fmt.Println(f >= 0 && f < 1)
	// Output: true
}
