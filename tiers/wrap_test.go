package tiers_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/engine/metrics"
	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/tiers"
)

// TestWithErrorHandling: the hook sees every failed delivery with the route and the event's ID;
// returning nil swallows it (the engine counts the event delivered), returning an error fails
// it (the engine counts and reports it too). The wrapper counts failures on the route either way.
func TestWithErrorHandling(t *testing.T) {
	errOdd := errors.New("odd")
	h := engine.Fallible(func(o *events.Order) error {
		switch {
		case o.ID == 2:
			panic("two")
		case o.ID%2 == 1:
			return errOdd
		}
		return nil
	})
	for _, swallow := range []bool{true, false} {
		var mu sync.Mutex
		var seen []*engine.DeliveryError
		var engineSaw atomic.Int64
		tier := tiers.WithErrorHandling(tiers.Standard(), func(de *engine.DeliveryError) error {
			mu.Lock()
			seen = append(seen, de)
			mu.Unlock()
			if swallow {
				return nil
			}
			return de
		})
		assert.Equal(t, "with_error_handling(standard)", tier.Name())
		cfg := testConfig(1)
		cfg.OnError = func(error) { engineSaw.Add(1) }
		e := newEngine(t, cfg, engine.Route{Name: "r", Source: "s", Tier: tier, Target: engine.To(h)})
		p, err := e.NewProducer("s")
		require.NoError(t, err)
		publishN(t, p, 1, 4)
		require.NoError(t, p.Close())
		stop(t, e)
		require.Len(t, seen, 3)
		assert.Equal(t, "r", seen[0].Route)
		assert.Equal(t, uint64(1), seen[0].EventID)
		assert.ErrorIs(t, seen[0], errOdd)
		assert.Equal(t, "two", seen[1].Panic)
		assert.ErrorIs(t, seen[1], engine.ErrPanic)
		c := counts(t, e, "r")
		if swallow {
			assert.Zero(t, engineSaw.Load())
			assert.Equal(t, uint64(4), c.Delivered)
			assert.Equal(t, uint64(2), c.Dropped, "counted by the wrapper")
		} else {
			assert.Equal(t, int64(3), engineSaw.Load())
			assert.Equal(t, uint64(1), c.Delivered)
		}
		assert.Equal(t, uint64(1), c.Panics)
	}
}

// TestWithCircuitBreaker drives a route's breaker through closed, open, half-open and closed
// again, and checks each state in the route's circuit gauge.
func TestWithCircuitBreaker(t *testing.T) {
	var down atomic.Bool
	var delivered atomic.Int64
	tier, err := tiers.WithCircuitBreaker(tiers.Standard(), tiers.BreakerConfig{FailureThreshold: 2, OpenDuration: 20 * time.Millisecond, HalfOpenProbes: 2})
	require.NoError(t, err)
	assert.Equal(t, "circuit_breaker(standard)", tier.Name())
	reg, err := metrics.NewRegistry(metrics.Config{Workers: 1})
	require.NoError(t, err)
	m, err := reg.AddRoute("r")
	require.NoError(t, err)
	next := func(*engine.Context, *events.Raw) error {
		if down.Load() {
			return errors.New("down")
		}
		delivered.Add(1)
		return nil
	}
	b, err := tier.Bind(engine.RouteInfo{Name: "r", Worker: 0, Metrics: m, Clock: testClock()}, next)
	require.NoError(t, err)
	c, ev := new(engine.Context), new(events.Raw)
	gauge := m.Counters(0)
	state := func() tiers.CircuitState { s, _ := tiers.CircuitOf(tier, "r"); return s }

	require.NoError(t, b.Step(c, ev))
	down.Store(true)
	assert.Error(t, b.Step(c, ev))
	assert.Equal(t, metrics.CircuitClosed, gauge.Circuit())
	assert.Error(t, b.Step(c, ev))
	assert.Equal(t, metrics.CircuitOpen, gauge.Circuit(), "two failures in a row open it")
	assert.ErrorIs(t, b.Step(c, ev), tiers.ErrCircuitOpen)
	down.Store(false)
	require.Eventually(t, func() bool { return b.Step(c, ev) == nil }, 10*time.Second, time.Millisecond,
		"after OpenDuration a probe goes through")
	assert.Equal(t, metrics.CircuitHalfOpen, gauge.Circuit(), "one probe of two succeeded")
	assert.Equal(t, tiers.CircuitHalfOpen, state())
	require.NoError(t, b.Step(c, ev))
	assert.Equal(t, metrics.CircuitClosed, gauge.Circuit())
	assert.Equal(t, int64(3), delivered.Load())

	_, err = tier.Bind(engine.RouteInfo{Name: "i", Worker: -1}, next)
	assert.Error(t, err, "a breaker needs a worker")
	_, ok := tiers.CircuitOf(tiers.Standard(), "r")
	assert.False(t, ok)
	_, err = tiers.WithCircuitBreaker(tiers.Standard(), tiers.BreakerConfig{})
	assert.ErrorIs(t, err, tiers.ErrBreakerConfig)
}

// TestWithMetrics: the chain's service time and outcome are recorded under "<route>:handler".
func TestWithMetrics(t *testing.T) {
	cfg := testConfig(1)
	reg, err := metrics.NewRegistry(metrics.Config{Workers: 1})
	require.NoError(t, err)
	cfg.Metrics = reg
	h := engine.Fallible(func(o *events.Order) error {
		if o.ID == 3 {
			return errors.New("three")
		}
		return nil
	})
	tier := tiers.WithMetrics(tiers.Standard(), reg)
	assert.Equal(t, "with_metrics(standard)", tier.Name())
	e := newEngine(t, cfg, engine.Route{Name: "r", Source: "s", Tier: tier, Target: engine.To(h)})
	p, err := e.NewProducer("s")
	require.NoError(t, err)
	publishN(t, p, 1, 5)
	require.NoError(t, p.Close())
	stop(t, e)
	m := reg.Route("r" + tiers.HandlerSuffix)
	require.NotNil(t, m)
	cs := m.Counters(0).Snapshot()
	assert.Equal(t, uint64(4), cs.Delivered)
	assert.Equal(t, uint64(1), cs.Dropped)
	assert.Equal(t, int64(5), m.Recorder(0).Cumulative().TotalCount())

	for _, r := range []engine.RouteInfo{{Name: "i", Worker: -1}, {Name: "w", Worker: 3}} {
		_, err := tier.Bind(r, nil)
		assert.Error(t, err, r.Name)
	}
	_, err = tiers.WithMetrics(tiers.Standard(), nil).Bind(engine.RouteInfo{Name: "n"}, nil)
	assert.Error(t, err)
}

// TestWrappersCompose: wrappers stack around any tier, the reliable one included: the error hook
// sees each failed attempt and lets the reliable tier retry it.
func TestWrappersCompose(t *testing.T) {
	rt := memReliable(t, tiers.ReliableConfig{Retry: fastRetry(3)})
	var attempts atomic.Int64
	tier := tiers.WithErrorHandling(rt, func(de *engine.DeliveryError) error {
		attempts.Add(1)
		return de
	})
	f := newFlaky(2)
	e := newEngine(t, testConfig(1), engine.Route{Name: "r", Source: "s", Tier: tier, Target: engine.To(engine.Fallible(f.handle))})
	p, err := e.NewProducer("s")
	require.NoError(t, err)
	publishN(t, p, 1, 5)
	f.rec.waitFor(t, 5, 20*time.Second)
	require.NoError(t, p.Close())
	stop(t, e)
	assert.Equal(t, int64(10), attempts.Load(), "two failed attempts per event")
	assert.Equal(t, "with_error_handling(reliable)", e.Routes()[0].Tier)
}
