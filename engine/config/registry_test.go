package config_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/engine/config"
	"github.com/hotpath-go/hotpath/events"
)

func TestRegistryAdd(t *testing.T) {
	r := config.NewRegistry()
	h := engine.HandlerFunc[events.Order](func(*events.Order) {})
	fn := func(*events.Signal) (events.Order, bool) { return events.Order{}, true }
	require.NoError(t, config.AddHandler(r, "exec", h))
	tests := []struct {
		name string
		add  func() error
		want string
	}{
		{"empty name", func() error { return config.AddHandler(r, "", h) }, "config: invalid component: empty name"},
		{"taken", func() error { return config.AddTransformer(r, "exec", fn) }, `config: invalid component: "exec" is already registered`},
		{"nil handler", func() error { return config.AddHandler[events.Order](r, "x", nil) }, `config: invalid component: "x": nil handler`},
		{"nil function", func() error { return config.AddTransformer[events.Signal, events.Order](r, "y", nil) }, `config: invalid component: "y": nil function`},
		{"empty target", func() error { return r.AddContainer("z", engine.Target{}) }, `config: invalid component: "z": empty target`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.add()
			require.ErrorIs(t, err, config.ErrRegistry)
			assert.EqualError(t, err, tt.want)
		})
	}
	assert.Equal(t, []string{"exec"}, r.Names())
	_, ok := r.Lookup("nope")
	assert.False(t, ok)
	var nilReg *config.Registry
	_, ok = nilReg.Lookup("exec")
	assert.False(t, ok)
	assert.Empty(t, nilReg.Names())
}

func TestTiersRegister(t *testing.T) {
	ts := config.NewTiers()
	assert.Error(t, ts.Register(config.TierSpec{Name: "x"}), "no New")
	assert.Error(t, ts.Register(config.TierSpec{New: func(config.RouteOptions) (engine.Tier, error) { return engine.Inline(), nil }}), "no name")
	// A program may replace standard with its own.
	var got config.RouteOptions
	require.NoError(t, ts.Register(config.TierSpec{Name: "standard", Knobs: config.KnobWorker,
		New: func(o config.RouteOptions) (engine.Tier, error) { got = o; return engine.Standard(), nil }}))
	l, _ := demoLoader(t)
	l.Tiers = ts
	_, err := l.Load("t.yaml", []byte("routing: {feed: {MarketData: {routes: [{type: pipeline, steps: [indicators], worker: 3}]}}}\n"))
	require.NoError(t, err)
	assert.Equal(t, config.RouteOptions{Name: "feed/MarketData/1", Source: "feed", Kind: "MarketData", Tier: "standard", Worker: 3,
		BatchSize: config.DefaultBatchSize, MaxWait: config.DefaultMaxWait, Retry: got.Retry}, got)
	_, err = l.Load("t.yaml", []byte("routing: {feed: {MarketData: {routes: [{type: pipeline, steps: [indicators], overflow: fail}]}}}\n"))
	assert.Equal(t, []string{"t.yaml:1:88: routing.feed.MarketData.routes[0].overflow: overflow does not apply to tier standard (no registered tier uses it)"}, mistakes(t, err))
}

// TestTierConstructorError: a tier's New refusing a route is a mistake in the file.
func TestTierConstructorError(t *testing.T) {
	l, _ := demoLoader(t)
	require.NoError(t, l.Tiers.Register(config.TierSpec{Name: "picky", Knobs: config.KnobBatch,
		New: func(o config.RouteOptions) (engine.Tier, error) {
			if o.BatchSize > 100 {
				return nil, assert.AnError
			}
			return engine.Standard(), nil
		}}))
	_, err := l.Load("t.yaml", []byte("routing:\n  feed:\n    MarketData:\n      tier: picky\n      routes: [{type: pipeline, steps: [indicators]}]\n"))
	assert.Equal(t, []string{"t.yaml:4:13: routing.feed.MarketData.routes[0]: tier picky refused the route: " + assert.AnError.Error()}, mistakes(t, err))
	assert.ErrorIs(t, err, config.ErrSetting)
}
