package config_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/engine/config"
	"github.com/hotpath-go/hotpath/events"
)

// TestReloadReliableRoute: reloading a reliable route that holds events (waiting for a retry,
// or spilled to its log) keeps its tier, logs and all: every event is delivered exactly once
// after the reload, Backlog and Drain see the route's events, and changing the route's
// reliable settings is refused with a clear error rather than opening a second tier on its
// logs.
func TestReloadReliableRoute(t *testing.T) {
	for _, mode := range []string{"retry-memory", "retry-disk", "spill-memory", "spill-disk"} {
		t.Run(mode, func(t *testing.T) {
			dir := ""
			if mode == "retry-disk" || mode == "spill-disk" {
				dir = t.TempDir()
			}
			ts := config.BuiltinTiers(dir)
			defer func() { assert.NoError(t, ts.Close()) }()
			spill := mode[:5] == "spill"
			var failing atomic.Bool
			failing.Store(true)
			var tried atomic.Int64
			gate := make(chan struct{})
			var mu sync.Mutex
			got := map[uint64]int{}
			comps := config.NewRegistry()
			require.NoError(t, config.AddHandler(comps, "venue", engine.Fallible[events.Order](func(o *events.Order) error {
				tried.Add(1)
				if spill {
					<-gate // a stuck venue: the lane fills and the route spills
				} else if failing.Load() {
					return errors.New("venue down")
				}
				mu.Lock()
				got[o.ID]++
				mu.Unlock()
				return nil
			})))
			kinds := events.NewRegistry()
			l := config.Loader{Components: comps, Kinds: kinds, Tiers: ts}
			y := "routing: {risk: {Order: {tier: reliable, retry: {max_retries: 1000, initial_interval: 1ms, max_interval: 2ms, randomization_factor: 0}, routes: [{name: ord, type: pipeline, steps: [venue]}]}}}\n"
			c1, err := l.Load("a.yaml", []byte(y))
			require.NoError(t, err)
			e, stop := newEngine(t, engine.Config{Kinds: kinds, Workers: 1, RingSize: 16})
			r := config.NewReloader(e)
			require.NoError(t, r.Apply(c1))
			require.NoError(t, e.Start())
			p, err := e.NewProducer("risk")
			require.NoError(t, err)
			const n = 200
			for i := 1; i <= n; i++ {
				o := events.Order{Header: events.Header{ID: uint64(i)}, Symbol: events.MustSymbol("AAPL"), Quantity: 1}
				require.NoError(t, engine.Publish(p, &o))
			}
			for tried.Load() == 0 { // the route holds events: retrying, or stuck with the rest spilled
				runtime.Gosched()
			}
			held, err := ts.Backlog()
			require.NoError(t, err)
			assert.Positive(t, held)

			c2, err := l.Load("b.yaml", []byte(y))
			require.NoError(t, err)
			require.NoError(t, r.Apply(c2), "the same routing again")
			changed := "routing: {risk: {Order: {tier: reliable, retry: {max_retries: 7}, routes: [{name: ord, type: pipeline, steps: [venue]}]}}}\n"
			_, err = l.Load("c.yaml", []byte(changed))
			require.ErrorContains(t, err, "needs a restart", "new settings for a running reliable route")

			fresh := config.BuiltinTiers(dir) // a config loaded, never applied, may change settings
			lf := config.Loader{Components: comps, Kinds: events.NewRegistry(), Tiers: fresh}
			_, err = lf.Load("d.yaml", []byte(y))
			require.NoError(t, err)
			_, err = lf.Load("e.yaml", []byte(changed))
			require.NoError(t, err, "nothing runs on the first one's tier")
			require.NoError(t, fresh.Close())

			failing.Store(false)
			close(gate)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			require.NoError(t, ts.Drain(ctx), "Drain sees the reloaded route's events through")
			left, err := ts.Backlog()
			require.NoError(t, err)
			assert.Zero(t, left)
			require.NoError(t, p.Close())
			stop()
			mu.Lock()
			defer mu.Unlock()
			for i := uint64(1); i <= n; i++ {
				assert.Equal(t, 1, got[i], "event %d delivered exactly once", i)
			}
		})
	}
}
