package demo_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/engine/config"
	"github.com/hotpath-go/hotpath/engine/config/demo"
	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

func TestRegisterThePlanNames(t *testing.T) {
	r := config.NewRegistry()
	require.NoError(t, demo.New().Register(r))
	assert.Equal(t, []string{"aggressive_risk", "analyzer", "conservative_risk", "execution", "executor", "indicators",
		"logger", "market_to_signal", "signal_to_order", "strategies", "transformer", "validation"}, r.Names())
	assert.Error(t, demo.New().Register(r), "the names are taken")
	kinds := map[string]string{}
	for _, n := range r.Names() {
		c, _ := r.Lookup(n)
		in := "any"
		if c.In != nil {
			in = c.In.Name()
		}
		if c.Transformer() {
			in += "->" + c.Out.Name()
		}
		kinds[n] = in
	}
	assert.Equal(t, map[string]string{
		"indicators": "MarketData", "strategies": "MarketData", "aggressive_risk": "Signal", "conservative_risk": "Signal",
		"validation": "Order", "execution": "Order", "logger": "any", "analyzer": "any", "transformer": "Signal->Order",
		"executor": "Order", "market_to_signal": "MarketData->Signal", "signal_to_order": "Signal->Order",
	}, kinds)
}

func TestStrategyAndRisk(t *testing.T) {
	tests := []struct {
		price    float64
		action   events.Action
		strength float64
	}{
		{100.85, events.ActionBuy, 0.85},
		{99.25, events.ActionSell, 0.25},
		{100, events.ActionSell, 0},
	}
	for _, tt := range tests {
		m := events.MarketData{Header: events.Header{ID: 7, TS: 42}, Symbol: events.MustSymbol("AAPL"), Price: events.PriceFromFloat(tt.price)}
		s, ok := demo.ToSignal(&m)
		require.True(t, ok)
		assert.Equal(t, tt.action, s.Action, "ToSignal(%v)", tt.price)
		assert.InDelta(t, tt.strength, s.Strength, 1e-9, "ToSignal(%v)", tt.price)
		assert.Equal(t, uint64(7), s.Ref)
		assert.Equal(t, int64(42), s.TS, "the time stamp travels")
		o, ok := demo.ToOrder(10)(&s)
		require.True(t, ok)
		assert.Equal(t, int64(10), o.Quantity)
		assert.Equal(t, int64(42), o.TS)
	}
	_, ok := demo.ToOrder(10)(&events.Signal{Action: events.ActionHold})
	assert.False(t, ok, "HOLD makes no order")
}

func TestTiers(t *testing.T) {
	ts := demo.Tiers()
	defer func() { require.NoError(t, ts.Close()) }()
	assert.Equal(t, []string{"fast", "inline", "reliable", "standard"}, ts.Names())
	for _, n := range []string{"fast", "reliable"} {
		s, ok := ts.Lookup(n)
		require.True(t, ok)
		tier, err := s.New(config.RouteOptions{Name: n})
		require.NoError(t, err)
		assert.Equal(t, n, tier.Name())
		assert.False(t, tier.Inline())
	}
	s, _ := ts.Lookup("reliable")
	assert.Contains(t, s.Note, "in memory", "the demo's reliable logs are not on disk, and the listing says so")
}

// The plan's flow with the demo components: a MarketData becomes a Signal and an Order.
func ExampleComponents_Register() {
	comps := config.NewRegistry()
	d := demo.New()
	d.OnOrder = func(o *events.Order) { fmt.Println("executed", o.Side, o.Quantity, o.Symbol) }
	_ = d.Register(comps)
	kinds := events.NewRegistry()
	l := config.Loader{Components: comps, Kinds: kinds, Tiers: demo.Tiers()}
	cfg, err := l.Load("trading.yaml", []byte(`
routing:
  data_source: {MarketData: {tier: inline, routes: [{type: pipeline, steps: [indicators, strategies]}]}}
  strategy:
    Signal:
      tier: inline
      routes:
        - {type: filter, condition: "strength > 0.7", target: aggressive_risk}
        - {type: filter, condition: "strength <= 0.7", target: conservative_risk}
  risk: {Order: {tier: inline, routes: [{type: pipeline, steps: [validation, execution]}]}}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	e, _ := engine.New(engine.Config{Kinds: kinds})
	_ = config.NewReloader(e).Apply(cfg)
	_ = e.Start()
	feed, _ := e.NewProducer("data_source")
	for _, price := range []float64{100.85, 99.25} {
		m := events.MarketData{Symbol: events.MustSymbol("AAPL"), Price: events.PriceFromFloat(price)}
		_ = engine.Publish(feed, &m)
	}
	_ = feed.Close()
	_ = e.Stop(context.Background())
	fmt.Println(d.Counts.Aggressive.Load(), d.Counts.Conservative.Load(), d.Counts.Validated.Load())
	// Output:
	// executed BUY 100 AAPL
	// executed SELL 10 AAPL
	// 1 1 2
}

func ExampleTiers() {
	t := demo.Tiers()
	s, _ := t.Lookup("reliable")
	fmt.Println(t.Names())
	fmt.Println(s.Note)
	// Output:
	// [fast inline reliable standard]
	// logs in memory: not crash-safe (give the program a directory for durable logs)
}

func ExampleStrength() {
	fmt.Println(demo.Strength(events.PriceFromFloat(100.75)))
	// Output:
	// 0.75
}

func ExampleToSignal() {
	m := events.MarketData{Symbol: events.MustSymbol("MSFT"), Price: events.PriceFromFloat(101.9)}
	s, _ := demo.ToSignal(&m)
	fmt.Println(s.Symbol, s.Action, s.Strength > 0.7)
	// Output:
	// MSFT BUY true
}

func ExampleToOrder() {
	o, ok := demo.ToOrder(demo.ConservativeQuantity)(&events.Signal{Symbol: events.MustSymbol("MSFT"), Action: events.ActionSell})
	fmt.Println(o.Side, o.Quantity, ok)
	// Output:
	// SELL 10 true
}

func ExampleNew() {
	d := demo.New()
	fmt.Println(d.Counts.Executed.Load())
	// Output:
	// 0
}
