package engine

import (
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/events"
)

func routeNames(rs []RouteInfo) []string {
	var s []string
	for _, r := range rs {
		s = append(s, r.Name)
	}
	return s
}

func regNames(rs []Route) []string {
	var s []string
	for _, r := range rs {
		s = append(s, r.Name)
	}
	return s
}

func TestReplaceSwapsRoutes(t *testing.T) {
	e := newTestEngine(t, testConfig(2))
	var a, b atomic.Int64
	ta := To(HandlerFunc[events.MarketData](func(*events.MarketData) { a.Add(1) }))
	tb := To(HandlerFunc[events.MarketData](func(*events.MarketData) { b.Add(1) }))
	require.NoError(t, e.Replace(nil, []Route{{Name: "a", Source: "feed", Target: ta}}))
	assert.Equal(t, []string{"a"}, routeNames(e.Routes()), "Replace compiles")
	require.NoError(t, e.Start())
	p, err := e.NewProducer("feed")
	require.NoError(t, err)
	m := md("AAPL", 1, 1)
	require.NoError(t, Publish(p, &m))
	require.NoError(t, e.Replace([]string{"a"}, []Route{{Name: "b", Source: "feed", Target: tb, Worker: 1}}))
	assert.Equal(t, []string{"b"}, routeNames(e.Routes()))
	require.NoError(t, Publish(p, &m))
	require.NoError(t, p.Close())
	stop(t, e)
	assert.Equal(t, int64(1), a.Load())
	assert.Equal(t, int64(1), b.Load())
}

func TestReplaceFailureChangesNothing(t *testing.T) {
	e := newTestEngine(t, testConfig(2))
	h := To(HandlerFunc[events.MarketData](func(*events.MarketData) {}))
	require.NoError(t, e.Replace(nil, []Route{{Name: "a", Source: "feed", Target: h}, {Name: "b", Source: "feed", Target: h}}))
	require.NoError(t, e.Start())
	defer stop(t, e)
	before, regs := e.Routes(), e.Registered()
	tests := []struct {
		name   string
		remove []string
		add    []Route
		want   string
	}{
		{"unknown name", []string{"a", "zz"}, nil, `no route "zz"`},
		{"bad route", []string{"a"}, []Route{{Name: "c", Source: "feed", Target: h}, {Name: "d", Source: "feed", Target: h, Worker: 9}}, "worker 9 out of range"},
		{"duplicate name", nil, []Route{{Name: "b", Source: "feed", Target: h}}, "already registered"},
		{"moves a live route", []string{"a"}, []Route{{Name: "a", Source: "feed", Target: h, Worker: 1}}, "cannot move from worker 0 to 1"},
		{"compile fails", []string{"a"}, []Route{{Name: "a", Source: "feed", Target: To(HandlerFunc[events.MarketData](nil))}}, "nil HandlerFunc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.Replace(tt.remove, tt.add)
			require.ErrorIs(t, err, ErrRoute)
			assert.Contains(t, err.Error(), tt.want)
			assert.Equal(t, routeNames(before), routeNames(e.Routes()), "table unchanged")
			assert.Equal(t, regNames(regs), regNames(e.Registered()), "registrations unchanged")
		})
	}
}

func TestTransformOf(t *testing.T) {
	e := newTestEngine(t, testConfig(1))
	var raw, typed atomic.Int64
	var qty atomic.Int64
	next, err := PipelineOf(
		RawFunc("count", func(r *events.Raw) {
			if r.Kind == events.KindOrder {
				raw.Add(1)
			}
		}),
		To(HandlerFunc[events.Order](func(o *events.Order) { typed.Add(1); qty.Add(o.Quantity) })),
	)
	require.NoError(t, err)
	toOrder := func(s *events.Signal) (events.Order, bool) {
		return events.Order{Symbol: s.Symbol, Quantity: 7}, s.Strength > 0.5
	}
	tr, err := TransformOf(toOrder, next)
	require.NoError(t, err)
	assert.Equal(t, "transform(Signal->Order, pipeline(count, func(*Order)))", tr.String())
	assert.Equal(t, "Signal", tr.Type().Name())
	require.NoError(t, e.Register(Route{Source: "strategy", Target: tr, Tier: Inline()}))
	require.NoError(t, e.Start())
	p, err := e.NewProducer("strategy")
	require.NoError(t, err)
	for _, s := range []float64{0.9, 0.1, 0.7} {
		sig := events.Signal{Symbol: events.MustSymbol("AAPL"), Strength: s}
		require.NoError(t, Publish(p, &sig))
	}
	require.NoError(t, p.Close())
	stop(t, e)
	assert.Equal(t, int64(2), raw.Load())
	assert.Equal(t, int64(2), typed.Load())
	assert.Equal(t, int64(14), qty.Load())
	assert.Panics(t, func() {
		Transform(toOrder, Handler[events.Order](targetHandler[events.Order]{next.s})).Receive(&events.Signal{Strength: 1})
	})

	_, err = TransformOf(toOrder, To(HandlerFunc[events.Signal](func(*events.Signal) {})))
	require.ErrorIs(t, err, ErrRoute)
	assert.Contains(t, err.Error(), "takes events.Signal, the transform produces events.Order")
	_, err = TransformOf(toOrder, Target{})
	require.ErrorIs(t, err, ErrRoute)
	_, err = TransformOf[events.Signal, events.Order](nil, next)
	require.ErrorIs(t, err, ErrRoute)
}
