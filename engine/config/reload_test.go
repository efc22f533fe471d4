package config_test

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/engine/config"
	"github.com/hotpath-go/hotpath/events"
)

func routeNames(rs []engine.RouteInfo) []string {
	var s []string
	for _, r := range rs {
		s = append(s, r.Name)
	}
	return s
}

// TestPlanRuns runs the plan's configuration on a started engine: every MarketData reaches
// execution as an Order, through the strategy and one of the two risk checks.
func TestPlanRuns(t *testing.T) {
	l, d := demoLoader(t)
	cfg, err := l.LoadFile(examples + "trading.yaml")
	require.NoError(t, err)
	ecfg := cfg.Engine
	ecfg.Workers = 2
	e, stop := newEngine(t, ecfg)
	r := config.NewReloader(e)
	require.NoError(t, r.Apply(cfg))
	assert.Same(t, cfg, r.Current())
	require.NoError(t, e.Start())
	feed, err := e.NewProducer("data_source")
	require.NoError(t, err)
	const n = 2000
	for i := range n {
		m := events.MarketData{Symbol: events.MustSymbol("AAPL"), Price: events.PriceFromFloat(90 + float64(i%20) + float64(i%10)/10 + 0.05), Volume: 1}
		require.NoError(t, engine.Publish(feed, &m))
	}
	require.NoError(t, feed.Close())
	c := &d.Counts
	// The reliable route (risk/Order) spills to its log when its lane is full and replays from
	// it; Stop does not wait for that backlog (it stays in the log for the next start), so wait
	// for the last Order before stopping.
	require.Eventually(t, func() bool { return c.Executed.Load() == n }, 20*time.Second, time.Millisecond,
		"executed %d of %d", c.Executed.Load(), n)
	stop()
	assert.Equal(t, uint64(n), c.Indicators.Load())
	assert.Equal(t, uint64(n), c.Strategies.Load())
	assert.Equal(t, uint64(n*3/10), c.Aggressive.Load(), "strengths 0.75, 0.85, 0.95 of every ten")
	assert.Equal(t, uint64(n*7/10), c.Conservative.Load())
	assert.Equal(t, uint64(n), c.Validated.Load())
	assert.Equal(t, uint64(n), c.Executed.Load())
	assert.Zero(t, e.Unrouted())
}

// brokenTier's Bind fails: a route on it is refused at Compile, after Load accepted it.
type brokenTier struct{}

func (brokenTier) Name() string { return "broken" }
func (brokenTier) Inline() bool { return false }
func (brokenTier) Bind(engine.RouteInfo, engine.Step) (engine.Binding, error) {
	return engine.Binding{}, errors.New("no spare capacity")
}

func TestApplyFailureKeepsTheTable(t *testing.T) {
	l, _ := demoLoader(t)
	require.NoError(t, l.Tiers.Register(config.TierSpec{Name: "broken", Knobs: config.KnobWorker,
		New: func(config.RouteOptions) (engine.Tier, error) { return brokenTier{}, nil }}))
	load := func(src string) *config.Config {
		t.Helper()
		cfg, err := l.Load("t.yaml", []byte(src))
		require.NoError(t, err)
		return cfg
	}
	good := load("routing: {feed: {MarketData: {routes: [{name: md, type: pipeline, steps: [indicators]}]}}}\n")
	e, stop := newEngine(t, engine.Config{Kinds: l.Kinds, Workers: 2})
	r := config.NewReloader(e)
	require.NoError(t, r.Apply(good))
	require.NoError(t, e.Start())
	defer stop()
	before := routeNames(e.Routes())

	other, _ := demoLoader(t) // another events registry
	foreign, err := other.Load("t.yaml", []byte("routing: {feed: {MarketData: {routes: [{type: pipeline, steps: [indicators]}]}}}\n"))
	require.NoError(t, err)

	tests := []struct {
		name string
		cfg  *config.Config
		want string
	}{
		{"moves a live route", load("routing: {feed: {MarketData: {routes: [{name: md, type: pipeline, steps: [logger], worker: 1}]}}}\n"),
			`t.yaml:1:40: routing.feed.MarketData.routes[0]: engine: invalid route: route "md": cannot move from worker 0 to 1 while running (register it under a new name)`},
		{"a tier refuses at bind", load("routing:\n  feed:\n    MarketData:\n      routes:\n        - {name: x, type: pipeline, steps: [logger]}\n        - {name: y, type: pipeline, steps: [logger], tier: broken}\n"),
			`t.yaml:6:11: routing.feed.MarketData.routes[1]: engine: invalid route: route "y": tier broken: no spare capacity`},
		{"a worker the engine lacks", load("routing: {feed: {MarketData: {routes: [{name: z, type: pipeline, steps: [logger], worker: 5}]}}}\n"),
			`t.yaml:1:40: routing.feed.MarketData.routes[0]: engine: invalid route: route "z": worker 5 out of range 0..1`},
		{"another events registry", foreign,
			"t.yaml: configuration loaded with another events registry than the engine's; set Loader.Kinds to the engine's Kinds()"},
		{"nil", nil, "nil configuration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := r.Apply(tt.cfg)
			require.ErrorIs(t, err, config.ErrApply)
			assert.Equal(t, []string{tt.want}, mistakes(t, err))
			assert.Same(t, good, r.Current())
			assert.Equal(t, before, routeNames(e.Routes()))
		})
	}
}

// TestReloadUnderLoad swaps configurations continuously while a producer publishes, and checks
// that every event was delivered exactly once to each route of the table in force when it was
// published, and to no other: the table an event went by is recognised by the sinks that got
// it, and must be one of those in force between the start and the end of its publish.
func TestReloadUnderLoad(t *testing.T) {
	const (
		maxEvents = 200_000
		minEvents = 20_000
		minSwaps  = 300
	)
	// Three configurations; each sends every event to its own sinks, through a route "keep"
	// (the same name, worker and lane in all three, a new chain each time), and routes of
	// their own: a broadcast on another worker, an inline filter, a second pipeline.
	variants := [3]struct {
		yaml  string
		sinks []string
	}{
		{`routing: {feed: {MarketData: {routes: [
  {name: keep, type: pipeline, steps: [a_keep]},
  {name: a1, type: pipeline, steps: [a1], worker: 1}]}}}`, []string{"a_keep", "a1"}},
		{`routing: {feed: {MarketData: {routes: [
  {name: keep, type: pipeline, steps: [b_keep]},
  {name: b1, type: broadcast, targets: [b1, b2], worker: 1},
  {name: b3, type: filter, condition: "volume > 0", target: b3, tier: inline}]}}}`, []string{"b_keep", "b1", "b2", "b3"}},
		{`routing: {feed: {MarketData: {routes: [
  {name: keep, type: pipeline, steps: [c_keep]},
  {name: c1, type: pipeline, steps: [c1, c2], worker: 0}]}}}`, []string{"c_keep", "c1", "c2"}},
	}
	// got[sink][id] counts the deliveries of event id to sink.
	got := map[string][]atomic.Uint32{}
	comps := config.NewRegistry()
	for _, v := range variants {
		for _, s := range v.sinks {
			counts := make([]atomic.Uint32, maxEvents+1)
			got[s] = counts
			require.NoError(t, config.AddHandler(comps, s, engine.HandlerFunc[events.MarketData](func(m *events.MarketData) {
				counts[m.ID].Add(1)
			})))
		}
	}
	kinds := events.NewRegistry()
	l := config.Loader{Components: comps, Kinds: kinds}
	var cfgs [3]*config.Config
	for i, v := range variants {
		var err error
		cfgs[i], err = l.Load(fmt.Sprintf("v%d.yaml", i), []byte(v.yaml))
		require.NoError(t, err)
	}
	// bad is refused by the engine while running: it moves "keep" to worker 1.
	bad, err := l.Load("bad.yaml", []byte("routing: {feed: {MarketData: {routes: [{name: keep, type: pipeline, steps: [a_keep], worker: 1}]}}}"))
	require.NoError(t, err)

	e, stop := newEngine(t, engine.Config{Kinds: kinds, Workers: 2, RingSize: 64})
	r := config.NewReloader(e)
	require.NoError(t, r.Apply(cfgs[0])) // version 0
	require.NoError(t, e.Start())

	// started: Applies begun (version k applies cfgs[k%3]); applied: Applies finished.
	var started, applied atomic.Uint64
	var done atomic.Bool
	var refused atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for k := uint64(1); !done.Load(); k++ {
			if k%5 == 0 {
				if err := r.Apply(bad); err == nil {
					t.Error("Apply(bad) succeeded")
					return
				}
				refused.Add(1)
			}
			started.Store(k)
			if err := r.Apply(cfgs[k%3]); err != nil {
				t.Errorf("Apply(version %d): %v", k, err)
				return
			}
			applied.Store(k)
		}
	}()

	feed, err := e.NewProducer("feed")
	require.NoError(t, err)
	lo := make([]uint64, maxEvents+1) // the last version applied before the publish began
	hi := make([]uint64, maxEvents+1) // the last version begun when the publish returned
	n := 0
	for n < maxEvents && (n < minEvents || applied.Load() < minSwaps) {
		n++
		m := events.MarketData{Header: events.Header{ID: uint64(n)}, Symbol: events.MustSymbol("AAPL"), Volume: 1}
		lo[n] = applied.Load()
		if err := engine.Publish(feed, &m); err != nil {
			t.Fatalf("publish %d: %v", n, err)
		}
		hi[n] = started.Load()
	}
	done.Store(true)
	wg.Wait()
	require.NoError(t, feed.Close())
	stop()
	swaps := applied.Load()
	t.Logf("%d events, %d swaps, %d refused reloads", n, swaps, refused.Load())
	require.GreaterOrEqual(t, swaps, uint64(minSwaps), "the swaps must overlap the publishes")

	for id := 1; id <= n; id++ {
		var which []int
		for v, variant := range variants {
			for _, s := range variant.sinks {
				c := got[s][id].Load()
				if c > 1 {
					t.Fatalf("event %d delivered %d times to %s", id, c, s)
				}
				if c == 1 && (len(which) == 0 || which[len(which)-1] != v) {
					which = append(which, v)
				}
			}
		}
		if len(which) != 1 {
			t.Fatalf("event %d went by tables %v, want exactly one", id, which)
		}
		v := which[0]
		for _, s := range variants[v].sinks {
			if got[s][id].Load() != 1 {
				t.Fatalf("event %d went by table %d but did not reach its sink %s", id, v, s)
			}
		}
		ok := false
		for k := lo[id]; k <= hi[id] && !ok; k++ {
			ok = int(k%3) == v
		}
		if !ok {
			t.Fatalf("event %d went by table %d, but the versions in force during its publish were %d..%d", id, v, lo[id], hi[id])
		}
	}
	assert.Same(t, cfgs[swaps%3], r.Current())
}
