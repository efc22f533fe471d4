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
