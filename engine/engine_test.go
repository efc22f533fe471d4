package engine

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/events"
)

func TestAsyncRouteDeliversInOrder(t *testing.T) {
	for _, workers := range []int{1, 2} {
		e := newTestEngine(t, testConfig(workers))
		var c collector[events.MarketData]
		require.NoError(t, e.Register(Route{Name: "md", Source: "feed", Target: To[events.MarketData](&c), Worker: workers - 1}))
		require.NoError(t, e.Start())
		p, err := e.NewProducer("feed")
		require.NoError(t, err)
		const n = 5000
		for i := range n {
			ev := md("AAPL", 100, uint64(i+1))
			require.NoError(t, Publish(p, &ev))
		}
		require.NoError(t, p.Close())
		stop(t, e)
		got := c.events()
		require.Len(t, got, n)
		for i, ev := range got {
			assert.Equal(t, uint64(i+1), ev.ID)
		}
		cnt, ok := e.Counts("md")
		require.True(t, ok)
		assert.Equal(t, uint64(n), cnt.Published)
		assert.Equal(t, uint64(n), cnt.Delivered)
	}
}

// TestLatencyRecorded: timed events' publish-to-handler latency lands in the route's histogram,
// from dedicated producers every LatencyEvery-th event and from shared ones with LatencyEvery 1;
// handlers never see the engine's flags.
func TestLatencyRecorded(t *testing.T) {
	for _, tc := range []struct {
		every  int
		shared bool
		want   int64
	}{{1, false, 100}, {10, false, 10}, {-1, false, 0}, {1, true, 100}, {10, true, 0}} {
		cfg := testConfig(1)
		cfg.LatencyEvery = tc.every
		e := newTestEngine(t, cfg)
		var flags uint32
		require.NoError(t, e.Register(Route{Name: "r", Source: "s", Target: To(HandlerFunc[events.Order](func(o *events.Order) {
			flags |= o.Flags
		}))}))
		require.NoError(t, e.Start())
		p, err := e.NewProducer("s")
		if tc.shared {
			p, err = e.Publisher("s")
		}
		require.NoError(t, err)
		for range 100 {
			require.NoError(t, Publish(p, &events.Order{Header: events.Header{Flags: 7}}))
		}
		require.NoError(t, p.Close())
		stop(t, e)
		rep := e.Metrics().Snapshot()
		require.Len(t, rep.Routes, 1)
		assert.Equal(t, tc.want, rep.Routes[0].Total.Count, "every %d, shared %v", tc.every, tc.shared)
		assert.Equal(t, uint32(7), flags, "the application's flags pass, the engine's do not show")
	}
}
