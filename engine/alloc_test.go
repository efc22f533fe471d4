package engine

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/events"
)

// TestZeroAllocs: publishing (dedicated and shared, async and inline routes, with a transform
// and a handler's publish on the way) and dispatching allocate nothing, once warm.
func TestZeroAllocs(t *testing.T) {
	cfg := testConfig(2)
	cfg.RingSize = 4096
	cfg.LatencyEvery = 2 // time half the events: stamping and recording allocate nothing either
	e := newTestEngine(t, cfg)
	var n, orders int64
	toOrder := func(s *events.Signal) (events.Order, bool) { return events.Order{Quantity: 1}, true }
	require.NoError(t, e.Register(Route{Name: "async", Source: "s", Worker: 0,
		Target: To(HandlerFunc[events.Signal](func(*events.Signal) { n++ }))}))
	require.NoError(t, e.Register(Route{Name: "emit", Source: "s", Worker: 1,
		Target: To(Transform(toOrder, Emit[events.Order]("risk")))}))
	require.NoError(t, e.Register(Route{Name: "orders", Source: "risk", Worker: 0,
		Target: To(HandlerFunc[events.Order](func(*events.Order) { orders++ }))}))
	require.NoError(t, e.Register(Route{Name: "inline", Source: "i", Tier: Inline(),
		Target: To(Filter(func(s *events.Signal) bool { return s.Strength > 0 }, HandlerFunc[events.Signal](func(*events.Signal) {})))}))
	require.NoError(t, e.Start())
	defer stop(t, e)
	p, err := e.NewProducer("s")
	require.NoError(t, err)
	defer p.Close()
	sh, err := e.Publisher("s")
	require.NoError(t, err)
	in, err := e.NewProducer("i")
	require.NoError(t, err)
	defer in.Close()
	sig := events.Signal{Header: events.Header{Kind: events.KindSignal}, Strength: 1}
	small := struct {
		events.Header
		X int32
	}{Header: events.Header{Kind: events.KindSignal}}
	batch := []events.Raw{events.ToRaw(&sig), events.ToRaw(&sig)}

	for name, f := range map[string]func(){
		"dedicated":      func() { _ = Publish(p, &sig) },
		"shared":         func() { _ = Publish(sh, &sig) },
		"inline":         func() { _ = Publish(in, &sig) },
		"small kind":     func() { _ = Publish(p, &small) },
		"batch":          func() { _ = p.PublishBatch(batch) },
		"raw, no kind":   func() { _ = p.PublishRaw(&events.Raw{}) },
		"typed, no kind": func() { _ = Publish(p, &events.Signal{}) },
	} {
		f() // warm up: lanes, touched lists
		assert.Zero(t, testing.AllocsPerRun(200, f), name)
	}
}

// TestDispatchAllocs: the worker's dispatch of one event allocates nothing.
func TestDispatchAllocs(t *testing.T) {
	e := newTestEngine(t, testConfig(1))
	var sum int64
	require.NoError(t, e.Register(Route{Source: "feed", Target: To(HandlerFunc[events.MarketData](func(m *events.MarketData) { sum += m.Volume }))}))
	require.NoError(t, e.Register(Route{Source: "feed", Target: To(Pipeline(
		Filter(func(m *events.MarketData) bool { return m.Volume > 0 }, Handler[events.MarketData](HandlerFunc[events.MarketData](func(*events.MarketData) {}))),
	))}))
	require.NoError(t, e.Compile())
	src, err := e.Source("feed")
	require.NoError(t, err)
	t0, w := e.table.Load(), e.workers[0]
	ev := new(events.Raw)
	m := md("AAPL", 1, 1)
	*ev = events.ToRaw(&m)
	ev.Source = src
	dispatch := func() {
		for g := t0.cell(ev.Source, ev.Kind).first; g != nil; g = g.next {
			if f := g.leaf; f != nil {
				f(ev)
			} else {
				w.deliver(g, ev, 0)
			}
		}
	}
	dispatch()
	assert.Zero(t, testing.AllocsPerRun(1000, dispatch))
	w.endBatch()
	assert.Positive(t, sum)
}
