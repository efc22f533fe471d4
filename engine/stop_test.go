package engine

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/events"
)

func TestLifecycleErrors(t *testing.T) {
	e := newTestEngine(t, testConfig(1))
	var c collector[events.Order]
	require.NoError(t, e.Register(Route{Name: "r", Source: "s", Target: To[events.Order](&c)}))
	p, err := e.NewProducer("s")
	require.NoError(t, err)
	sh, err := e.Publisher("s")
	require.NoError(t, err)
	require.ErrorIs(t, Publish(p, &events.Order{}), ErrNotStarted)
	require.ErrorIs(t, Publish(sh, &events.Order{}), ErrNotStarted)
	require.ErrorIs(t, e.Stop(context.Background()), ErrNotStarted)

	require.NoError(t, e.Start())
	require.Error(t, e.Start())
	require.NoError(t, Publish(p, &events.Order{}))
	require.NoError(t, p.Close())
	require.NoError(t, p.Close(), "Close is idempotent")
	require.ErrorIs(t, Publish(p, &events.Order{}), ErrClosed)

	stop(t, e)
	require.NoError(t, e.Stop(context.Background()), "Stop is idempotent")
	require.ErrorIs(t, Publish(sh, &events.Order{}), ErrStopped)
	require.ErrorIs(t, e.Start(), ErrStopped)
	_, err = e.NewProducer("s")
	require.ErrorIs(t, err, ErrStopped)
	assert.Len(t, c.events(), 1)
}

// TestStopDrains: events in lanes when Stop is called, and those handlers publish while Stop
// drains, are all delivered.
func TestStopDrains(t *testing.T) {
	cfg := testConfig(2)
	cfg.RingSize = 1024
	e := newTestEngine(t, cfg)
	var slow, downstream collector[events.Order]
	gate := make(chan struct{})
	require.NoError(t, e.Register(Route{Name: "slow", Source: "s", Worker: 0, Target: To(Pipeline(
		HandlerFunc[events.Order](func(*events.Order) { <-gate }),
		Handler[events.Order](&slow),
		Emit[events.Order]("t"),
	))}))
	require.NoError(t, e.Register(Route{Name: "down", Source: "t", Worker: 1, Target: To[events.Order](&downstream)}))
	require.NoError(t, e.Start())
	p, err := e.NewProducer("s")
	require.NoError(t, err)
	for i := range 500 {
		require.NoError(t, Publish(p, &events.Order{Header: events.Header{ID: uint64(i + 1)}}))
	}
	stopped := make(chan error)
	go func() { stopped <- e.Stop(context.Background()) }()
	for e.state.Load() != stateStopping { // let the handler go only once Stop has begun
		runtime.Gosched()
	}
	require.ErrorIs(t, Publish(p, &events.Order{Header: events.Header{ID: 1000}}), ErrStopped)
	close(gate)
	require.NoError(t, <-stopped)
	assert.Equal(t, seq(1, 500), ids(slow.events()))
	assert.Equal(t, seq(1, 500), ids(downstream.events()))
}

// TestStopDeadline: a handler that outlives Stop's context; Stop says how many events it left.
func TestStopDeadline(t *testing.T) {
	e := newTestEngine(t, testConfig(1))
	gate, entered := make(chan struct{}), make(chan struct{}, 10)
	var got atomic.Int64
	require.NoError(t, e.Register(Route{Name: "r", Source: "s", Target: To(HandlerFunc[events.Order](func(*events.Order) {
		got.Add(1)
		entered <- struct{}{}
		<-gate
	}))}))
	require.NoError(t, e.Start())
	p, err := e.NewProducer("s")
	require.NoError(t, err)
	for range 10 {
		require.NoError(t, Publish(p, &events.Order{}))
	}
	<-entered
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for !e.abort.Load() { // the handler returns only after Stop has given up
			runtime.Gosched()
		}
		close(gate)
	}()
	cancel()
	err = e.Stop(ctx)
	require.ErrorIs(t, err, ErrUndelivered)
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "9 events")
	assert.Equal(t, int64(1), got.Load())
	c, _ := e.Counts("r")
	assert.Equal(t, uint64(1), c.Delivered)
}

// TestStopRacingPublishers stops the engine while producers of both sorts publish flat out: an
// event whose Publish returned nil is delivered to both routes, once; an event whose Publish
// failed may have reached one route (the error says that some route did not get it), and only
// the last event of each producer can be in that case, since a producer stops at its first
// error.
func TestStopRacingPublishers(t *testing.T) {
	for round := range 3 {
		cfg := testConfig(2)
		cfg.RingSize = 64
		e := newTestEngine(t, cfg)
		var got [2]collector[events.MarketData]
		for w := range 2 {
			require.NoError(t, e.Register(Route{Source: "feed", Worker: w, Target: To[events.MarketData](&got[w])}))
		}
		require.NoError(t, e.Start())
		var wg sync.WaitGroup
		accepted := make([][]uint64, 3)
		refused := make([]uint64, 3)
		for p := range 3 {
			pr, err := e.NewProducer("feed")
			if p == 2 {
				pr, err = e.Publisher("feed")
			}
			require.NoError(t, err)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := uint64(1); ; i++ {
					m := md("AAPL", 1, uint64(p)<<32|i)
					err := Publish(pr, &m)
					if err != nil {
						if !errors.Is(err, ErrStopped) {
							t.Error(err)
						}
						refused[p] = m.ID
						return
					}
					accepted[p] = append(accepted[p], m.ID)
				}
			}()
		}
		for got[0].len() < 1000*(round+1) { // let them run a little
			runtime.Gosched()
		}
		err := e.Stop(context.Background())
		wg.Wait()
		if err != nil {
			require.ErrorIs(t, err, ErrUndelivered, "only racing publishes may be left over")
		}
		want := map[uint64]bool{}
		for _, a := range accepted {
			for _, id := range a {
				want[id] = true
			}
		}
		for w := range 2 {
			delivered := map[uint64]bool{}
			var extra []uint64
			for _, ev := range got[w].events() {
				require.False(t, delivered[ev.ID], "event %x delivered twice", ev.ID)
				delivered[ev.ID] = true
				if !want[ev.ID] && ev.ID != refused[ev.ID>>32] {
					extra = append(extra, ev.ID)
				}
			}
			var missing []uint64
			for id := range want {
				if !delivered[id] {
					missing = append(missing, id)
				}
			}
			require.Empty(t, extra, "route %d: delivered but the publish failed (stop: %v)", w, err)
			require.Empty(t, missing, "route %d: accepted but not delivered (stop: %v)", w, err)
		}
	}
}

func (c *collector[T]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.got)
}
