package tiers_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/engine/metrics"
	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/ring"
)

// testClock is shared: calibrating a TSC clock takes milliseconds.
var testClock = sync.OnceValue(func() *metrics.Clock { return metrics.NewClock(metrics.ClockMonotonic) })

// testConfig is a small engine: short lanes, parking workers.
func testConfig(workers int) engine.Config {
	return engine.Config{Workers: workers, RingSize: 64, Clock: testClock(), Wait: ring.Parking()}
}

func newEngine(t testing.TB, cfg engine.Config, routes ...engine.Route) *engine.Engine {
	t.Helper()
	e, err := engine.New(cfg)
	require.NoError(t, err)
	for _, r := range routes {
		require.NoError(t, e.Register(r))
	}
	require.NoError(t, e.Start())
	return e
}

// stop stops e within a generous deadline.
func stop(t testing.TB, e *engine.Engine) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, e.Stop(ctx))
}

// order returns an order event with ID id.
func order(id uint64) *events.Order {
	return &events.Order{Header: events.Header{ID: id, Kind: events.KindOrder}, Quantity: int64(id)}
}

// publishN publishes orders 1..n from p.
func publishN(t testing.TB, p *engine.Producer, from, n uint64) {
	t.Helper()
	for id := from; id < from+n; id++ {
		require.NoError(t, engine.Publish(p, order(id)))
	}
}

// recorder records the IDs its handler sees, safe for concurrent use.
type recorder struct {
	mu  sync.Mutex
	ids []uint64
	ch  chan struct{} // signalled (without blocking) on every event
}

func newRecorder() *recorder { return &recorder{ch: make(chan struct{}, 1)} }

func (r *recorder) add(id uint64) {
	r.mu.Lock()
	r.ids = append(r.ids, id)
	r.mu.Unlock()
	select {
	case r.ch <- struct{}{}:
	default:
	}
}

func (r *recorder) Receive(o *events.Order) { r.add(o.ID) }

func (r *recorder) got() []uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]uint64(nil), r.ids...)
}

func (r *recorder) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.ids)
}

// waitFor waits until the recorder has n events, or fails after d.
func (r *recorder) waitFor(t testing.TB, n int, d time.Duration) {
	t.Helper()
	require.Eventuallyf(t, func() bool { return r.len() >= n }, d, time.Millisecond, "want %d events", n)
}

// seq returns from..to.
func seq(from, to uint64) []uint64 {
	var s []uint64
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

// counts returns the counters of route name.
func counts(t testing.TB, e *engine.Engine, name string) metrics.EventCounts {
	t.Helper()
	c, ok := e.Counts(name)
	require.True(t, ok)
	return c
}

// stall holds a handler at the event with ID 1: it signals entered, then waits until the test
// closes gate.
type stall struct{ gate, entered chan struct{} }

func newStall() *stall { return &stall{gate: make(chan struct{}), entered: make(chan struct{}, 1)} }

// hold stalls the calling handler if id is 1.
func (s *stall) hold(id uint64) {
	if id == 1 {
		s.entered <- struct{}{}
		<-s.gate
	}
}

// steadyAllocs is testing.AllocsPerRun(runs, f) in the best of three windows. AllocsPerRun
// counts the whole process, and a log on disk makes its next segment on a goroutine of its own
// (a few dozen allocations for the file's name, open, rename and directory sync, once per
// segment, off the event path): on a loaded machine that can land in a window instead of
// before it. An allocation per event, or per batch, shows in every window.
func steadyAllocs(runs int, f func()) float64 {
	best := testing.AllocsPerRun(runs, f)
	for i := 0; i < 2 && best > 0; i++ {
		best = min(best, testing.AllocsPerRun(runs, f))
	}
	return best
}
