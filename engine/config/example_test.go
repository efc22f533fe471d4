package config_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/engine/config"
	"github.com/hotpath-go/hotpath/events"
)

// A program's own components: a container that prints orders, a transformer from signals to
// orders, and a kind-independent logger.
func exampleRegistry() *config.Registry {
	r := config.NewRegistry()
	_ = config.AddHandler(r, "execution", engine.HandlerFunc[events.Order](func(o *events.Order) {
		fmt.Println("execute", o.Side, o.Quantity, o.Symbol)
	}))
	_ = config.AddTransformer(r, "size", func(s *events.Signal) (events.Order, bool) {
		side := events.SideBuy
		if s.Action == events.ActionSell {
			side = events.SideSell
		}
		return events.Order{Symbol: s.Symbol, Side: side, Quantity: int64(s.Strength * 100)}, s.Action != events.ActionHold
	})
	_ = r.AddContainer("logger", engine.RawFunc("logger", func(ev *events.Raw) {
		fmt.Println("log kind", ev.Kind)
	}))
	return r
}

const exampleYAML = `
routing:
  strategy:
    Signal:
      tier: inline
      routes:
        - type: filter
          condition: "strength > 0.7 && action != HOLD"
          target: {type: pipeline, steps: [size, execution]}
`

func ExampleLoader_Load() {
	l := config.Loader{Components: exampleRegistry(), Kinds: events.NewRegistry()}
	cfg, err := l.Load("trading.yaml", []byte(exampleYAML))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range cfg.Routes {
		fmt.Printf("%s: %s %s %s, at line %d\n", r.Name, r.Tier, r.Kind, r.Chain, r.Line)
	}
	// Output:
	// strategy/Signal/1: inline Signal filter(strength > 0.7 && action != HOLD, pipeline(size, execution)), at line 7
}

// Load reports every mistake of a file, each where it is.
func ExampleLoader_Load_errors() {
	l := config.Loader{Components: exampleRegistry(), Kinds: events.NewRegistry()}
	_, err := l.Load("trading.yaml", []byte(`
routing:
  strategy:
    Signal:
      teir: inline
      routes:
        - type: filter
          condition: "strenght > 0.7"
          target: {type: pipeline, steps: [execution, size]}
`))
	var errs *config.Errors
	if errors.As(err, &errs) {
		for _, e := range errs.List {
			fmt.Println(e)
		}
	}
	fmt.Println(errors.Is(err, config.ErrUnknownKey), errors.Is(err, config.ErrChain))
	// Output:
	// trading.yaml:5:7: routing.strategy.Signal.teir: unknown key "teir" in the routing of Signal from strategy; did you mean "tier"?
	// trading.yaml:8:23: routing.strategy.Signal.routes[0].condition: condition "strenght > 0.7", col 1: unknown field "strenght" of Signal (fields: id, ts, kind, source, symbol, action, strength, ref); did you mean "strength"?
	// trading.yaml:9:44: routing.strategy.Signal.routes[0].target.steps[0]: component execution takes Order, but here it receives Signal (the route's event type Signal)
	// trading.yaml:9:55: routing.strategy.Signal.routes[0].target.steps[1]: transformer size produces Order but no step follows it; add the steps that take Order after it
	// true true
}

func ExampleLoader_LoadFile() {
	path := filepath.Join(os.TempDir(), "hotpath-example-routing.yaml")
	_ = os.WriteFile(path, []byte("routing: {risk: {Order: {routes: [{type: pipeline, steps: [execution, logger]}]}}}\n"), 0o600)
	defer os.Remove(path)
	l := config.Loader{Components: exampleRegistry(), Kinds: events.NewRegistry()}
	cfg, err := l.LoadFile(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(cfg.Routes), cfg.Routes[0].Chain, cfg.Routes[0].Tier)
	// Output:
	// 1 pipeline(execution, logger) standard
}

// A Reloader installs a configuration and swaps it while the engine runs.
func ExampleReloader_Apply() {
	kinds := events.NewRegistry()
	l := config.Loader{Components: exampleRegistry(), Kinds: kinds}
	e, _ := engine.New(engine.Config{Kinds: kinds})
	r := config.NewReloader(e)
	first, _ := l.Load("v1.yaml", []byte(exampleYAML))
	if err := r.Apply(first); err != nil {
		fmt.Println(err)
		return
	}
	_ = e.Start()
	p, _ := e.NewProducer("strategy")
	publish := func(strength float64) {
		s := events.Signal{Symbol: events.MustSymbol("AAPL"), Action: events.ActionBuy, Strength: strength}
		_ = engine.Publish(p, &s)
	}
	publish(0.9)
	publish(0.5) // filtered out

	// A reload that the engine refuses changes nothing.
	bad, _ := l.Load("v2.yaml", []byte("routing: {strategy: {Signal: {routes: [{type: pipeline, steps: [logger], worker: 3}]}}}\n"))
	fmt.Println(r.Apply(bad))
	publish(0.8)

	// One that it accepts takes effect for the events published after it.
	second, _ := l.Load("v3.yaml", []byte("routing: {strategy: {Signal: {tier: inline, routes: [{type: pipeline, steps: [logger]}]}}}\n"))
	fmt.Println(r.Apply(second), r.Current().File)
	publish(0.5)
	_ = p.Close()
	_ = e.Stop(context.Background())
	// Output:
	// execute BUY 90 AAPL
	// v2.yaml:1:40: routing.strategy.Signal.routes[0]: engine: invalid route: route "strategy/Signal/1": worker 3 out of range 0..0
	// execute BUY 80 AAPL
	// <nil> v3.yaml
	// log kind 2
}

func ExampleReloader_Current() {
	kinds := events.NewRegistry()
	e, _ := engine.New(engine.Config{Kinds: kinds})
	r := config.NewReloader(e)
	fmt.Println(r.Current() == nil)
	l := config.Loader{Components: exampleRegistry(), Kinds: kinds}
	cfg, _ := l.Load("a.yaml", []byte(exampleYAML))
	_ = r.Apply(cfg)
	fmt.Println(r.Current().File)
	// Output:
	// true
	// a.yaml
}

func ExampleConfig_Rows() {
	kinds := events.NewRegistry()
	l := config.Loader{Components: exampleRegistry(), Kinds: kinds}
	cfg, _ := l.Load("a.yaml", []byte(exampleYAML))
	e, _ := engine.New(cfg.Engine)
	_ = config.NewReloader(e).Apply(cfg)
	for _, row := range cfg.Rows(e.Routes(), l.Tiers) {
		fmt.Printf("%s %s %s worker=%d %s %s\n", row.Source, row.Kind, row.Tier, row.Worker, row.Chain, row.At)
	}
	// Output:
	// strategy Signal inline worker=-1 filter(strength > 0.7 && action != HOLD, pipeline(size, execution)) a.yaml:7:11
}

func ExampleConfig_EngineRoutes() {
	l := config.Loader{Components: exampleRegistry(), Kinds: events.NewRegistry()}
	cfg, _ := l.Load("a.yaml", []byte(exampleYAML))
	for _, r := range cfg.EngineRoutes() {
		fmt.Println(r.Name, r.Source, r.Kind, r.Tier.Name(), r.Target)
	}
	// Output:
	// strategy/Signal/1 strategy Signal inline filter(strength > 0.7 && action != HOLD, transform(Signal->Order, func(*Order)))
}

func ExampleRoute_Policies() {
	tiers := config.NewTiers()
	_ = tiers.Register(config.TierSpec{Name: "reliable", Knobs: config.KnobWorker | config.KnobRetry | config.KnobCircuitBreaker,
		New: func(config.RouteOptions) (engine.Tier, error) { return engine.Standard(), nil }})
	l := config.Loader{Components: exampleRegistry(), Kinds: events.NewRegistry(), Tiers: tiers}
	cfg, err := l.Load("a.yaml", []byte(`
routing:
  risk:
    Order:
      tier: reliable
      retry: {max_retries: 5, initial_interval: 10ms}
      circuit_breaker: {}
      routes: [{type: pipeline, steps: [execution]}]
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.Routes[0].Policies(tiers))
	// Output:
	// max_retries=5 backoff=10ms..10s x2 jitter=0.5 circuit_breaker=5 failures/1m0s open/1 probes
}

func ExampleRoute_Engine() {
	l := config.Loader{Components: exampleRegistry(), Kinds: events.NewRegistry()}
	cfg, _ := l.Load("a.yaml", []byte("routing: {risk: {Order: {routes: [{name: exec, type: pipeline, steps: [execution], overflow: fail}]}}}\n"))
	r := cfg.Routes[0].Engine()
	fmt.Println(r.Name, r.Tier.Name(), r.Worker, r.Overflow)
	// Output:
	// exec standard 0 fail
}

func ExampleRegistry_AddContainer() {
	r := config.NewRegistry()
	err := r.AddContainer("audit", engine.RawFunc("audit", func(*events.Raw) {}))
	fmt.Println(err)
	fmt.Println(r.AddContainer("audit", engine.RawFunc("audit", func(*events.Raw) {})))
	c, _ := r.Lookup("audit")
	fmt.Println(c.Name, c.In == nil, c.Transformer())
	// Output:
	// <nil>
	// config: invalid component: "audit" is already registered
	// audit true false
}

func ExampleAddHandler() {
	r := config.NewRegistry()
	_ = config.AddHandler(r, "execution", engine.HandlerFunc[events.Order](func(*events.Order) {}))
	c, _ := r.Lookup("execution")
	fmt.Println(c.Name, c.In.Name(), c.Target())
	// Output:
	// execution Order func(*Order)
}

func ExampleAddTransformer() {
	r := config.NewRegistry()
	_ = config.AddTransformer(r, "signal_to_order", func(s *events.Signal) (events.Order, bool) {
		return events.Order{Symbol: s.Symbol, Quantity: 100}, true
	})
	c, _ := r.Lookup("signal_to_order")
	fmt.Println(c.Transformer(), c.In.Name(), "->", c.Out.Name())
	t, err := c.Then(engine.RawFunc("executor", func(*events.Raw) {}))
	fmt.Println(t, err)
	// Output:
	// true Signal -> Order
	// transform(Signal->Order, executor) <nil>
}

func ExampleComponent_Then() {
	r := exampleRegistry()
	size, _ := r.Lookup("size")
	exec, _ := r.Lookup("execution")
	t, err := size.Then(exec.Target())
	fmt.Println(t, err)
	_, err = exec.Then(t)
	fmt.Println(err)
	// Output:
	// transform(Signal->Order, func(*Order)) <nil>
	// config: invalid component: execution is a container, not a transformer
}

func ExampleRegistry_Names() {
	fmt.Println(exampleRegistry().Names())
	// Output:
	// [execution logger size]
}

func ExampleNewTiers() {
	t := config.NewTiers()
	fmt.Println(t.Names())
	s, _ := t.Lookup("standard")
	fmt.Println(s.Knobs&config.KnobWorker != 0, s.Knobs&config.KnobBatch != 0)
	// Output:
	// [inline standard]
	// true false
}

// The tiers package plugs its tiers in by name; a route's settings reach its constructor.
func ExampleTiers_Register() {
	t := config.NewTiers()
	err := t.Register(config.TierSpec{
		Name:  "fast",
		Knobs: config.KnobWorker | config.KnobOverflow | config.KnobBatch,
		New: func(o config.RouteOptions) (engine.Tier, error) {
			fmt.Printf("fast tier for %s: batch_size=%d max_wait=%v\n", o.Name, o.BatchSize, o.MaxWait)
			return engine.Standard(), nil // a real fast tier batches
		},
	})
	fmt.Println(err, t.Names())
	l := config.Loader{Components: exampleRegistry(), Kinds: events.NewRegistry(), Tiers: t}
	_, err = l.Load("a.yaml", []byte("routing: {risk: {Order: {tier: fast, batch_size: 64, routes: [{type: pipeline, steps: [execution]}]}}}\n"))
	fmt.Println(err)
	// Output:
	// <nil> [fast inline standard]
	// fast tier for risk/Order/1: batch_size=64 max_wait=1ms
	// <nil>
}

func ExampleErrors() {
	l := config.Loader{Components: exampleRegistry(), Kinds: events.NewRegistry()}
	_, err := l.Load("a.yaml", []byte("routing: {risk: {Order: {tier: turbo, routes: []}}}\n"))
	fmt.Println(err)
	var errs *config.Errors
	if errors.As(err, &errs) {
		e := errs.List[0]
		fmt.Printf("%s line %d col %d path %s text %q\n", e.File, e.Line, e.Col, e.Path, e.Text)
	}
	fmt.Println(errors.Is(err, config.ErrUnknownTier), errors.Is(err, config.ErrEmpty))
	// Output:
	// a.yaml:1:32: routing.risk.Order.tier: unknown tier "turbo"; expected one of: inline, standard
	// a.yaml:1:39: routing.risk.Order.routes: routes is empty; expected at least one route (- type: pipeline, filter or broadcast)
	// a.yaml line 1 col 32 path routing.risk.Order.tier text "turbo"
	// true true
}

func ExampleReloader_ReloadFile() {
	kinds := events.NewRegistry()
	l := config.Loader{Components: exampleRegistry(), Kinds: kinds}
	e, _ := engine.New(engine.Config{Kinds: kinds})
	r := config.NewReloader(e)
	path := filepath.Join(os.TempDir(), "hotpath-example-reload.yaml")
	defer os.Remove(path)
	_ = os.WriteFile(path, []byte("routing: {risk: {Order: {routes: [{type: pipeline, steps: [execution]}]}}}\n"), 0o600)
	fmt.Println(r.ReloadFile(&l, path))
	_ = os.WriteFile(path, []byte("routing: {risk: {Order: {routes: [{type: pipeline, steps: [executon]}]}}}\n"), 0o600)
	err := r.ReloadFile(&l, path)
	fmt.Println(errors.Is(err, config.ErrUnknownComponent), r.Current().Routes[0].Chain)
	// Output:
	// <nil>
	// true pipeline(execution)
}
