package tiers_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/tiers"
)

// deadIDs returns the IDs of the dead letters of route, oldest first.
func deadIDs(t *testing.T, rt *tiers.ReliableTier, route string) []uint64 {
	t.Helper()
	ds, err := rt.DeadLetters(route)
	require.NoError(t, err)
	ids := make([]uint64, len(ds))
	for i, d := range ds {
		ids[i] = d.Event.ID
	}
	return ids
}

// TestReliableDeadLetterTarget: the events a route gives up on reach its dead-letter target, on
// its worker, in the order they were given up, each once, and stay in its dead-letter log with
// the reason, the attempts and the last error.
func TestReliableDeadLetterTarget(t *testing.T) {
	const n = 20
	for _, tc := range []struct {
		name     string
		err      error
		reason   tiers.Reason
		attempts int
	}{
		{"retries exhausted", errors.New("venue down"), tiers.ReasonExhausted, 3},
		{"permanent", fmt.Errorf("no such account: %w", tiers.ErrPermanent), tiers.ReasonPermanent, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dead := newRecorder()
			rt := memReliable(t, tiers.ReliableConfig{Retry: fastRetry(2), DeadLetter: engine.To[events.Order](dead)})
			failing := engine.Fallible(func(*events.Order) error { return tc.err })
			e := newEngine(t, testConfig(1), engine.Route{Name: "orders", Source: "risk", Tier: rt, Target: engine.To(failing)})
			p, err := e.NewProducer("risk")
			require.NoError(t, err)
			publishN(t, p, 1, n)
			dead.waitFor(t, n, 20*time.Second)
			require.NoError(t, p.Close())
			stop(t, e)
			assert.Equal(t, seq(1, n), dead.got(), "the dead-letter target got each event once, in order")
			assert.Equal(t, seq(1, n), deadIDs(t, rt, "orders"), "and the dead-letter log still lists them")
			ds, err := rt.DeadLetters("orders")
			require.NoError(t, err)
			for _, d := range ds {
				assert.Equal(t, tc.reason, d.Reason)
				assert.Equal(t, tc.attempts, d.Attempts)
				assert.Equal(t, tc.err.Error(), d.LastError)
			}
			c := counts(t, e, "orders")
			assert.Equal(t, uint64(n), c.DeadLettered)
			assert.Zero(t, c.Panics)
		})
	}
}

// TestReliableDeadLetterTargetFails: a dead-letter target that panics or fails loses nothing
// (every event is in the dead-letter log) and stops nothing (the worker goes on with the
// route's next events and with other routes); each failure is reported to the engine's error
// hook, and each panic counted on the route.
func TestReliableDeadLetterTargetFails(t *testing.T) {
	const n = 10
	for _, tc := range []struct {
		name   string
		target engine.Handler[events.Order]
		want   error
		panics uint64
	}{
		{"panics", engine.HandlerFunc[events.Order](func(o *events.Order) { panic(fmt.Sprintf("dead-letter target broke on %d", o.ID)) }),
			engine.ErrPanic, n + 1},
		{"fails", engine.Fallible(func(*events.Order) error { return errDeadTarget }), errDeadTarget, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var reported []error
			cfg := testConfig(1)
			cfg.OnError = func(err error) {
				mu.Lock()
				reported = append(reported, err)
				mu.Unlock()
			}
			rt := memReliable(t, tiers.ReliableConfig{Retry: fastRetry(1), DeadLetter: engine.To(tc.target)})
			failing := engine.Fallible(func(*events.Order) error { return errors.New("down") })
			other := newRecorder()
			e := newEngine(t, cfg,
				engine.Route{Name: "orders", Source: "risk", Tier: rt, Target: engine.To(failing)},
				engine.Route{Name: "audit", Source: "risk", Target: engine.To[events.Order](other)})
			p, err := e.NewProducer("risk")
			require.NoError(t, err)
			publishN(t, p, 1, n)
			require.Eventually(t, func() bool { return counts(t, e, "orders").DeadLettered == n }, 20*time.Second, time.Millisecond)
			publishN(t, p, n+1, 1)
			other.waitFor(t, n+1, 20*time.Second) // the worker survived
			require.Eventually(t, func() bool { return counts(t, e, "orders").DeadLettered == n+1 }, 20*time.Second, time.Millisecond)
			require.NoError(t, p.Close())
			stop(t, e)
			assert.Equal(t, seq(1, n+1), deadIDs(t, rt, "orders"), "every event is in the dead-letter log")
			assert.Equal(t, tc.panics, counts(t, e, "orders").Panics, "the target's panics, counted on the route")
			mu.Lock()
			defer mu.Unlock()
			var got []uint64
			for _, err := range reported {
				var de *engine.DeliveryError
				require.ErrorAs(t, err, &de)
				assert.ErrorIs(t, err, tc.want)
				assert.Equal(t, "orders", de.Route)
				got = append(got, de.EventID)
			}
			assert.Equal(t, seq(1, n+1), got, "each failure reported, with its event")
		})
	}
}

var errDeadTarget = errors.New("dead-letter store unavailable")

// TestReliableDeadLetterTargetType: Bind refuses a dead-letter target of another event type,
// and accepts one of any kind.
func TestReliableDeadLetterTargetType(t *testing.T) {
	for _, tc := range []struct {
		name   string
		target engine.Target
		ok     bool
	}{
		{"same type", engine.To(engine.HandlerFunc[events.Order](func(*events.Order) {})), true},
		{"any kind", engine.RawFunc("log", func(*events.Raw) {}), true},
		{"other type", engine.To(engine.HandlerFunc[events.Signal](func(*events.Signal) {})), false},
	} {
		rt := memReliable(t, tiers.ReliableConfig{DeadLetter: tc.target})
		e, err := engine.New(testConfig(1))
		require.NoError(t, err)
		require.NoError(t, e.Register(engine.Route{Name: "orders", Source: "risk", Tier: rt,
			Target: engine.To(engine.HandlerFunc[events.Order](func(*events.Order) {}))}))
		err = e.Compile()
		if tc.ok {
			assert.NoError(t, err, tc.name)
			continue
		}
		assert.ErrorIs(t, err, engine.ErrRoute, tc.name)
		assert.ErrorContains(t, err, "dead-letter target", tc.name)
	}
	rt := memReliable(t, tiers.ReliableConfig{DeadLetter: engine.RawFunc("log", func(*events.Raw) {})})
	_, err := rt.Bind(engine.RouteInfo{Name: "bare"}, nil)
	assert.ErrorIs(t, err, tiers.ErrReliableConfig, "outside an engine there is nothing to compile the target")
}

// TestReliableDeadLetterTargetAllocs: dead-lettering an event and handing it to the dead-letter
// target allocates nothing (counted over the whole process: publisher, worker, the logs'
// goroutines), with the logs on disk.
func TestReliableDeadLetterTargetAllocs(t *testing.T) {
	done := make(chan struct{}, 1)
	target := engine.HandlerFunc[events.Order](func(o *events.Order) {
		if o.Quantity == 1 {
			done <- struct{}{}
		}
	})
	rt, err := tiers.Reliable(tiers.ReliableConfig{Dir: t.TempDir(), DeadLetter: engine.To(target)})
	require.NoError(t, err)
	defer func() { require.NoError(t, rt.Close()) }()
	rejected := fmt.Errorf("rejected: %w", tiers.ErrPermanent)
	failing := engine.Fallible(func(*events.Order) error { return rejected })
	assertBatchAllocsZero(t, rt, engine.To(failing), done, 20)
}
