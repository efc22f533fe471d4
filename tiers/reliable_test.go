package tiers_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
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
	"github.com/hotpath-go/hotpath/tiers/wal"
)

// fastRetry retries quickly, without jitter, so that tests finish in milliseconds.
func fastRetry(n int) tiers.RetryConfig {
	return tiers.RetryConfig{MaxRetries: n, InitialInterval: time.Millisecond, MaxInterval: 4 * time.Millisecond, Multiplier: 2}
}

// memReliable returns a reliable tier on a fresh in-memory file system.
func memReliable(t *testing.T, cfg tiers.ReliableConfig) *tiers.ReliableTier {
	t.Helper()
	if cfg.FS == nil {
		cfg.FS = wal.NewMemFS()
	}
	if cfg.Dir == "" {
		cfg.Dir = "/reliable"
	}
	if cfg.SegmentSize == 0 {
		cfg.SegmentSize = 64 << 10
	}
	rt, err := tiers.Reliable(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, rt.Close()) })
	return rt
}

// flaky fails each event's first n deliveries, then records it.
type flaky struct {
	n     int
	mu    sync.Mutex
	tries map[uint64]int
	rec   *recorder
}

func newFlaky(n int) *flaky { return &flaky{n: n, tries: map[uint64]int{}, rec: newRecorder()} }

func (f *flaky) handle(o *events.Order) error {
	f.mu.Lock()
	f.tries[o.ID]++
	k := f.tries[o.ID]
	f.mu.Unlock()
	if k <= f.n {
		return fmt.Errorf("attempt %d of event %d failed", k, o.ID)
	}
	f.rec.add(o.ID)
	return nil
}

// TestReliableRetriesThenSucceeds: a handler that fails twice per event and then succeeds gets
// every event, after two retries each; nothing is dead-lettered.
func TestReliableRetriesThenSucceeds(t *testing.T) {
	rt := memReliable(t, tiers.ReliableConfig{Retry: fastRetry(3)})
	f := newFlaky(2)
	e := newEngine(t, testConfig(1), engine.Route{Name: "r", Source: "s", Tier: rt, Target: engine.To(engine.Fallible(f.handle))})
	p, err := e.NewProducer("s")
	require.NoError(t, err)
	publishN(t, p, 1, 20)
	f.rec.waitFor(t, 20, 20*time.Second)
	require.NoError(t, drain(rt, "r", 20*time.Second), "nothing left behind")
	require.NoError(t, p.Close())
	stop(t, e)
	assert.ElementsMatch(t, seq(1, 20), f.rec.got())
	c := counts(t, e, "r")
	assert.Equal(t, uint64(40), c.Retried)
	assert.Zero(t, c.DeadLettered)
	ds, err := rt.DeadLetters("r")
	require.NoError(t, err)
	assert.Empty(t, ds)
}

// TestReliablePanicIsAFailure: a handler that panics is retried like one that returns an error.
func TestReliablePanicIsAFailure(t *testing.T) {
	rt := memReliable(t, tiers.ReliableConfig{Retry: fastRetry(3)})
	var tries atomic.Int32
	rec := newRecorder()
	h := engine.HandlerFunc[events.Order](func(o *events.Order) {
		if tries.Add(1) == 1 {
			panic("first time")
		}
		rec.Receive(o)
	})
	e := newEngine(t, testConfig(1), engine.Route{Name: "r", Source: "s", Tier: rt, Target: engine.To(h)})
	p, err := e.NewProducer("s")
	require.NoError(t, err)
	publishN(t, p, 1, 1)
	rec.waitFor(t, 1, 20*time.Second)
	require.NoError(t, p.Close())
	stop(t, e)
	c := counts(t, e, "r")
	assert.Equal(t, uint64(1), c.Panics)
	assert.Equal(t, uint64(1), c.Retried)
}

// TestReliableDeadLetters: a handler that always fails: after the last attempt each event goes to
// the dead-letter log with the reason, the attempts and the last error; an error wrapping
// ErrPermanent is not retried. Replayed once the handler is mended, they are delivered and no
// longer listed.
func TestReliableDeadLetters(t *testing.T) {
	var dead []tiers.DeadLetter
	var mu sync.Mutex
	rt := memReliable(t, tiers.ReliableConfig{Retry: fastRetry(2), OnDeadLetter: func(d tiers.DeadLetter) {
		mu.Lock()
		dead = append(dead, d)
		mu.Unlock()
	}})
	var mended atomic.Bool
	rec := newRecorder()
	h := engine.Fallible(func(o *events.Order) error {
		switch {
		case mended.Load():
			rec.Receive(o)
			return nil
		case o.ID == 3:
			return fmt.Errorf("no such account: %w", tiers.ErrPermanent)
		}
		return errors.New("venue down")
	})
	e := newEngine(t, testConfig(1), engine.Route{Name: "orders", Source: "risk", Tier: rt, Target: engine.To(h)})
	p, err := e.NewProducer("risk")
	require.NoError(t, err)
	publishN(t, p, 1, 3)
	require.Eventually(t, func() bool { return counts(t, e, "orders").DeadLettered == 3 }, 20*time.Second, time.Millisecond)

	ds, err := rt.DeadLetters("orders")
	require.NoError(t, err)
	require.Len(t, ds, 3)
	byID := map[uint64]tiers.DeadLetter{}
	for _, d := range ds {
		byID[d.Event.ID] = d
		assert.Equal(t, "orders", d.Route)
		assert.WithinDuration(t, time.Now(), d.Time, time.Minute)
		assert.Equal(t, events.KindOrder, d.Event.Kind)
	}
	assert.Equal(t, tiers.ReasonExhausted, byID[1].Reason)
	assert.Equal(t, 3, byID[1].Attempts, "MaxRetries 2: three attempts")
	assert.Equal(t, "venue down", byID[1].LastError)
	two := byID[2].Event
	assert.Equal(t, int64(2), events.As[events.Order](&two).Quantity, "the event, whole")
	assert.Equal(t, tiers.ReasonPermanent, byID[3].Reason)
	assert.Equal(t, 1, byID[3].Attempts)
	assert.Equal(t, "no such account: tiers: permanent failure", byID[3].LastError)
	mu.Lock()
	assert.Len(t, dead, 3, "OnDeadLetter saw each")
	mu.Unlock()
	c := counts(t, e, "orders")
	assert.Equal(t, uint64(4), c.Retried)

	mended.Store(true)
	n, err := rt.Replay("orders")
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	rec.waitFor(t, 3, 20*time.Second)
	require.NoError(t, drain(rt, "orders", 20*time.Second), "the replayed events are delivered")
	assert.ElementsMatch(t, seq(1, 3), rec.got())
	ds, err = rt.DeadLetters("orders")
	require.NoError(t, err)
	assert.Empty(t, ds, "replayed dead letters are not listed again")
	n, err = rt.Replay("orders")
	require.NoError(t, err)
	assert.Zero(t, n)
	require.NoError(t, p.Close())
	stop(t, e)
	_, err = rt.DeadLetters("nope")
	assert.ErrorIs(t, err, tiers.ErrNoRoute)
}

// TestReliableSpillsWhenFull: the handler is stuck while ten times the lane's capacity is
// published: the publisher spills what the lane has no room for and never blocks or drops;
// once the handler is back, every event is delivered exactly once, in publish order (the lane's
// first, then the log's).
func TestReliableSpillsWhenFull(t *testing.T) {
	const lane = 8
	rt := memReliable(t, tiers.ReliableConfig{})
	st := newStall()
	rec := newRecorder()
	h := engine.HandlerFunc[events.Order](func(o *events.Order) {
		st.hold(o.ID)
		rec.Receive(o)
	})
	cfg := testConfig(1)
	cfg.RingSize = lane
	e := newEngine(t, cfg, engine.Route{Name: "r", Source: "s", Tier: rt, Target: engine.To(h)})
	p, err := e.NewProducer("s")
	require.NoError(t, err)
	publishN(t, p, 1, 1)
	<-st.entered
	publishN(t, p, 2, 10*lane-1)
	c := counts(t, e, "r")
	assert.GreaterOrEqual(t, c.Spilled, uint64(10*lane-1-lane), "what the lane had no room for is in the log")
	assert.Zero(t, c.Dropped)
	backlog, err := rt.Backlog("r")
	require.NoError(t, err)
	assert.Equal(t, c.Spilled, backlog)
	close(st.gate)
	require.NoError(t, drain(rt, "r", 20*time.Second))
	assert.Equal(t, 10*lane, rec.len(), "drained: every event delivered")
	require.NoError(t, p.Close())
	stop(t, e)
	assert.Equal(t, seq(1, 10*lane), rec.got())
	c = counts(t, e, "r")
	assert.Equal(t, c.Spilled, c.Replayed)
	assert.Zero(t, c.Dropped)
}

// TestReliableBreakerSpillsAndReplays: while the handler is down, the route's breaker opens (the
// circuit gauge in the metrics says so) and the route spills everything; once the handler is
// back, a probe closes the circuit and the backlog is replayed in publish order. Only the event
// that opened the circuit is retried out of order.
// TestReliableBreakerIgnoresPermanent: events the target rejects for good (ErrPermanent) are
// dead-lettered without opening the circuit: the target answered, so healthy traffic behind a
// burst of malformed events is not spilled.
func TestReliableBreakerIgnoresPermanent(t *testing.T) {
	rt := memReliable(t, tiers.ReliableConfig{
		Retry:   fastRetry(10),
		Breaker: &tiers.BreakerConfig{FailureThreshold: 2, OpenDuration: time.Hour, HalfOpenProbes: 1},
	})
	rec := newRecorder()
	bad := fmt.Errorf("malformed: %w", tiers.ErrPermanent)
	h := engine.Fallible(func(o *events.Order) error {
		if o.ID <= 20 {
			return bad
		}
		rec.Receive(o)
		return nil
	})
	e := newEngine(t, testConfig(1), engine.Route{Name: "r", Source: "s", Tier: rt, Target: engine.To(h)})
	p, err := e.NewProducer("s")
	require.NoError(t, err)
	publishN(t, p, 1, 30)
	require.NoError(t, drain(rt, "r", 20*time.Second))
	assert.Equal(t, seq(21, 30), rec.got(), "the healthy events were delivered at once")
	assert.Equal(t, metrics.CircuitClosed, e.Metrics().Route("r").Counters(0).Circuit())
	c := counts(t, e, "r")
	assert.Equal(t, uint64(20), c.DeadLettered)
	assert.Zero(t, c.Spilled, "an open circuit would have spilled")
	require.NoError(t, p.Close())
	stop(t, e)
}

func TestReliableBreakerSpillsAndReplays(t *testing.T) {
	rt := memReliable(t, tiers.ReliableConfig{
		Retry:   fastRetry(10),
		Breaker: &tiers.BreakerConfig{FailureThreshold: 1, OpenDuration: 300 * time.Millisecond, HalfOpenProbes: 1},
	})
	var up atomic.Bool
	rec := newRecorder()
	h := engine.Fallible(func(o *events.Order) error {
		if !up.Load() {
			return errors.New("down")
		}
		rec.Receive(o)
		return nil
	})
	e := newEngine(t, testConfig(1), engine.Route{Name: "r", Source: "s", Tier: rt, Target: engine.To(h)})
	gauge := e.Metrics().Route("r").Counters(0)
	p, err := e.NewProducer("s")
	require.NoError(t, err)
	publishN(t, p, 1, 1)
	require.Eventually(t, func() bool { return gauge.Circuit() == metrics.CircuitOpen }, 20*time.Second, time.Millisecond)
	publishN(t, p, 2, 99)
	c := counts(t, e, "r")
	assert.GreaterOrEqual(t, c.Spilled, uint64(99-64), "an open circuit spills what the lane does not hold")
	assert.Zero(t, rec.len())
	up.Store(true)
	require.NoError(t, drain(rt, "r", 20*time.Second))
	assert.Equal(t, 100, rec.len(), "drained: every event delivered")
	assert.Equal(t, metrics.CircuitClosed, gauge.Circuit())
	require.NoError(t, p.Close())
	stop(t, e)
	got := rec.got()
	var rest []uint64
	for _, id := range got {
		if id != 1 {
			rest = append(rest, id)
		}
	}
	assert.Equal(t, seq(2, 100), rest, "the backlog in publish order")
	assert.Len(t, got, 100, "each event once")
}

// TestReliableDoesNotStallOtherRoutes: a reliable route whose handler always fails, with retries
// seconds apart, shares a worker with a standard route; the standard route's events go through
// at once: the retries wait in the route's delay queue, not in the worker.
func TestReliableDoesNotStallOtherRoutes(t *testing.T) {
	rt := memReliable(t, tiers.ReliableConfig{Retry: tiers.RetryConfig{MaxRetries: 5, InitialInterval: 10 * time.Second,
		MaxInterval: time.Minute, Multiplier: 2}})
	var failures atomic.Int64
	failing := engine.Fallible(func(*events.Order) error { failures.Add(1); return errors.New("down") })
	rec := newRecorder()
	e := newEngine(t, testConfig(1),
		engine.Route{Name: "reliable", Source: "s", Tier: rt, Target: engine.To(failing)},
		engine.Route{Name: "other", Source: "s", Target: engine.To[events.Order](rec)},
	)
	p, err := e.NewProducer("s")
	require.NoError(t, err)
	start := time.Now()
	publishN(t, p, 1, 100)
	rec.waitFor(t, 100, 20*time.Second)
	took := time.Since(start)
	assert.Less(t, took, 5*time.Second, "the other route waited for the failing route's retries")
	require.Eventually(t, func() bool { return failures.Load() == 100 }, 20*time.Second, time.Millisecond,
		"one attempt each (some of the reliable route's events may have gone through its log)")
	assert.Zero(t, counts(t, e, "reliable").Retried, "no retry is due yet")
	require.NoError(t, p.Close())
	stop(t, e) // the pending retries are in the log: Stop does not wait for them
}

// TestReliableRestart: what a route held when it stopped (a backlog behind an open circuit,
// events waiting for a retry) is in its logs, and the next start delivers it, marked replayed.
func TestReliableRestart(t *testing.T) {
	fs := wal.NewMemFS()
	cfg := tiers.ReliableConfig{FS: fs, Dir: "/r", SegmentSize: 64 << 10, Retry: fastRetry(3),
		Breaker: &tiers.BreakerConfig{FailureThreshold: 1, OpenDuration: time.Hour, HalfOpenProbes: 1}}
	rt, err := tiers.Reliable(cfg)
	require.NoError(t, err)
	down := engine.Fallible(func(*events.Order) error { return errors.New("down") })
	e := newEngine(t, testConfig(1), engine.Route{Name: "r", Source: "s", Tier: rt, Target: engine.To(down)})
	p, err := e.NewProducer("s")
	require.NoError(t, err)
	publishN(t, p, 1, 50)
	require.NoError(t, p.Close())
	stop(t, e)
	require.NoError(t, rt.Close())
	_, err = rt.Bind(engine.RouteInfo{Name: "r"}, nil)
	assert.ErrorIs(t, err, tiers.ErrClosed)

	cfg.Breaker = nil
	rt2, err := tiers.Reliable(cfg)
	require.NoError(t, err)
	defer rt2.Close()
	var mu sync.Mutex
	var replayed []bool
	rec := newRecorder()
	h := engine.HandlerFunc[events.Order](func(o *events.Order) {
		mu.Lock()
		replayed = append(replayed, o.Flags&events.FlagReplayed != 0)
		mu.Unlock()
		rec.Receive(o)
	})
	e2 := newEngine(t, testConfig(1), engine.Route{Name: "r", Source: "s", Tier: rt2, Target: engine.To(h)})
	rec.waitFor(t, 50, 20*time.Second)
	stop(t, e2)
	got := rec.got()
	assert.Equal(t, uint64(1), got[0], "the event that was waiting for a retry was written first")
	assert.Equal(t, seq(1, 50), got)
	for _, r := range replayed {
		assert.True(t, r)
	}
	backlog, err := rt2.Backlog("r")
	require.NoError(t, err)
	assert.Zero(t, backlog)
}

// TestReliableWriteAhead: with WriteAhead every event is in the log before its publish returns,
// and the worker delivers from the log, in order.
func TestReliableWriteAhead(t *testing.T) {
	rt := memReliable(t, tiers.ReliableConfig{WriteAhead: true})
	rec := newRecorder()
	e := newEngine(t, testConfig(1), engine.Route{Name: "r", Source: "s", Tier: rt, Target: engine.To[events.Order](rec)})
	p, err := e.NewProducer("s")
	require.NoError(t, err)
	sh, err := e.Publisher("s")
	require.NoError(t, err)
	publishN(t, p, 1, 30)
	require.NoError(t, engine.Publish(sh, order(31)))
	require.NoError(t, drain(rt, "r", 20*time.Second))
	assert.Equal(t, 31, rec.len(), "drained: every event delivered")
	require.NoError(t, p.Close())
	stop(t, e)
	assert.Equal(t, seq(1, 31), rec.got())
	c := counts(t, e, "r")
	assert.Equal(t, uint64(31), c.Published)
	assert.Equal(t, uint64(31), c.Spilled)
	assert.Equal(t, uint64(31), c.Replayed)
}

// TestReliableWriteAheadBatch: under WriteAhead a PublishBatch waits for durability once for
// the whole batch (one group commit), not once per event: far fewer syncs of the spill log than
// events, and every event of a batch is durable when PublishBatch returns. A log that cannot
// sync fails the batch's publish.
func TestReliableWriteAheadBatch(t *testing.T) {
	fs := wal.NewMemFS()
	var syncs, failing atomic.Int64
	fs.SetHook(func(op wal.Op, path string, n int) (int, error) {
		if op == wal.OpSync && strings.Contains(path, "spill") {
			syncs.Add(1)
			if failing.Load() != 0 {
				return 0, errors.New("disk gone")
			}
		}
		return n, nil
	})
	rt, err := tiers.Reliable(tiers.ReliableConfig{WriteAhead: true, FS: fs, Dir: "/reliable", SegmentSize: 64 << 10})
	require.NoError(t, err)
	rec := newRecorder()
	e := newEngine(t, testConfig(1), engine.Route{Name: "r", Source: "s", Tier: rt, Target: engine.To[events.Order](rec)})
	p, err := e.NewProducer("s")
	require.NoError(t, err)
	const batches, size = 10, 64
	batch := make([]events.Raw, size)
	for b := range batches {
		for i := range batch {
			batch[i] = events.ToRaw(order(uint64(b*size + i + 1)))
		}
		require.NoError(t, p.PublishBatch(batch))
	}
	assert.LessOrEqual(t, syncs.Load(), int64(3*batches), "about one group commit per batch, not one per event (%d events)", batches*size)
	require.NoError(t, drain(rt, "r", 20*time.Second))
	assert.Equal(t, seq(1, batches*size), rec.got(), "every event, in order")

	failing.Store(1)
	for i := range batch {
		batch[i] = events.ToRaw(order(uint64(batches*size + i + 1)))
	}
	assert.ErrorIs(t, p.PublishBatch(batch), wal.ErrFailed, "a batch that could not be made durable is not acknowledged")
	require.NoError(t, p.Close())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_ = e.Stop(ctx)
	assert.ErrorIs(t, rt.Close(), wal.ErrFailed, "the failed log is reported at Close too")
}

// TestReliableBindRefuses: inline routes and policies that drop events cannot be reliable.
func TestReliableBindRefuses(t *testing.T) {
	rt := memReliable(t, tiers.ReliableConfig{})
	for _, r := range []engine.RouteInfo{
		{Name: "inline", Worker: -1},
		{Name: "drop", Overflow: engine.DropNewest},
		{Name: "lossy", Overflow: engine.DropOldest},
	} {
		_, err := rt.Bind(r, nil)
		assert.ErrorIsf(t, err, tiers.ErrReliableConfig, "route %s", r.Name)
	}
	_, err := rt.Backlog("nope")
	assert.ErrorIs(t, err, tiers.ErrNoRoute)
	_, err = rt.Replay("nope")
	assert.ErrorIs(t, err, tiers.ErrNoRoute)
}

func TestReliableConfig(t *testing.T) {
	ok := tiers.ReliableConfig{Dir: "/x"}
	for _, tc := range []struct {
		name string
		edit func(*tiers.ReliableConfig)
		ok   bool
	}{
		{"defaults", func(*tiers.ReliableConfig) {}, true},
		{"no dir", func(c *tiers.ReliableConfig) { c.Dir = "" }, false},
		{"no retries", func(c *tiers.ReliableConfig) { c.Retry = tiers.RetryConfig{Multiplier: 1} }, true},
		{"bad retry", func(c *tiers.ReliableConfig) { c.Retry = tiers.RetryConfig{Multiplier: 0.5} }, false},
		{"bad breaker", func(c *tiers.ReliableConfig) { c.Breaker = &tiers.BreakerConfig{} }, false},
		{"sync none", func(c *tiers.ReliableConfig) { c.Sync = wal.SyncNone }, false},
		{"sync interval", func(c *tiers.ReliableConfig) { c.Sync = wal.SyncInterval }, true},
		{"queue", func(c *tiers.ReliableConfig) { c.RetryQueue = -1 }, false},
		{"segment", func(c *tiers.ReliableConfig) { c.SegmentSize = 10 }, false},
		{"replay batch", func(c *tiers.ReliableConfig) { c.ReplayBatch = -1 }, false},
		{"checkpoint", func(c *tiers.ReliableConfig) { c.CheckpointEvery = -1 }, false},
	} {
		c := ok
		tc.edit(&c)
		_, err := tiers.Reliable(c)
		if tc.ok {
			assert.NoError(t, err, tc.name)
		} else {
			assert.ErrorIs(t, err, tiers.ErrReliableConfig, tc.name)
		}
	}
}

// TestReliableAllocs: delivering through a reliable route that keeps up allocates nothing
// (counted over the whole process: publisher, worker and tier).
func TestReliableAllocs(t *testing.T) {
	rt := memReliable(t, tiers.ReliableConfig{Breaker: &tiers.BreakerConfig{FailureThreshold: 5, OpenDuration: time.Second, HalfOpenProbes: 1}})
	done := make(chan struct{}, 1)
	h := engine.HandlerFunc[events.Order](func(o *events.Order) {
		if o.Quantity == 1 {
			done <- struct{}{}
		}
	})
	assertBatchAllocsZero(t, rt, engine.To(h), done, 50)
}

// assertBatchAllocsZero runs a route "r" through tier with target on a fresh engine, publishes
// batches of 64 Orders (the last of Quantity 1, after which the test's target or dead-letter
// target signals done), and asserts that a batch allocates nothing, over runs batches (in the
// best of three windows: see steadyAllocs), and that nothing spilled.
func assertBatchAllocsZero(t *testing.T, tier engine.Tier, target engine.Target, done <-chan struct{}, runs int) {
	t.Helper()
	cfg := testConfig(1)
	cfg.RingSize = 1024
	e := newEngine(t, cfg, engine.Route{Name: "r", Source: "s", Tier: tier, Target: target})
	defer stop(t, e)
	p, err := e.NewProducer("s")
	require.NoError(t, err)
	defer p.Close()
	ev, last := order(2), order(1)
	run := func() {
		for range 63 {
			_ = engine.Publish(p, ev)
		}
		_ = engine.Publish(p, last)
		<-done
	}
	run()
	assert.Zero(t, steadyAllocs(runs, run))
	assert.Zero(t, counts(t, e, "r").Spilled, "the route kept up")
}

// TestReliableOrderUnderLoad: three producers publish into a reliable route with a tiny lane and
// a handler that stalls now and then, so that the route keeps switching between its lane and its
// log; every event arrives exactly once and each producer's events arrive in publish order.
func TestReliableOrderUnderLoad(t *testing.T) {
	const producers, perProducer, lane = 3, 1500, 8
	rt := memReliable(t, tiers.ReliableConfig{SpillWindow: 16})
	rec := newRecorder()
	var n atomic.Int64
	h := engine.HandlerFunc[events.Order](func(o *events.Order) {
		if n.Add(1)%200 == 0 {
			time.Sleep(200 * time.Microsecond) // a stall: the lane fills, the route spills
		}
		rec.Receive(o)
	})
	cfg := testConfig(1)
	cfg.RingSize = lane
	e := newEngine(t, cfg, engine.Route{Name: "r", Source: "s", Tier: rt, Target: engine.To(h)})
	var wg sync.WaitGroup
	for pi := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var p *engine.Producer
			var err error
			if pi == producers-1 {
				p, err = e.Publisher("s") // a shared one too
			} else {
				p, err = e.NewProducer("s")
			}
			if !assert.NoError(t, err) {
				return
			}
			defer p.Close()
			for i := 1; i <= perProducer; i++ {
				if !assert.NoError(t, engine.Publish(p, order(uint64(pi)<<32|uint64(i)))) {
					return
				}
				if i%100 == 0 {
					time.Sleep(time.Millisecond) // a pause: the route catches up and goes back to its lane
				}
			}
		}()
	}
	wg.Wait()
	require.NoError(t, drain(rt, "r", 60*time.Second))
	assert.Equal(t, producers*perProducer, rec.len(), "drained: every event delivered")
	stop(t, e)
	last := make([]uint64, producers)
	seen := map[uint64]bool{}
	for _, id := range rec.got() {
		require.False(t, seen[id], "event %x twice", id)
		seen[id] = true
		pi, i := id>>32, id&(1<<32-1)
		require.Equal(t, last[pi]+1, i, "producer %d: event %d after %d", pi, i, last[pi])
		last[pi] = i
	}
	c := counts(t, e, "r")
	t.Logf("spilled %d of %d", c.Spilled, producers*perProducer)
	assert.Positive(t, c.Spilled, "the route spilled at some point")
	assert.Less(t, c.Spilled, uint64(producers*perProducer), "and went back to its lane")
}
