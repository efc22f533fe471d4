package engine

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/events"
)

// TestSwapUnderLoad swaps, while producers publish flat out, between a table whose only route
// for the feed is "A" (worker 0) and one whose only route is "B" (worker 1). Each event is
// routed against exactly one table, so it must reach exactly one of A and B: any loss or
// duplication across a swap shows up as an ID in neither or in both. Each producer's IDs must
// also arrive in order at each route.
func TestSwapUnderLoad(t *testing.T) {
	const producers, perProducer = 3, 20000
	cfg := testConfig(2)
	cfg.RingSize = 256
	e := newTestEngine(t, cfg)
	a, b := &collector[events.MarketData]{}, &collector[events.MarketData]{}
	routeA := Route{Name: "A", Source: "feed", Target: To[events.MarketData](a), Worker: 0}
	routeB := Route{Name: "B", Source: "feed", Target: To[events.MarketData](b), Worker: 1}
	require.NoError(t, e.Register(routeA))
	require.NoError(t, e.Start())

	var wg sync.WaitGroup
	var running atomic.Int32
	running.Store(producers)
	for p := range producers {
		pr, err := e.NewProducer("feed")
		if p == producers-1 { // one shared publisher among the dedicated ones
			pr, err = e.Publisher("feed")
		}
		require.NoError(t, err)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer running.Add(-1)
			for i := 1; i <= perProducer; i++ {
				m := md("AAPL", 100, uint64(p)<<32|uint64(i))
				if err := Publish(pr, &m); err != nil {
					t.Error(err)
					return
				}
			}
			_ = pr.Close()
		}()
	}
	swaps := 0
	for cur := "A"; running.Load() > 0; swaps++ {
		next := routeB
		if cur == "B" {
			next = routeA
		}
		require.NoError(t, e.Unregister(cur))
		require.NoError(t, e.Register(next))
		require.NoError(t, e.Compile())
		cur = next.Name
	}
	wg.Wait()
	stop(t, e)
	t.Logf("%d swaps; A got %d events, B %d", swaps, len(a.events()), len(b.events()))

	seen := map[uint64]string{}
	for _, c := range []struct {
		name string
		evs  []events.MarketData
	}{{"A", a.events()}, {"B", b.events()}} {
		last := map[uint64]uint64{}
		for _, ev := range c.evs {
			id := ev.ID
			if other, dup := seen[id]; dup {
				t.Fatalf("event %x delivered to %s and %s", id, other, c.name)
			}
			seen[id] = c.name
			p, n := id>>32, id&0xFFFFFFFF
			require.Greater(t, n, last[p], "producer %d's events out of order at %s", p, c.name)
			last[p] = n
		}
	}
	assert.Len(t, seen, producers*perProducer, "every event reached A or B")
	assert.Zero(t, e.Unrouted())
}

// TestSwapKeepsRoutesInPlace: while running, a route keeps its worker and its lane.
func TestSwapKeepsRoutesInPlace(t *testing.T) {
	e := newTestEngine(t, testConfig(2))
	h := To(HandlerFunc[events.Signal](func(*events.Signal) {}))
	require.NoError(t, e.Register(Route{Name: "r", Source: "s", Target: h, Worker: 0}))
	require.NoError(t, e.Start())
	defer stop(t, e)
	for _, moved := range []Route{
		{Name: "r", Source: "s", Target: h, Worker: 1},
		{Name: "r", Source: "s", Target: h, Worker: 0, Overflow: DropOldest},
	} {
		require.NoError(t, e.Unregister("r"))
		require.NoError(t, e.Register(moved))
		err := e.Compile()
		require.ErrorIs(t, err, ErrRoute)
		assert.Contains(t, err.Error(), "while running")
	}
	require.NoError(t, e.Unregister("r"))
	require.NoError(t, e.Register(Route{Name: "r", Source: "s", Target: h, Worker: 0, Overflow: Fail}))
	require.NoError(t, e.Compile(), "changing the policy within the normal lane is fine")
	assert.Equal(t, "fail", e.Routes()[0].Policy)
}
