package tiers_test

import (
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/tiers"
	"github.com/hotpath-go/hotpath/tiers/wal"
)

// syncGate is a MemFS hook that holds every sync of a spill segment until the test opens the
// gate, and signals when the first one is held.
type syncGate struct {
	once, opened sync.Once
	entered      chan struct{}
	open         chan struct{}
}

// release opens the gate (once; later calls do nothing).
func (g *syncGate) release() { g.opened.Do(func() { close(g.open) }) }

func newSyncGate() *syncGate {
	return &syncGate{entered: make(chan struct{}), open: make(chan struct{})}
}

func (g *syncGate) hook(op wal.Op, path string, n int) (int, error) {
	// A segment keeps the name it was created under (….wal.tmp, renamed to ….wal once
	// preallocated) in MemFS's reports: both are the spill log's segments; checkpoints are not.
	if op == wal.OpSync && strings.Contains(path, "/spill/") && strings.Contains(path, ".wal") {
		g.once.Do(func() { close(g.entered) })
		<-g.open
	}
	return n, nil
}

func writeAheadTier(t *testing.T, fs *wal.MemFS) *tiers.ReliableTier {
	t.Helper()
	rt, err := tiers.Reliable(tiers.ReliableConfig{WriteAhead: true, FS: fs, Dir: "/reliable", SegmentSize: 64 << 10})
	require.NoError(t, err)
	return rt
}

// TestWriteAheadWaitsForSync: a write-ahead publish does not return before its record is
// durable: with the spill log's syncs held, Publish, PublishBatch and a shared Publisher's
// publish all wait, and return once the syncs go through.
func TestWriteAheadWaitsForSync(t *testing.T) {
	for _, tc := range []struct {
		name    string
		publish func(p, sh *engine.Producer) error
	}{
		{"Publish", func(p, _ *engine.Producer) error { return engine.Publish(p, order(1)) }},
		{"PublishBatch", func(p, _ *engine.Producer) error {
			return p.PublishBatch([]events.Raw{events.ToRaw(order(1)), events.ToRaw(order(2))})
		}},
		{"Publisher", func(_, sh *engine.Producer) error { return engine.Publish(sh, order(1)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := wal.NewMemFS()
			gate := newSyncGate()
			rt := writeAheadTier(t, fs)
			defer func() { assert.NoError(t, rt.Close()) }()
			defer gate.release() // before Close, even when the test fails
			rec := newRecorder()
			e := newEngine(t, testConfig(1), engine.Route{Name: "r", Source: "s", Tier: rt, Target: engine.To[events.Order](rec)})
			fs.SetHook(gate.hook) // after Start: opening the log syncs its first segment
			p, err := e.NewProducer("s")
			require.NoError(t, err)
			sh, err := e.Publisher("s")
			require.NoError(t, err)
			returned := make(chan error, 1)
			go func() { returned <- tc.publish(p, sh) }()
			<-gate.entered // a sync of the spill log is held (every later one will be)
			for {          // and the record is in the log
				if b, err := rt.Backlog("r"); err == nil && b > 0 {
					break
				}
				runtime.Gosched()
			}
			select {
			case err := <-returned:
				t.Fatalf("the publish returned (%v) while its record's sync was held", err)
			default:
			}
			gate.release()
			require.NoError(t, <-returned)
			require.NoError(t, p.Close())
			require.NoError(t, drain(rt, "r", 20*time.Second))
			stop(t, e)
		})
	}
}

// TestWriteAheadFailedLog: once the spill log has failed, no write-ahead publish is
// acknowledged (each returns the log's error, and its event is counted as dropped rather than
// sent through the lane, out of order and not durable); what was delivered before stays the
// only thing delivered.
func TestWriteAheadFailedLog(t *testing.T) {
	fs := wal.NewMemFS()
	fail := make(chan struct{})
	fs.SetHook(func(op wal.Op, path string, n int) (int, error) {
		if op == wal.OpSync && strings.Contains(path, "/spill/") {
			select {
			case <-fail:
				return 0, errors.New("disk gone")
			default:
			}
		}
		return n, nil
	})
	rt := writeAheadTier(t, fs)
	rec := newRecorder()
	e := newEngine(t, testConfig(1), engine.Route{Name: "r", Source: "s", Tier: rt, Target: engine.To[events.Order](rec)})
	p, err := e.NewProducer("s")
	require.NoError(t, err)
	publishN(t, p, 1, 5)
	require.NoError(t, drain(rt, "r", 20*time.Second)) // delivered before the log fails
	close(fail)
	for id := uint64(6); id <= 10; id++ {
		assert.ErrorIs(t, engine.Publish(p, order(id)), wal.ErrFailed, "event %d acknowledged on a failed log", id)
	}
	sh, err := e.Publisher("s")
	require.NoError(t, err)
	assert.ErrorIs(t, engine.Publish(sh, order(11)), wal.ErrFailed, "the shared path too")
	require.NoError(t, p.Close())
	stop(t, e)
	assert.Equal(t, seq(1, 5), rec.got(), "what was acknowledged, in order; nothing unacknowledged")
	// Event 6 was appended before its sync failed: its publish fails with the log's error.
	// The later ones find the log failed and are refused, each counted as dropped.
	c := counts(t, e, "r")
	assert.Equal(t, uint64(5), c.Dropped, "each refused event is counted")
	assert.ErrorIs(t, rt.Close(), wal.ErrFailed)
}

// TestWriteAheadHandlerDoesNotBlock: a handler that publishes through a Producer into a
// write-ahead route does not wait for the disk on its worker (it would stall every route on
// it): with the spill log's syncs held, the handler returns.
func TestWriteAheadHandlerDoesNotBlock(t *testing.T) {
	fs := wal.NewMemFS()
	gate := newSyncGate()
	rt := writeAheadTier(t, fs)
	defer func() { assert.NoError(t, rt.Close()) }()
	defer gate.release()
	rec := newRecorder()
	var out *engine.Producer
	handled := make(chan error, 1)
	e, err := engine.New(testConfig(2))
	require.NoError(t, err)
	require.NoError(t, e.Register(engine.Route{Name: "wal", Source: "s", Worker: 1, Tier: rt, Target: engine.To[events.Order](rec)}))
	require.NoError(t, e.Register(engine.Route{Name: "in", Source: "in", Worker: 0, Target: engine.To(engine.HandlerFunc[events.Signal](func(*events.Signal) {
		handled <- engine.Publish(out, order(1))
	}))}))
	require.NoError(t, e.Start())
	fs.SetHook(gate.hook) // after Start: opening the log syncs its first segment
	out, err = e.NewProducer("s")
	require.NoError(t, err)
	in, err := e.NewProducer("in")
	require.NoError(t, err)
	require.NoError(t, engine.Publish(in, &events.Signal{}))
	select {
	case err := <-handled:
		require.NoError(t, err)
	case <-time.After(10 * time.Second): // a bound on a failure, not synchronisation
		gate.release()
		t.Fatal("the handler's publish waited for the disk on its worker")
	}
	gate.release()
	require.NoError(t, drain(rt, "wal", 20*time.Second))
	assert.Equal(t, []uint64{1}, rec.got())
	require.NoError(t, in.Close())
	require.NoError(t, out.Close())
	stop(t, e)
}
