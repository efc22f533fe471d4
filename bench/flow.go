package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/engine/config"
	"github.com/hotpath-go/hotpath/engine/config/demo"
	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/ring"
)

// flow is a routing configuration that the suite drives through the engine (the trading-flow
// and config scenarios): the file's routes built with the demo components (package
// engine/config/demo) and the real tiers (config.BuiltinTiers: fast batching, standard, and
// reliable with its logs in a temporary directory), the events a producer publishes into it, and the timed
// point: the demo's OnOrder hook, which execution and executor call with every Order.
//
// The inputs are the file's external (source, kind) pairs, those that no demo component
// publishes into (every source but demo.StrategySource and demo.RiskSource), each with four
// payloads (prices, strengths or sides that take both branches of the plan's strength > 0.7
// split), published in turn. Every event keeps its harness time stamp along the flow: the
// strategy's Signal and the risk checks' Order copy it, and the engines run with no latency
// stamping of their own. The harness needs to know how many timed deliveries each input makes
// (Shape.Fanout), so the flow probes each input once on its own engine before the first
// measurement and keeps the inputs that make the most common non-zero number of them.
//
// A flow is safe for concurrent use; its targets follow the Target contract.
type flow struct {
	file string // for messages
	src  []byte

	once    sync.Once
	err     error
	inputs  []flowInput
	workers int
	fanout  int
	shared  bool // the timed point may run on several goroutines: several workers, or inline routes
	notes   []string
}

// flowInput is one event the producer publishes: its source and the event, kind and payload
// set (the harness fills ID and TS).
type flowInput struct {
	source string
	ev     events.Raw
}

// newFlow returns the flow of the configuration src, called file in messages. It only keeps
// them: prepare loads and probes.
func newFlow(file string, src []byte) *flow { return &flow{file: file, src: src} }

// load loads the configuration with a fresh set of demo components whose OnOrder is onOrder,
// and fresh tiers, which the caller closes after the engine that uses them has stopped.
func (f *flow) load(onOrder func(*events.Order)) (*config.Config, *flowTiers, error) {
	comps := config.NewRegistry()
	d := demo.New()
	d.OnOrder = onOrder
	if err := d.Register(comps); err != nil {
		return nil, nil, err
	}
	ts, err := newFlowTiers()
	if err != nil {
		return nil, nil, err
	}
	l := config.Loader{Components: comps, Kinds: events.NewRegistry(), Tiers: ts.Tiers}
	cfg, err := l.Load(f.file, f.src)
	if err != nil {
		return nil, nil, errors.Join(err, ts.Close())
	}
	return cfg, ts, nil
}

// prepare loads the configuration, finds its inputs and probes them, once; it returns what it
// found wrong, wrapping ErrFlow.
func (f *flow) prepare() error {
	f.once.Do(func() { f.err = f.probe() })
	return f.err
}

func (f *flow) probe() error {
	cfg, ts, err := f.load(nil)
	if ts != nil {
		defer func() { _ = ts.Close() }()
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ErrFlow, err)
	}
	f.workers = max(cfg.Engine.Workers, 1)
	f.shared = f.workers > 1
	for _, r := range cfg.Routes {
		f.shared = f.shared || r.Tier == "inline"
	}
	candidates, skipped := flowInputs(cfg)
	for _, s := range skipped {
		f.notes = append(f.notes, "not published: "+s)
	}
	if len(candidates) == 0 {
		return fmt.Errorf("%w: %s: no route takes events from outside (every source is one the demo components publish from, %s and %s)",
			ErrFlow, f.file, demo.StrategySource, demo.RiskSource)
	}
	counts := make([]int, len(candidates))
	for i, in := range candidates {
		if counts[i], err = f.count(in); err != nil {
			return fmt.Errorf("%w: %s: probing %s from %q: %w", ErrFlow, f.file, kindName(in.ev.Kind), in.source, err)
		}
	}
	k := commonCount(counts)
	if k == 0 {
		return fmt.Errorf("%w: %s: no event published into it reaches execution or executor, where the suite times the flow", ErrFlow, f.file)
	}
	dropped := 0
	for i, in := range candidates {
		if counts[i] == k {
			f.inputs = append(f.inputs, in)
		} else {
			dropped++
		}
	}
	f.fanout = k
	if dropped > 0 {
		f.notes = append(f.notes, fmt.Sprintf("%d of %d inputs left out: they reach execution or executor other than %d times", dropped, len(candidates), k))
	}
	return nil
}

// count publishes in alone through a fresh engine running the flow and returns how many
// Orders reached execution or executor.
func (f *flow) count(in flowInput) (int, error) {
	var n int
	var mu sync.Mutex // OnOrder may run on several workers
	cfg, ts, err := f.load(func(*events.Order) { mu.Lock(); n++; mu.Unlock() })
	if err != nil {
		return 0, err
	}
	t := &flowTarget{f: f, tiers: ts}
	ecfg := f.engineConfig(cfg, Env{})
	ecfg.Wait, ecfg.PublishWait = ring.Parking(), ring.Parking()
	if err := t.start(cfg, ecfg, []flowInput{in}); err != nil {
		return 0, err
	}
	ev := in.ev
	ev.ID = 1
	err = t.prods[0].PublishRaw(&ev)
	if serr := t.Stop(); err == nil {
		err = serr
	}
	mu.Lock()
	defer mu.Unlock()
	return n, err
}

// engineConfig is the engine configuration of the flow's targets: the file's engine section
// (workers, ring_size, batch, backlog) with the suite's placement and waiting (engineConfig of
// route-e2e) instead of the file's cpus: the harness places the goroutines, and `hotpath tune`
// compares placements.
func (f *flow) engineConfig(cfg *config.Config, env Env) engine.Config {
	c := engineConfig(env, f.workers)
	c.RingSize, c.Batch, c.Backlog, c.Kinds = cfg.Engine.RingSize, cfg.Engine.Batch, cfg.Engine.Backlog, cfg.Engine.Kinds
	// A flow's tiers have goroutines of their own (a reliable route's log flusher and
	// checkpointer): busy-spinning workers and publishers on every CPU would starve them, so the
	// flow's waits yield and then park even on dedicated CPUs; they spin first through the gaps
	// of the open loop's rate (ring.Responsive: 50 µs), so that an event does not pay a parked
	// worker's wake-up (tens of microseconds to milliseconds on a VM).
	c.Wait, c.PublishWait = ring.Responsive(), ring.Responsive()
	return c
}

// scenario returns the flow as a Scenario called name with one implementation, hotpath.
func (f *flow) scenario(name, doc string) Scenario {
	return Scenario{Name: name, Doc: doc, Baseline: "hotpath", Impls: []Impl{{Name: "hotpath", New: f.newTarget}}}
}

func (f *flow) newTarget() (Target, error) {
	if err := f.prepare(); err != nil {
		return nil, err
	}
	return &flowTarget{f: f}, nil
}

// commonCount returns the most frequent non-zero value of counts (the smallest among equally
// frequent ones), or 0.
func commonCount(counts []int) int {
	freq := map[int]int{}
	for _, c := range counts {
		if c > 0 {
			freq[c]++
		}
	}
	best, bestN := 0, 0
	for c, n := range freq {
		if n > bestN || n == bestN && c < best {
			best, bestN = c, n
		}
	}
	return best
}

// flowPayloads is how many payloads each input kind has.
const flowPayloads = 4

// flowInputs lists the inputs of cfg: for each external (source, kind) pair, in file order,
// flowPayloads events, interleaved pair by pair. It also says which pairs it cannot publish
// (a kind it has no payloads for).
func flowInputs(cfg *config.Config) (inputs []flowInput, skipped []string) {
	type pair struct {
		source string
		kind   events.Kind
	}
	var pairs []pair
	seen := map[pair]bool{}
	for _, r := range cfg.Routes {
		if r.Source == demo.StrategySource || r.Source == demo.RiskSource {
			continue
		}
		info, ok := cfg.Kinds().Lookup(r.Kind)
		if !ok {
			continue
		}
		p := pair{r.Source, info.Kind}
		if seen[p] {
			continue
		}
		seen[p] = true
		if _, ok := flowPayload(info.Kind, 0); !ok {
			skipped = append(skipped, fmt.Sprintf("%s from %q (no sample payload for the kind)", r.Kind, r.Source))
			continue
		}
		pairs = append(pairs, p)
	}
	for i := range flowPayloads {
		for _, p := range pairs {
			ev, _ := flowPayload(p.kind, i)
			inputs = append(inputs, flowInput{source: p.source, ev: ev})
		}
	}
	return inputs, skipped
}

// flowPayload returns the i-th sample event of kind k: MarketData above and below 100 with
// fractions either side of 0.7 (the demo strategy's BUY/SELL and strength), Signals and
// Orders likewise; false for a kind it does not know.
func flowPayload(k events.Kind, i int) (events.Raw, bool) {
	sym := events.MustSymbol("AAPL")
	prices := [flowPayloads]float64{100.85, 99.25, 101.75, 98.50}
	switch k {
	case events.KindMarketData:
		m := events.MarketData{Header: events.Header{Kind: k}, Symbol: sym, Price: events.PriceFromFloat(prices[i]), Volume: 100}
		return events.ToRaw(&m), true
	case events.KindSignal:
		m := events.MarketData{Symbol: sym, Price: events.PriceFromFloat(prices[i])}
		s, _ := demo.ToSignal(&m)
		s.Kind = k
		return events.ToRaw(&s), true
	case events.KindOrder:
		side, qty := events.SideBuy, int64(demo.AggressiveQuantity)
		if i%2 == 1 {
			side, qty = events.SideSell, demo.ConservativeQuantity
		}
		o := events.Order{Header: events.Header{Kind: k}, Symbol: sym, Side: side, Quantity: qty}
		return events.ToRaw(&o), true
	}
	return events.Raw{}, false
}

// kindName names a built-in kind for messages.
func kindName(k events.Kind) string {
	switch k {
	case events.KindMarketData:
		return "MarketData"
	case events.KindSignal:
		return "Signal"
	case events.KindOrder:
		return "Order"
	}
	return fmt.Sprintf("kind %d", k)
}

// flowTarget is one engine running a flow. The harness's producer publishes the flow's
// inputs in turn, each from its source's dedicated engine.Producer; the demo's execution and
// executor hand each Order's header (the input's ID and intended time) to Sink slot 0. With
// several workers or inline routes (which run on the publisher's goroutine, the harness's
// producer or a worker), Orders may reach the timed point on several goroutines at once, and a
// mutex keeps slot 0 single-writer.
type flowTarget struct {
	f     *flow
	eng   *engine.Engine
	tiers *flowTiers         // the loaded routes' tiers, closed after the engine stops
	sent  atomic.Int64       // events published by Send
	got   atomic.Int64       // Orders that reached the timed point
	prods []*engine.Producer // by input
	evs   []events.Raw       // by input, filled in place
	next  int                // the input the next Send publishes first

	mu  sync.Mutex // taken by the timed point only when flow.shared
	out scratch    // the timed point's copy of an Order's header
}

func (t *flowTarget) Shape() Shape {
	return Shape{Producers: 1, Consumers: t.f.workers, Sinks: 1, Fanout: t.f.fanout}
}

func (t *flowTarget) Start(env Env) error {
	sink := env.Sink
	onOrder := func(o *events.Order) {
		t.out.e.Header = o.Header
		t.got.Add(1)
		sink(0, &t.out.e)
	}
	if t.f.shared {
		onOrder = func(o *events.Order) {
			t.mu.Lock()
			t.out.e.Header = o.Header
			t.got.Add(1)
			sink(0, &t.out.e)
			t.mu.Unlock()
		}
	}
	cfg, ts, err := t.f.load(onOrder)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrFlow, err)
	}
	t.tiers = ts
	return t.start(cfg, t.f.engineConfig(cfg, env), t.f.inputs)
}

// start runs an engine with cfg's routes and one dedicated producer per source of inputs.
func (t *flowTarget) start(cfg *config.Config, ecfg engine.Config, inputs []flowInput) error {
	e, err := engine.New(ecfg)
	if err != nil {
		return err
	}
	if err := config.NewReloader(e).Apply(cfg); err != nil {
		return err
	}
	if err := e.Start(); err != nil {
		return err
	}
	t.eng = e
	bySource := map[string]*engine.Producer{}
	for _, in := range inputs {
		p, ok := bySource[in.source]
		if !ok {
			if p, err = e.NewProducer(in.source); err != nil {
				return errors.Join(err, t.Stop())
			}
			bySource[in.source] = p
		}
		t.prods = append(t.prods, p)
		t.evs = append(t.evs, in.ev)
	}
	return nil
}

func (t *flowTarget) Send(_, n int, fill Fill) error {
	k := t.next
	for i := range n {
		e := &t.evs[k]
		fill(i, e)
		if err := t.prods[k].PublishRaw(e); err != nil {
			return err
		}
		if k++; k == len(t.evs) {
			k = 0
		}
	}
	t.next = k
	t.sent.Add(int64(n))
	return nil
}

// Stop closes the producers (their goroutine has returned from its last Send) and drains the
// engine: every Order the flow makes has reached the timed point when it returns.
func (t *flowTarget) Stop() error {
	closed := map[*engine.Producer]bool{}
	var errs []error
	for _, p := range t.prods {
		if !closed[p] {
			closed[p] = true
			errs = append(errs, p.Close())
		}
	}
	if t.eng != nil {
		errs = append(errs, t.waitBacklog(), stopEngine(t.eng))
	}
	if t.tiers != nil {
		errs = append(errs, t.tiers.Close())
		t.tiers = nil
	}
	return errors.Join(errs...)
}

// flowTiers are the tiers of a flow's routes: hotpath's own (config.BuiltinTiers), the
// reliable routes' logs in a temporary directory on disk, as a program would have them (and the
// operating system's file system does not allocate per append, as an in-memory one would).
type flowTiers struct {
	*config.Tiers
	dir string
}

func newFlowTiers() (*flowTiers, error) {
	dir, err := os.MkdirTemp("", "hotpath-flow-")
	if err != nil {
		return nil, err
	}
	return &flowTiers{Tiers: config.BuiltinTiers(dir), dir: dir}, nil
}

// Close closes the tiers and removes their logs.
func (t *flowTiers) Close() error {
	return errors.Join(t.Tiers.Close(), os.RemoveAll(t.dir))
}

// waitBacklog waits, for at most a minute, until every Order the flow makes has reached the timed
// point and the reliable routes have delivered everything they took (the engine's Stop leaves a
// reliable backlog in its log for the next start, and the harness counts every event). The
// Orders come first: the routes upstream are still publishing into the reliable ones until then.
func (t *flowTarget) waitBacklog() error {
	if t.tiers == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	want := t.sent.Load() * int64(t.f.fanout)
	for t.f.fanout > 0 && t.got.Load() < want {
		if ctx.Err() != nil {
			return fmt.Errorf("%w: after a minute, %d of %d Orders delivered%s", ErrFlow, t.got.Load(), want, droppedBy(t.eng))
		}
		time.Sleep(100 * time.Microsecond) // polling the count, not synchronising
	}
	if err := t.tiers.Drain(ctx); err != nil {
		return fmt.Errorf("%w: %w", ErrFlow, err)
	}
	return nil
}

// droppedBy names the routes of e that dropped events by their overflow policy (drop-newest,
// drop-oldest, fail: each drop counted) as a clause for the error of a flow that did not
// deliver every input, or returns "": a drop on the way to the timed point is the likely
// reason (the harness counts every input; a drop elsewhere, an audit route's, is harmless).
func droppedBy(e *engine.Engine) string {
	if e == nil {
		return ""
	}
	var parts []string
	for _, r := range e.Routes() {
		if c, ok := e.Counts(r.Name); ok && c.Dropped > 0 {
			parts = append(parts, fmt.Sprintf("%s %d (%s)", r.Name, c.Dropped, r.Overflow))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "; routes that dropped events by their overflow policy (a drop on the way to the timed point loses that input's Orders): " + strings.Join(parts, ", ")
}

var _ Target = (*flowTarget)(nil)
