package tiers_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/tiers"
	"github.com/hotpath-go/hotpath/tiers/wal"
)

// gatedFS is a MemFS whose spill-log files do not sync while the gate is shut: the log takes
// appends but makes nothing durable, as when its flusher gets no CPU. Open's syncs pass (shut
// it once the route is bound).
type gatedFS struct {
	*wal.MemFS
	shut   atomic.Bool
	gate   chan struct{}
	opened sync.Once
}

func newGatedFS() *gatedFS { return &gatedFS{MemFS: wal.NewMemFS(), gate: make(chan struct{})} }

// open lets the syncs through.
func (g *gatedFS) open() { g.opened.Do(func() { close(g.gate) }) }

func (g *gatedFS) Create(name string) (wal.File, error) {
	f, err := g.MemFS.Create(name)
	return g.wrap(name, f, err)
}

func (g *gatedFS) Open(name string) (wal.File, error) {
	f, err := g.MemFS.Open(name)
	return g.wrap(name, f, err)
}

// wrap gates the spill logs' files (the dead-letter logs sync as usual).
func (g *gatedFS) wrap(name string, f wal.File, err error) (wal.File, error) {
	if err != nil || !strings.Contains(name, "/spill/") {
		return f, err
	}
	return gatedFile{File: f, g: g}, nil
}

type gatedFile struct {
	wal.File
	g *gatedFS
}

func (f gatedFile) Sync() error {
	if f.g.shut.Load() {
		<-f.g.gate
	}
	return f.File.Sync()
}

// gatedSpill returns a reliable tier whose spill logs sync only through fs's gate.
func gatedSpill(t *testing.T, fs *gatedFS, cfg tiers.ReliableConfig) *tiers.ReliableTier {
	t.Helper()
	cfg.FS = fs
	t.Cleanup(fs.open) // before the tier's Close, which syncs
	return memReliable(t, cfg)
}

// drain runs rt.Drain(route) with a deadline of d.
func drain(rt *tiers.ReliableTier, route string, d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return rt.Drain(ctx, route)
}

// TestReliableBacklogUnsynced: events spilled while the log syncs nothing (its flusher starved)
// are in the backlog from the moment their publish returns, not once they are durable; Drain
// waits for them, and once it returns every event has been delivered.
func TestReliableBacklogUnsynced(t *testing.T) {
	const lane, n = 8, 200
	fs := newGatedFS()
	rt := gatedSpill(t, fs, tiers.ReliableConfig{})
	st := newStall()
	rec := newRecorder()
	h := engine.HandlerFunc[events.Order](func(o *events.Order) {
		st.hold(o.ID)
		rec.Receive(o)
	})
	cfg := testConfig(1)
	cfg.RingSize = lane
	e := newEngine(t, cfg, engine.Route{Name: "r", Source: "s", Tier: rt, Target: engine.To(h)})
	defer stop(t, e)
	fs.shut.Store(true)
	p, err := e.NewProducer("s")
	require.NoError(t, err)
	defer p.Close()
	publishN(t, p, 1, 1)
	<-st.entered
	publishN(t, p, 2, n-1)

	c := counts(t, e, "r")
	require.Positive(t, c.Spilled)
	backlog, err := rt.Backlog("r")
	require.NoError(t, err)
	assert.Equal(t, c.Spilled, backlog, "spilled and not durable: in the backlog all the same")
	err = drain(rt, "r", 20*time.Millisecond)
	require.ErrorIs(t, err, context.DeadlineExceeded, "nothing can be delivered yet")
	assert.ErrorContains(t, err, "events not delivered")

	close(st.gate)
	fs.open()
	require.NoError(t, drain(rt, "r", 20*time.Second))
	assert.Equal(t, seq(1, n), rec.got(), "when Drain returns, every event has been delivered")
	backlog, err = rt.Backlog("r")
	require.NoError(t, err)
	assert.Zero(t, backlog)
}

// TestReliableBacklogHeld: the events a route holds in memory count: the lane's events behind an
// open circuit and the one waiting for its retry. (Before, Backlog counted only records past
// the worker's read position in the spill log, and said 1 or 0 here.) Drain does not return
// while they wait, and says so once the engine has stopped: they stay in the log for the next
// start.
func TestReliableBacklogHeld(t *testing.T) {
	const n = 10
	rt := memReliable(t, tiers.ReliableConfig{
		Retry:   fastRetry(3),
		Breaker: &tiers.BreakerConfig{FailureThreshold: 1, OpenDuration: time.Hour, HalfOpenProbes: 1},
	})
	down := engine.Fallible(func(*events.Order) error { return errors.New("down") })
	e := newEngine(t, testConfig(1), engine.Route{Name: "r", Source: "s", Tier: rt, Target: engine.To(down)})
	p, err := e.NewProducer("s")
	require.NoError(t, err)
	publishN(t, p, 1, n)
	require.Eventually(t, func() bool {
		b, err := rt.Backlog("r")
		return err == nil && b == n
	}, 5*time.Second, time.Millisecond, "one event waiting for its retry, the others behind the open circuit")
	err = drain(rt, "r", 20*time.Millisecond)
	require.ErrorIs(t, err, context.DeadlineExceeded)

	require.NoError(t, p.Close())
	stop(t, e)
	err = drain(rt, "r", 20*time.Second)
	require.ErrorIs(t, err, engine.ErrStopped, "after Stop nothing more is delivered: Drain says so at once")
	assert.ErrorContains(t, err, "10 events")
}

// TestReliableBacklogRetries: events waiting in the retry queue count, although the worker has
// read past their records.
func TestReliableBacklogRetries(t *testing.T) {
	const lane, n = 8, 100
	rt := memReliable(t, tiers.ReliableConfig{Retry: tiers.RetryConfig{MaxRetries: 1, InitialInterval: time.Hour, MaxInterval: time.Hour, Multiplier: 1}})
	st := newStall()
	var failures atomic.Int64
	h := engine.Fallible(func(o *events.Order) error {
		st.hold(o.ID)
		failures.Add(1)
		return errors.New("down")
	})
	cfg := testConfig(1)
	cfg.RingSize = lane
	e := newEngine(t, cfg, engine.Route{Name: "r", Source: "s", Tier: rt, Target: engine.To(h)})
	p, err := e.NewProducer("s")
	require.NoError(t, err)
	publishN(t, p, 1, 1)
	<-st.entered
	publishN(t, p, 2, n-1)
	close(st.gate)
	require.Eventually(t, func() bool { return failures.Load() == n }, 20*time.Second, time.Millisecond)
	c := counts(t, e, "r")
	assert.Positive(t, c.Spilled)
	assert.Equal(t, c.Spilled, c.Replayed, "every spilled event was read from the log and failed")
	backlog, err := rt.Backlog("r")
	require.NoError(t, err)
	assert.Equal(t, uint64(n), backlog, "all of them wait for a retry")
	require.NoError(t, p.Close())
	stop(t, e)
}
