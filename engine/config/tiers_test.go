package config_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/engine/config"
	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/tiers"
)

// idList collects event IDs, safe for concurrent use.
type idList struct {
	mu  sync.Mutex
	ids []uint64
}

func (l *idList) add(id uint64) {
	l.mu.Lock()
	l.ids = append(l.ids, id)
	l.mu.Unlock()
}

func (l *idList) get() []uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]uint64(nil), l.ids...)
}

const deadLetterYAML = `
routing:
  risk:
    Order:
      tier: reliable
      retry: {max_retries: 1, initial_interval: 1ms, max_interval: 1ms, randomization_factor: 0}
      dead_letter: parking
      routes:
        - type: pipeline
          steps: [venue]
`

// TestDeadLetterComponent: a reliable route loaded from YAML with dead_letter: NAME hands the
// events it gives up on to that component, in order, once each, on the route's worker, and its
// dead-letter log on disk still lists them afterwards (what `hotpath dlq list` reads).
func TestDeadLetterComponent(t *testing.T) {
	const n = 50
	for _, tc := range []struct {
		name string
		add  func(r *config.Registry, got *idList) error
	}{
		{"typed container", func(r *config.Registry, got *idList) error {
			return config.AddHandler(r, "parking", engine.Handler[events.Order](engine.HandlerFunc[events.Order](func(o *events.Order) { got.add(o.ID) })))
		}},
		{"container of any kind", func(r *config.Registry, got *idList) error {
			return r.AddContainer("parking", engine.RawFunc("parking", func(ev *events.Raw) { got.add(ev.ID) }))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var parked idList
			comps := config.NewRegistry()
			require.NoError(t, tc.add(comps, &parked))
			require.NoError(t, config.AddHandler(comps, "venue", engine.Fallible(func(*events.Order) error { return errors.New("venue closed") })))
			dir := t.TempDir()
			ts := config.BuiltinTiers(dir)
			l := config.Loader{Components: comps, Kinds: events.NewRegistry(), Tiers: ts}
			cfg, err := l.Load("dlq.yaml", []byte(deadLetterYAML))
			require.NoError(t, err)
			require.Len(t, cfg.Routes, 1)
			assert.Equal(t, "parking", cfg.Routes[0].DeadLetter.Name)

			e, stop := newEngine(t, cfg.Engine)
			require.NoError(t, config.NewReloader(e).Apply(cfg))
			require.NoError(t, e.Start())
			p, err := e.NewProducer("risk")
			require.NoError(t, err)
			for id := uint64(1); id <= n; id++ {
				require.NoError(t, engine.Publish(p, &events.Order{Header: events.Header{ID: id}, Quantity: 1}))
			}
			require.Eventually(t, func() bool { return len(parked.get()) >= n }, 20*time.Second, time.Millisecond)
			require.NoError(t, p.Close())
			stop()
			require.NoError(t, ts.Close())

			want := make([]uint64, n)
			for i := range want {
				want[i] = uint64(i + 1)
			}
			assert.Equal(t, want, parked.get(), "the dead_letter component got every event once, in order")
			c, _ := e.Counts("risk/Order/1")
			assert.Equal(t, uint64(n), c.DeadLettered)
			assert.Equal(t, uint64(n), c.Retried, "max_retries 1: one retry each")
			ds, err := tiers.ReadDeadLetters(nil, tiers.DeadLetterDir(dir, "risk/Order/1"))
			require.NoError(t, err)
			require.Len(t, ds, n, "the dead-letter log keeps them")
			for i, d := range ds {
				assert.Equal(t, uint64(i+1), d.Event.ID)
				assert.Equal(t, tiers.ReasonExhausted, d.Reason)
				assert.Equal(t, 2, d.Attempts)
				assert.Equal(t, "venue closed", d.LastError)
			}
		})
	}
}

// TestTiersDrain: Drain returns once the reliable routes have delivered everything published to
// them, the events they spilled while their handler stalled included; a configuration loaded
// with the same tiers and never applied does not hold it up.
func TestTiersDrain(t *testing.T) {
	const n = 500
	var got idList
	stall := make(chan struct{})
	comps := config.NewRegistry()
	require.NoError(t, config.AddHandler(comps, "slow", engine.Handler[events.Order](engine.HandlerFunc[events.Order](func(o *events.Order) {
		if o.ID == 1 {
			<-stall
		}
		got.add(o.ID)
	}))))
	ts := config.BuiltinTiers("")
	defer func() { require.NoError(t, ts.Close()) }()
	l := config.Loader{Components: comps, Kinds: events.NewRegistry(), Tiers: ts}
	src := []byte("engine: {ring_size: 16}\nrouting:\n  risk: {Order: {tier: reliable, routes: [{type: pipeline, steps: [slow]}]}}\n")
	_, err := l.Load("unused.yaml", src)
	require.NoError(t, err)
	cfg, err := l.Load("drain.yaml", src)
	require.NoError(t, err)
	e, stop := newEngine(t, cfg.Engine)
	require.NoError(t, config.NewReloader(e).Apply(cfg))
	require.NoError(t, e.Start())
	p, err := e.NewProducer("risk")
	require.NoError(t, err)
	for id := uint64(1); id <= n; id++ {
		require.NoError(t, engine.Publish(p, &events.Order{Header: events.Header{ID: id}, Quantity: 1}))
	}
	require.NoError(t, p.Close())
	backlog, err := ts.Backlog()
	require.NoError(t, err)
	assert.Positive(t, backlog, "the stalled route spilled")
	close(stall)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(t, ts.Drain(ctx))
	assert.Len(t, got.get(), n, "when Drain returns, every event has been delivered")
	backlog, err = ts.Backlog()
	require.NoError(t, err)
	assert.Zero(t, backlog)
	stop()
}
