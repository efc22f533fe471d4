package engine

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/engine/metrics"
	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/ring"
)

// testClock is shared by the tests: calibrating a TSC clock takes milliseconds.
var testClock = sync.OnceValue(func() *metrics.Clock { return metrics.NewClock(metrics.ClockMonotonic) })

// testConfig is a small engine for tests: short rings, parking workers.
func testConfig(workers int) Config {
	return Config{Workers: workers, RingSize: 64, Clock: testClock(), Wait: ring.Parking()}
}

func newTestEngine(t testing.TB, cfg Config) *Engine {
	t.Helper()
	e, err := New(cfg)
	require.NoError(t, err)
	return e
}

// stop stops e within a generous deadline and fails the test on error.
func stop(t testing.TB, e *Engine) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, e.Stop(ctx))
}

func md(sym string, price float64, id uint64) events.MarketData {
	return events.MarketData{
		Header: events.Header{ID: id, Kind: events.KindMarketData},
		Symbol: events.MustSymbol(sym), Price: events.PriceFromFloat(price), Volume: 100,
	}
}

// collector records events of kind T, safe for concurrent use.
type collector[T any] struct {
	mu  sync.Mutex
	got []T
}

func (c *collector[T]) Receive(e *T) {
	c.mu.Lock()
	c.got = append(c.got, *e)
	c.mu.Unlock()
}

func (c *collector[T]) events() []T {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]T(nil), c.got...)
}
