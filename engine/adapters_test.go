package engine

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/events"
)

// trace is a handler that writes what it sees into a shared log.
func trace(log *[]string, name string) Handler[events.Signal] {
	return HandlerFunc[events.Signal](func(s *events.Signal) {
		*log = append(*log, fmt.Sprintf("%s:%d", name, s.ID))
	})
}

func TestAdaptersStandalone(t *testing.T) {
	strong := func(s *events.Signal) bool { return s.Strength > 0.5 }
	tests := []struct {
		name string
		h    func(log *[]string) Handler[events.Signal]
		want string
	}{
		{"pipeline of none", func(*[]string) Handler[events.Signal] { return Pipeline[events.Signal]() }, ""},
		{"pipeline of one is the handler", func(l *[]string) Handler[events.Signal] { return Pipeline(trace(l, "a")) }, "a:1 a:2"},
		{"pipeline in order", func(l *[]string) Handler[events.Signal] {
			return Pipeline(trace(l, "a"), trace(l, "b"))
		}, "a:1 b:1 a:2 b:2"},
		{"broadcast", func(l *[]string) Handler[events.Signal] {
			return Broadcast(trace(l, "a"), trace(l, "b"), trace(l, "c"))
		}, "a:1 b:1 c:1 a:2 b:2 c:2"},
		{"filter", func(l *[]string) Handler[events.Signal] { return Filter(strong, trace(l, "s")) }, "s:2"},
		{"transform", func(l *[]string) Handler[events.Signal] {
			return Transform(func(s *events.Signal) (events.Signal, bool) {
				return events.Signal{Header: events.Header{ID: s.ID * 10}}, s.ID == 2
			}, trace(l, "t"))
		}, "t:20"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log []string
			h := tt.h(&log)
			for i, st := range []float64{0.2, 0.9} {
				h.Receive(&events.Signal{Header: events.Header{ID: uint64(i + 1)}, Strength: st})
			}
			assert.Equal(t, tt.want, strings.Join(log, " "), "%s: got %v", tt.name, log)
		})
	}
}

func TestAdaptersCollapse(t *testing.T) {
	h := trace(new([]string), "a")
	assert.IsType(t, nop[events.Signal]{}, Pipeline[events.Signal]())
	assert.IsType(t, nop[events.Signal]{}, Broadcast[events.Signal]())
	assert.IsType(t, h, Pipeline(h), "a pipeline of one is that handler")
	assert.IsType(t, h, Broadcast(h), "a broadcast of one is that handler")
}

func TestEmitOutsideEnginePanics(t *testing.T) {
	assert.PanicsWithValue(t, "engine: Emit(x) called outside an engine", func() {
		Emit[events.Signal]("x").Receive(&events.Signal{})
	})
}

// TestAdaptersCompiled runs chains inside an engine (inline routes, so the output is in order)
// and checks the engine's own work: kinds and sources of transformed events, flattened
// descriptions.
func TestAdaptersCompiled(t *testing.T) {
	e := newTestEngine(t, testConfig(1))
	var got []string
	rec := func(name string) Handler[events.Order] {
		return HandlerFunc[events.Order](func(o *events.Order) {
			got = append(got, fmt.Sprintf("%s:%s/%d/k%d/s%s", name, o.Symbol, o.Quantity, o.Kind, e.SourceName(o.Source)))
		})
	}
	toOrder := func(s *events.Signal) (events.Order, bool) {
		return events.Order{Symbol: s.Symbol, Quantity: int64(s.Strength * 100)}, s.Action != events.ActionHold
	}
	chain := Pipeline(
		Filter(func(s *events.Signal) bool { return s.Symbol == events.MustSymbol("AAPL") },
			Transform(toOrder, Broadcast(rec("a"), rec("b")))),
		Pipeline(Transform(toOrder, rec("c"))),
	)
	require.NoError(t, e.Register(Route{Name: "r", Source: "strategy", Target: To(chain), Tier: Inline()}))
	require.NoError(t, e.Start())
	defer stop(t, e)
	p, err := e.NewProducer("strategy")
	require.NoError(t, err)
	for _, s := range []events.Signal{
		{Symbol: events.MustSymbol("AAPL"), Action: events.ActionBuy, Strength: 0.5},
		{Symbol: events.MustSymbol("MSFT"), Action: events.ActionSell, Strength: 0.25},
		{Symbol: events.MustSymbol("AAPL"), Action: events.ActionHold, Strength: 0.75},
	} {
		require.NoError(t, Publish(p, &s))
	}
	assert.Equal(t, []string{
		"a:AAPL/50/k3/sstrategy", "b:AAPL/50/k3/sstrategy", "c:AAPL/50/k3/sstrategy",
		"c:MSFT/25/k3/sstrategy",
	}, got)
	rs := e.Routes()
	require.Len(t, rs, 1)
	assert.Equal(t, "pipeline(filter(func(*Signal) bool, transform(Signal->Order, broadcast(func(*Order), func(*Order)))), transform(Signal->Order, func(*Order)))", rs[0].Chain)
	assert.Equal(t, RouteInfo{Name: "r", Source: "strategy", Kind: "Signal", SourceID: 1, KindID: events.KindSignal,
		Tier: "inline", Worker: -1, Policy: "block", Chain: rs[0].Chain, Metrics: rs[0].Metrics}, rs[0])
	require.NoError(t, p.Close())
}

func TestErasedAdapters(t *testing.T) {
	var n int
	sig := To(HandlerFunc[events.Signal](func(*events.Signal) { n++ }))
	ord := To(HandlerFunc[events.Order](func(*events.Order) {}))
	raw := RawFunc("raw", func(*events.Raw) { n += 10 })

	_, err := PipelineOf(sig, ord)
	require.ErrorIs(t, err, ErrRoute)
	assert.Contains(t, err.Error(), "takes events.Order")
	_, err = BroadcastOf(sig, Target{})
	require.ErrorIs(t, err, ErrRoute)

	p, err := PipelineOf(raw, sig, FilterOf("id > 1", func(r *events.Raw) bool { return r.ID > 1 }, raw))
	require.NoError(t, err)
	assert.Equal(t, "pipeline(raw, func(*Signal), filter(id > 1, raw))", p.String())
	assert.Equal(t, sig.Type(), p.Type())
	one, err := BroadcastOf(sig)
	require.NoError(t, err)
	assert.Equal(t, sig.String(), one.String())

	e := newTestEngine(t, testConfig(1))
	require.NoError(t, e.Register(Route{Name: "p", Source: "s", Target: p, Tier: Inline()}))
	require.NoError(t, e.Register(Route{Name: "any", Source: "s", Kind: "Order", Target: raw, Tier: Inline()}))
	err = e.Register(Route{Name: "nokind", Source: "s", Target: raw})
	require.ErrorIs(t, err, ErrRoute)
	require.NoError(t, e.Start())
	defer stop(t, e)
	pr, err := e.Publisher("s")
	require.NoError(t, err)
	for id := uint64(1); id <= 2; id++ {
		require.NoError(t, Publish(pr, &events.Signal{Header: events.Header{ID: id}}))
	}
	require.NoError(t, Publish(pr, &events.Order{}))
	assert.Equal(t, (10+1)*2+10+10, n)
}

func TestRegisterErrors(t *testing.T) {
	e := newTestEngine(t, testConfig(2))
	sig := To(HandlerFunc[events.Signal](func(*events.Signal) {}))
	require.NoError(t, e.Register(Route{Name: "taken", Source: "s", Target: sig}))
	type unregistered struct{ events.Header }
	tests := []struct {
		name string
		r    Route
		want string
	}{
		{"no target", Route{Source: "s"}, "no target"},
		{"no source", Route{Target: sig}, "empty source name"},
		{"unknown kind", Route{Source: "s", Kind: "Quote", Target: sig}, `unknown kind "Quote"`},
		{"kind disagrees", Route{Source: "s", Kind: "Order", Target: sig}, `kind "Order" but the target takes events.Signal`},
		{"unregistered type", Route{Source: "s", Target: To(HandlerFunc[unregistered](func(*unregistered) {}))}, "not a registered kind"},
		{"worker out of range", Route{Source: "s", Target: sig, Worker: 2}, "worker 2 out of range 0..1"},
		{"bad policy", Route{Source: "s", Target: sig, Overflow: 9}, "invalid overflow policy 9"},
		{"duplicate name", Route{Name: "taken", Source: "s", Target: sig}, "name already registered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.Register(tt.r)
			require.ErrorIs(t, err, ErrRoute)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	require.NoError(t, e.Register(Route{Source: "s", Target: sig, Worker: 1}))
	names := []string{}
	for _, r := range e.Registered() {
		names = append(names, r.Name)
	}
	assert.Equal(t, []string{"taken", "s/Signal/2"}, names)
	require.ErrorIs(t, e.Unregister("nope"), ErrRoute)
	require.NoError(t, e.Unregister("taken"))

	// Chains that fail to build fail Compile, naming the route.
	require.NoError(t, e.Register(Route{Name: "nilfilter", Source: "s", Target: To(Filter[events.Signal](nil, nop[events.Signal]{}))}))
	err := e.Compile()
	require.ErrorIs(t, err, ErrRoute)
	assert.Contains(t, err.Error(), `route "nilfilter": Filter condition is nil`)
	assert.Nil(t, e.Routes(), "a failed Compile leaves no table")
}

func TestChainErrorsAreCounted(t *testing.T) {
	var reported []error
	cfg := testConfig(1)
	cfg.OnError = func(err error) { reported = append(reported, err) }
	cfg.RingSize = 2
	e := newTestEngine(t, cfg)
	gate := make(chan struct{})
	// The "slow" route blocks its worker; the "emit" route, inline, publishes into the slow
	// route's full lane with Fail: the publish's ErrFull is the inline chain's error.
	require.NoError(t, e.Register(Route{Name: "slow", Source: "b", Target: To(HandlerFunc[events.Order](func(*events.Order) { <-gate })), Overflow: Fail}))
	require.NoError(t, e.Register(Route{Name: "emit", Source: "a", Target: To(Emit[events.Order]("b")), Tier: Inline()}))
	require.NoError(t, e.Start())
	p, err := e.NewProducer("a")
	require.NoError(t, err)
	var errs []error
	for range 4 {
		errs = append(errs, Publish(p, &events.Order{}))
	}
	close(gate)
	require.NoError(t, p.Close())
	stop(t, e)
	assert.Equal(t, []error{nil, nil, ErrFull, ErrFull}, errs)
	c, _ := e.Counts("emit")
	assert.Equal(t, uint64(4), c.Published)
	assert.Equal(t, uint64(2), c.Delivered)
	assert.Equal(t, uint64(2), c.Dropped)
	c, _ = e.Counts("slow")
	assert.Equal(t, uint64(4), c.Published)
	assert.Equal(t, uint64(2), c.Delivered)
	assert.Equal(t, uint64(2), c.Dropped)
	assert.Empty(t, reported, "inline errors go to the publisher, not the hook")
	assert.True(t, errors.Is(errs[2], ErrFull))
}
