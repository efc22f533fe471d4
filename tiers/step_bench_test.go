package tiers_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/engine/metrics"
	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/tiers"
)

// BenchmarkTierStep: what a tier adds to the delivery of one event on the worker (its Step
// around a chain that does nothing; the fast tier's flush included), and, for the reliable
// tier, to its publish (OnPublish while not spilling). No engine, no lanes.
func BenchmarkTierStep(b *testing.B) {
	reg, err := metrics.NewRegistry(metrics.Config{Workers: 1})
	require.NoError(b, err)
	noop := func(*engine.Context, *events.Raw) error { return nil }
	rt, err := tiers.Reliable(tiers.ReliableConfig{Dir: b.TempDir()})
	require.NoError(b, err)
	defer rt.Close()
	ft, err := tiers.Fast(tiers.FastConfig{BatchSize: 64})
	require.NoError(b, err)
	bre, err := tiers.WithCircuitBreaker(tiers.Standard(), tiers.DefaultBreakerConfig())
	require.NoError(b, err)
	for _, tc := range []struct {
		name string
		tier engine.Tier
	}{
		{"reliable", rt}, {"fast", ft}, {"circuit_breaker", bre},
		{"with_error_handling", tiers.WithErrorHandling(tiers.Standard(), nil)},
		{"with_metrics", tiers.WithMetrics(tiers.Standard(), reg)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			m := reg.Route(tc.name)
			if m == nil {
				m, err = reg.AddRoute(tc.name)
				require.NoError(b, err)
			}
			bind, err := tc.tier.Bind(engine.RouteInfo{Name: tc.name, Metrics: m, Clock: testClock()}, noop)
			require.NoError(b, err)
			c, ev := new(engine.Context), new(events.Raw)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if bind.OnPublish != nil {
					bind.OnPublish(c, ev)
				}
				_ = bind.Step(c, ev)
				if bind.EndBatch != nil && i%64 == 63 {
					_ = bind.EndBatch(c)
				}
			}
		})
	}
}
