package engine_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/events"
)

// analyzer is a container: anything with a Receive method.
type analyzer struct{ seen int }

func (a *analyzer) Receive(e *events.MarketData) {
	a.seen++
	fmt.Printf("analyze %s (%d seen)\n", e.Symbol, a.seen)
}

// Example is the plan's "Compose them!": a pipeline that sends AAPL market data to a logger and
// an analyzer, then transforms every event into a Signal for an executor. The route is inline,
// so the output comes in publish order.
func Example() {
	logger := engine.HandlerFunc[events.MarketData](func(e *events.MarketData) {
		fmt.Println("log", e.Symbol, e.Price)
	})
	transformer := func(e *events.MarketData) (events.Signal, bool) {
		a := events.ActionSell
		if e.Price > events.PriceFromFloat(100) {
			a = events.ActionBuy
		}
		return events.Signal{Symbol: e.Symbol, Action: a, Strength: 0.5}, true
	}
	executor := engine.HandlerFunc[events.Signal](func(s *events.Signal) {
		fmt.Println("execute", s.Action, s.Symbol)
	})

	myFlow := engine.Pipeline(
		engine.Filter(func(e *events.MarketData) bool { return e.Symbol == events.MustSymbol("AAPL") },
			engine.Broadcast(logger, &analyzer{})),
		engine.Transform(transformer, executor),
	)

	eng, _ := engine.New(engine.Config{})
	_ = eng.Register(engine.Route{Source: "data_source", Target: engine.To(myFlow), Tier: engine.Inline()})
	_ = eng.Start()
	feed, _ := eng.NewProducer("data_source")
	for _, md := range []events.MarketData{
		{Symbol: events.MustSymbol("AAPL"), Price: events.PriceFromFloat(150.25)},
		{Symbol: events.MustSymbol("MSFT"), Price: events.PriceFromFloat(99.5)},
	} {
		_ = engine.Publish(feed, &md)
	}
	_ = feed.Close()
	_ = eng.Stop(context.Background())
	// Output:
	// log AAPL 150.25
	// analyze AAPL (1 seen)
	// execute BUY AAPL
	// execute SELL MSFT
}

func ExampleNew() {
	eng, err := engine.New(engine.Config{Workers: 2, RingSize: 1024})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(eng.Workers(), eng.Kinds().Names())
	_, err = engine.New(engine.Config{RingSize: 1000})
	fmt.Println(err)
	// Output:
	// 2 [MarketData Signal Order]
	// engine: invalid configuration: RingSize = 1000, want a power of two in 2..2^24
}

func ExampleEngine_Register() {
	eng, _ := engine.New(engine.Config{Workers: 2})
	risk := engine.HandlerFunc[events.Signal](func(*events.Signal) {})
	fmt.Println(eng.Register(engine.Route{Name: "risk", Source: "strategy", Target: engine.To(risk), Worker: 1}))
	fmt.Println(eng.Register(engine.Route{Source: "strategy", Kind: "Order", Target: engine.To(risk)}))
	fmt.Println(eng.Register(engine.Route{Source: "strategy", Target: engine.To(risk), Worker: 2}))
	// Output:
	// <nil>
	// engine: invalid route: route strategy/Order: kind "Order" but the target takes events.Signal (kind "Signal")
	// engine: invalid route: route strategy/Signal: worker 2 out of range 0..1
}

func ExampleEngine_Compile() {
	eng, _ := engine.New(engine.Config{})
	var got []string
	note := func(tag string) engine.Target {
		return engine.To(engine.HandlerFunc[events.Signal](func(*events.Signal) { got = append(got, tag) }))
	}
	_ = eng.Register(engine.Route{Name: "v1", Source: "s", Target: note("v1"), Tier: engine.Inline()})
	_ = eng.Start()
	p, _ := eng.NewProducer("s")
	_ = engine.Publish(p, &events.Signal{})

	// Swap the table while running: publishes from now on use the new one.
	_ = eng.Unregister("v1")
	_ = eng.Register(engine.Route{Name: "v2", Source: "s", Target: note("v2"), Tier: engine.Inline()})
	if err := eng.Compile(); err != nil {
		log.Fatal(err)
	}
	_ = engine.Publish(p, &events.Signal{})
	_ = p.Close()
	_ = eng.Stop(context.Background())
	fmt.Println(got)
	// Output: [v1 v2]
}

func ExampleEngine_Start() {
	eng, _ := engine.New(engine.Config{Workers: 2})
	var n [2]int
	for w := range 2 {
		_ = eng.Register(engine.Route{Source: "feed", Worker: w,
			Target: engine.To(engine.HandlerFunc[events.MarketData](func(*events.MarketData) { n[w]++ }))})
	}
	if err := eng.Start(); err != nil {
		log.Fatal(err)
	}
	feed, _ := eng.NewProducer("feed")
	for range 1000 {
		_ = engine.Publish(feed, &events.MarketData{})
	}
	_ = feed.Close()
	_ = eng.Stop(context.Background()) // drains: every accepted event is delivered
	fmt.Println(n)
	// Output: [1000 1000]
}

func ExampleEngine_Stop() {
	eng, _ := engine.New(engine.Config{})
	_ = eng.Register(engine.Route{Source: "s", Target: engine.To(engine.HandlerFunc[events.Order](func(*events.Order) {}))})
	_ = eng.Start()
	p, _ := eng.Publisher("s")
	_ = engine.Publish(p, &events.Order{})
	fmt.Println(eng.Stop(context.Background()))
	fmt.Println(engine.Publish(p, &events.Order{}))
	// Output:
	// <nil>
	// engine: stopped
}

func ExampleEngine_NewProducer() {
	eng, _ := engine.New(engine.Config{})
	var ids []uint64
	_ = eng.Register(engine.Route{Source: "feed", Target: engine.To(engine.HandlerFunc[events.MarketData](func(m *events.MarketData) {
		ids = append(ids, m.ID&0xFFFF) // IDs carry the producer's generator in the high bits
	}))})
	_ = eng.Start()
	feed, err := eng.NewProducer("feed") // one goroutine only: its own lane to every worker
	if err != nil {
		log.Fatal(err)
	}
	for range 3 {
		_ = engine.Publish(feed, &events.MarketData{})
	}
	_ = feed.Close()
	_ = eng.Stop(context.Background())
	fmt.Println(ids)
	// Output: [1 2 3]
}

func ExampleEngine_Publisher() {
	eng, _ := engine.New(engine.Config{})
	n := 0
	_ = eng.Register(engine.Route{Source: "fills", Target: engine.To(engine.HandlerFunc[events.Order](func(*events.Order) { n++ }))})
	_ = eng.Start()
	fills, _ := eng.Publisher("fills") // safe for any number of goroutines
	done := make(chan struct{})
	for range 4 {
		go func() {
			for range 250 {
				_ = engine.Publish(fills, &events.Order{})
			}
			done <- struct{}{}
		}()
	}
	for range 4 {
		<-done
	}
	_ = eng.Stop(context.Background())
	fmt.Println(n)
	// Output: 1000
}

func ExamplePublish() {
	eng, _ := engine.New(engine.Config{})
	_ = eng.Register(engine.Route{Source: "feed", Tier: engine.Inline(), Target: engine.To(engine.HandlerFunc[events.MarketData](
		func(m *events.MarketData) { fmt.Println(m.Symbol, m.Price, m.Kind == events.KindMarketData) }))})
	_ = eng.Start()
	feed, _ := eng.NewProducer("feed")
	md := events.MarketData{Symbol: events.MustSymbol("AAPL"), Price: events.PriceFromFloat(150.25)}
	fmt.Println(engine.Publish(feed, &md)) // Kind is filled in from the type
	_ = feed.Close()
	_ = eng.Stop(context.Background())
	// Output:
	// AAPL 150.25 true
	// <nil>
}

func ExampleProducer_PublishRaw() {
	eng, _ := engine.New(engine.Config{})
	_ = eng.Register(engine.Route{Source: "feed", Tier: engine.Inline(), Target: engine.To(engine.HandlerFunc[events.Order](
		func(o *events.Order) { fmt.Println(o.Symbol, o.Quantity) }))})
	_ = eng.Start()
	feed, _ := eng.NewProducer("feed")
	raw := events.ToRaw(&events.Order{Header: events.Header{Kind: events.KindOrder}, Symbol: events.MustSymbol("MSFT"), Quantity: 7})
	_ = feed.PublishRaw(&raw)
	_ = feed.Close()
	_ = eng.Stop(context.Background())
	// Output: MSFT 7
}

func ExampleProducer_PublishBatch() {
	eng, _ := engine.New(engine.Config{})
	var sum int64
	_ = eng.Register(engine.Route{Source: "feed", Target: engine.To(engine.HandlerFunc[events.Order](func(o *events.Order) { sum += o.Quantity }))})
	_ = eng.Start()
	feed, _ := eng.NewProducer("feed")
	batch := make([]events.Raw, 10)
	for i := range batch {
		batch[i] = events.ToRaw(&events.Order{Header: events.Header{Kind: events.KindOrder}, Quantity: int64(i)})
	}
	_ = feed.PublishBatch(batch)
	_ = feed.Close()
	_ = eng.Stop(context.Background())
	fmt.Println(sum)
	// Output: 45
}

func ExamplePipeline() {
	p := engine.Pipeline(
		engine.HandlerFunc[events.Order](func(o *events.Order) { fmt.Println("validate", o.Quantity) }),
		engine.HandlerFunc[events.Order](func(o *events.Order) { fmt.Println("execute", o.Quantity) }),
	)
	p.Receive(&events.Order{Quantity: 10}) // adapters also run on their own
	// Output:
	// validate 10
	// execute 10
}

func ExampleBroadcast() {
	b := engine.Broadcast(
		engine.HandlerFunc[events.Signal](func(s *events.Signal) { fmt.Println("audit", s.Strength) }),
		engine.HandlerFunc[events.Signal](func(s *events.Signal) { fmt.Println("risk", s.Strength) }),
	)
	b.Receive(&events.Signal{Strength: 0.8})
	// Output:
	// audit 0.8
	// risk 0.8
}

func ExampleFilter() {
	aggressive := engine.Filter(func(s *events.Signal) bool { return s.Strength > 0.7 },
		engine.HandlerFunc[events.Signal](func(s *events.Signal) { fmt.Println("aggressive", s.Strength) }))
	for _, st := range []float64{0.9, 0.5} {
		aggressive.Receive(&events.Signal{Strength: st})
	}
	// Output: aggressive 0.9
}

func ExampleTransform() {
	signalToOrder := func(s *events.Signal) (events.Order, bool) {
		side := events.SideBuy
		if s.Action == events.ActionSell {
			side = events.SideSell
		}
		return events.Order{Symbol: s.Symbol, Side: side, Quantity: 100}, s.Action != events.ActionHold
	}
	t := engine.Transform(signalToOrder, engine.HandlerFunc[events.Order](func(o *events.Order) {
		fmt.Println(o.Side, o.Quantity, o.Symbol)
	}))
	t.Receive(&events.Signal{Symbol: events.MustSymbol("AAPL"), Action: events.ActionSell})
	t.Receive(&events.Signal{Symbol: events.MustSymbol("AAPL"), Action: events.ActionHold})
	// Output: SELL 100 AAPL
}

// ExampleEmit is the plan's StrategyContainer: it receives MarketData and emits Signals, which
// the engine routes as events from the "strategy" source.
func ExampleEmit() {
	eng, _ := engine.New(engine.Config{Workers: 2})
	strategy := func(m *events.MarketData) (events.Signal, bool) {
		return events.Signal{Symbol: m.Symbol, Action: events.ActionBuy, Strength: 0.8, Ref: m.ID}, true
	}
	var got []string
	_ = eng.Register(engine.Route{Source: "data_source", Worker: 0,
		Target: engine.To(engine.Transform(strategy, engine.Emit[events.Signal]("strategy")))})
	_ = eng.Register(engine.Route{Source: "strategy", Worker: 1,
		Target: engine.To(engine.HandlerFunc[events.Signal](func(s *events.Signal) {
			got = append(got, fmt.Sprintf("%s %s from market data %d", s.Action, s.Symbol, s.Ref))
		}))})
	_ = eng.Start()
	feed, _ := eng.NewProducer("data_source")
	_ = engine.Publish(feed, &events.MarketData{Header: events.Header{ID: 42}, Symbol: events.MustSymbol("AAPL")})
	_ = feed.Close()
	_ = eng.Stop(context.Background())
	fmt.Println(got)
	// Output: [BUY AAPL from market data 42]
}

func ExampleTo() {
	t := engine.To(engine.Broadcast(
		engine.HandlerFunc[events.Order](func(*events.Order) {}),
		engine.Handler[events.Order](engine.Emit[events.Order]("audit")),
	))
	fmt.Println(t.Type(), t)
	// Output: events.Order broadcast(func(*Order), emit(audit))
}

func ExampleHandlerFunc() {
	var h engine.Handler[events.Order] = engine.HandlerFunc[events.Order](func(o *events.Order) {
		fmt.Println("order for", o.Quantity)
	})
	h.Receive(&events.Order{Quantity: 5})
	// Output: order for 5
}

// ExamplePipelineOf composes routes from parts known only by name, as a configuration loader
// does: typed components erased to Targets, and a condition compiled to a load at a field's
// offset.
func ExamplePipelineOf() {
	kinds := events.NewRegistry()
	components := map[string]engine.Target{
		"validation": engine.To(engine.HandlerFunc[events.Order](func(o *events.Order) { fmt.Println("validate", o.Quantity) })),
		"execution":  engine.To(engine.HandlerFunc[events.Order](func(o *events.Order) { fmt.Println("execute", o.Quantity) })),
	}
	info, _ := kinds.Lookup("Order")
	qty, _ := info.Field("quantity")
	big := func(r *events.Raw) bool {
		return *(*int64)(unsafePointerAt(r, qty.Offset)) >= 100
	}
	chain, err := engine.PipelineOf(components["validation"], engine.FilterOf("quantity >= 100", big, components["execution"]))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(chain)
	eng, _ := engine.New(engine.Config{Kinds: kinds})
	_ = eng.Register(engine.Route{Source: "risk", Kind: "Order", Target: chain, Tier: engine.Inline()})
	_ = eng.Start()
	p, _ := eng.NewProducer("risk")
	for _, q := range []int64{10, 100} {
		_ = engine.Publish(p, &events.Order{Quantity: q})
	}
	_ = p.Close()
	_ = eng.Stop(context.Background())
	// Output:
	// pipeline(func(*Order), filter(quantity >= 100, func(*Order)))
	// validate 10
	// validate 100
	// execute 100
}

func ExampleBroadcastOf() {
	a := engine.To(engine.HandlerFunc[events.Order](func(*events.Order) {}))
	b := engine.To(engine.HandlerFunc[events.Signal](func(*events.Signal) {}))
	_, err := engine.BroadcastOf(a, b)
	fmt.Println(errors.Is(err, engine.ErrRoute))
	// Output: true
}

func ExampleRawFunc() {
	t := engine.RawFunc("journal", func(r *events.Raw) { fmt.Println("kind", r.Kind) })
	fmt.Println(t, t.Type())
	// Output: journal <nil>
}

func ExampleEmitOf() {
	fmt.Println(engine.EmitOf("replay"))
	// Output: emit(replay)
}

func ExampleFilterOf() {
	even := engine.FilterOf("even id", func(r *events.Raw) bool { return r.ID%2 == 0 }, engine.EmitOf("evens"))
	fmt.Println(even)
	// Output: filter(even id, emit(evens))
}

func ExampleEngine_Routes() {
	eng, _ := engine.New(engine.Config{Workers: 2})
	_ = eng.Register(engine.Route{Name: "strategy", Source: "data_source", Worker: 0,
		Target: engine.To(engine.Transform(func(*events.MarketData) (events.Signal, bool) { return events.Signal{}, true },
			engine.Emit[events.Signal]("strategy")))})
	_ = eng.Register(engine.Route{Name: "risk", Source: "strategy", Worker: 1, Overflow: engine.DropOldest,
		Target: engine.To(engine.HandlerFunc[events.Signal](func(*events.Signal) {}))})
	_ = eng.Compile()
	for _, r := range eng.Routes() {
		fmt.Printf("%s/%s -> %s [%s, worker %d, %s]: %s\n", r.Source, r.Kind, r.Name, r.Tier, r.Worker, r.Policy, r.Chain)
	}
	// Output:
	// data_source/MarketData -> strategy [standard, worker 0, block]: transform(MarketData->Signal, emit(strategy))
	// strategy/Signal -> risk [standard, worker 1, drop-oldest]: func(*Signal)
}

func ExampleEngine_Counts() {
	eng, _ := engine.New(engine.Config{})
	_ = eng.Register(engine.Route{Name: "r", Source: "s", Target: engine.To(engine.HandlerFunc[events.Order](func(o *events.Order) {
		if o.Quantity < 0 {
			panic("negative quantity")
		}
	}))})
	_ = eng.Start()
	p, _ := eng.NewProducer("s")
	for _, q := range []int64{1, -1, 2} {
		_ = engine.Publish(p, &events.Order{Quantity: q})
	}
	_ = p.Close()
	_ = eng.Stop(context.Background())
	c, _ := eng.Counts("r")
	fmt.Printf("published %d, delivered %d, panics %d\n", c.Published, c.Delivered, c.Panics)
	// Output: published 3, delivered 2, panics 1
}

func ExampleInline() {
	eng, _ := engine.New(engine.Config{})
	_ = eng.Register(engine.Route{Source: "s", Tier: engine.Inline(),
		Target: engine.To(engine.HandlerFunc[events.Order](func(*events.Order) { fmt.Println("handled before Publish returns") }))})
	_ = eng.Start()
	p, _ := eng.NewProducer("s")
	_ = engine.Publish(p, &events.Order{})
	fmt.Println("published")
	_ = p.Close()
	_ = eng.Stop(context.Background())
	// Output:
	// handled before Publish returns
	// published
}

func ExampleStandard() {
	fmt.Println(engine.Standard().Name(), engine.Standard().Inline(), engine.Inline().Name())
	// Output: standard false inline
}

func ExampleParseOverflow() {
	o, err := engine.ParseOverflow("drop-oldest")
	fmt.Println(o, err)
	_, err = engine.ParseOverflow("drop")
	fmt.Println(err)
	// Output:
	// drop-oldest <nil>
	// engine: invalid route: unknown overflow policy "drop" (want block, drop-newest, drop-oldest or fail)
}

func ExampleConfig_Validate() {
	fmt.Println(engine.Config{Workers: 2, CPUs: []int{2}}.Validate())
	// Output: engine: invalid configuration: CPUs has 1 entries for 2 workers
}

func ExampleEngine_Source() {
	eng, _ := engine.New(engine.Config{})
	a, _ := eng.Source("feed")
	b, _ := eng.Source("strategy")
	again, _ := eng.Source("feed")
	fmt.Println(a, b, again, eng.SourceName(b))
	// Output: 1 2 1 strategy
}
