package engine

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/affinity"
	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/ring"
)

// TestPanicsAreRecovered: a handler that panics on some events is recovered, counted on its
// route, reported with the route's name and the event's ID; the worker goes on, and the other
// routes of the same lane still get the event.
func TestPanicsAreRecovered(t *testing.T) {
	for _, tier := range []Tier{Standard(), Inline()} {
		t.Run(tier.Name(), func(t *testing.T) {
			var mu sync.Mutex
			var reported []string
			cfg := testConfig(1)
			cfg.OnError = func(err error) {
				var de *DeliveryError
				require.ErrorAs(t, err, &de)
				require.ErrorIs(t, err, ErrPanic)
				mu.Lock()
				reported = append(reported, fmt.Sprintf("%s/%d/%v", de.Route, de.EventID, de.Panic))
				mu.Unlock()
			}
			e := newTestEngine(t, cfg)
			var before, after collector[events.Order]
			bad := HandlerFunc[events.Order](func(o *events.Order) {
				if o.ID%3 == 0 {
					panic(fmt.Sprintf("boom %d", o.ID))
				}
			})
			for _, r := range []Route{
				{Name: "before", Target: To[events.Order](&before)},
				{Name: "bad", Target: To(Pipeline(bad, Handler[events.Order](&after)))},
				{Name: "after", Target: To[events.Order](&after)},
			} {
				r.Source, r.Tier = "s", tier
				require.NoError(t, e.Register(r))
			}
			require.NoError(t, e.Start())
			p, err := e.NewProducer("s")
			require.NoError(t, err)
			var errs []error
			for id := uint64(1); id <= 9; id++ {
				if err := Publish(p, &events.Order{Header: events.Header{ID: id}}); err != nil {
					errs = append(errs, err)
				}
			}
			require.NoError(t, p.Close())
			stop(t, e)
			assert.Equal(t, seq(1, 9), ids(before.events()))
			// after gets every event from its own route, and the non-panicking ones through bad.
			assert.Len(t, after.events(), 9+6)
			assert.Equal(t, []string{"bad/3/boom 3", "bad/6/boom 6", "bad/9/boom 9"}, reported)
			c, _ := e.Counts("bad")
			assert.Equal(t, uint64(3), c.Panics)
			assert.Equal(t, uint64(6), c.Delivered)
			assert.Equal(t, uint64(9), c.Published)
			if tier.Inline() {
				require.Len(t, errs, 3, "an inline route's panic is the publisher's error")
				assert.ErrorIs(t, errs[0], ErrPanic)
			} else {
				assert.Empty(t, errs)
			}
		})
	}
}

// batcher counts events and batches.
type batcher struct {
	events, batches atomic.Int64
	pending         int
}

func (b *batcher) Receive(*events.Order) { b.pending++ }
func (b *batcher) EndBatch() {
	b.events.Add(int64(b.pending))
	b.pending = 0
	b.batches.Add(1)
}

func TestBatchHandler(t *testing.T) {
	e := newTestEngine(t, testConfig(1))
	var b batcher
	require.NoError(t, e.Register(Route{Name: "b", Source: "s", Target: To[events.Order](&b)}))
	require.NoError(t, e.Start())
	p, err := e.NewProducer("s")
	require.NoError(t, err)
	batch := make([]events.Raw, 50)
	for i := range batch {
		batch[i] = events.ToRaw(&events.Order{Header: events.Header{Kind: events.KindOrder}})
	}
	for range 20 {
		require.NoError(t, p.PublishBatch(batch))
	}
	require.NoError(t, p.Close())
	stop(t, e)
	assert.Equal(t, int64(1000), b.events.Load(), "every event is flushed by an EndBatch")
	assert.LessOrEqual(t, b.batches.Load(), int64(1000))
	assert.Positive(t, b.batches.Load())
}

// countingTier is a tier in the shape package tiers will have: it wraps the chain, flushes at
// the end of batches and takes events its lane has no room for.
type countingTier struct {
	steps, ends, spilled atomic.Int64
}

func (*countingTier) Name() string { return "counting" }
func (*countingTier) Inline() bool { return false }
func (c *countingTier) Bind(r RouteInfo, next Step) (Binding, error) {
	if r.Metrics == nil || r.Name == "" {
		return Binding{}, errors.New("no route info")
	}
	return Binding{
		Step: func(ctx *Context, ev *events.Raw) error {
			c.steps.Add(1)
			return next(ctx, ev)
		},
		EndBatch: func(*Context) error { c.ends.Add(1); return nil },
		OnFull: func(_ *Context, ev *events.Raw) bool {
			c.spilled.Add(1)
			return true
		},
	}, nil
}

func TestTierSeam(t *testing.T) {
	cfg := testConfig(1)
	cfg.RingSize = 4
	e := newTestEngine(t, cfg)
	h := newGated()
	var tier countingTier
	require.NoError(t, e.Register(Route{Name: "r", Source: "s", Target: To[events.Order](h), Tier: &tier, Overflow: Fail}))
	require.NoError(t, e.Start())
	p, err := e.NewProducer("s")
	require.NoError(t, err)
	require.NoError(t, Publish(p, &events.Order{Header: events.Header{ID: 1}}))
	<-h.entered
	for id := uint64(2); id <= 10; id++ {
		require.NoError(t, Publish(p, &events.Order{Header: events.Header{ID: id}}), "OnFull took it: no ErrFull")
	}
	close(h.gate)
	require.NoError(t, p.Close())
	stop(t, e)
	assert.Equal(t, seq(1, 4), ids(h.events()))
	assert.Equal(t, int64(4), tier.steps.Load())
	assert.Equal(t, int64(6), tier.spilled.Load())
	assert.Positive(t, tier.ends.Load())
	assert.Equal(t, "counting", e.Routes()[0].Tier)

	e2 := newTestEngine(t, testConfig(1))
	require.NoError(t, e2.Register(Route{Name: "r", Source: "s", Target: To[events.Order](h), Tier: refusingTier{}}))
	err = e2.Compile()
	require.ErrorIs(t, err, ErrRoute)
	assert.Contains(t, err.Error(), `route "r": tier refusing: no`)
}

type refusingTier struct{}

func (refusingTier) Name() string                          { return "refusing" }
func (refusingTier) Inline() bool                          { return false }
func (refusingTier) Bind(RouteInfo, Step) (Binding, error) { return Binding{}, errors.New("no") }

// TestPinning drives the pinning seam: each worker asks for its CPU, unpins when it returns,
// and a refused pin fails Start without leaving a goroutine behind. GOMAXPROCS is raised for
// pinned workers and restored by Stop.
func TestPinning(t *testing.T) {
	var mu sync.Mutex
	var pinned, unpinned []int
	fake := func(cpu int) (func() error, error) {
		if cpu == 99 {
			return nil, affinity.ErrCPUNotAllowed
		}
		mu.Lock()
		pinned = append(pinned, cpu)
		mu.Unlock()
		return func() error {
			mu.Lock()
			unpinned = append(unpinned, cpu)
			mu.Unlock()
			return nil
		}, nil
	}
	procs := runtime.GOMAXPROCS(0)
	cfg := testConfig(2)
	cfg.CPUs, cfg.pin = []int{3, 5}, fake
	e := newTestEngine(t, cfg)
	require.NoError(t, e.Start())
	assert.GreaterOrEqual(t, runtime.GOMAXPROCS(0), 3, "pinned workers + 1")
	stop(t, e)
	assert.ElementsMatch(t, []int{3, 5}, pinned)
	assert.ElementsMatch(t, []int{3, 5}, unpinned)
	assert.Equal(t, procs, runtime.GOMAXPROCS(0), "restored")

	cfg.CPUs = []int{3, 99}
	e = newTestEngine(t, cfg)
	err := e.Start()
	require.ErrorIs(t, err, affinity.ErrCPUNotAllowed)
	assert.Contains(t, err.Error(), "worker 1")
	assert.Equal(t, procs, runtime.GOMAXPROCS(0), "restored after a failed start")
}

// TestRealPinning pins a worker to a CPU this process may use, through affinity.Pin.
func TestRealPinning(t *testing.T) {
	allowed, err := affinity.ThreadAllowed()
	if err != nil || allowed.IsEmpty() {
		t.Skipf("no affinity here: %v", err)
	}
	cpu := allowed.CPUs()[len(allowed.CPUs())-1]
	cfg := testConfig(1)
	cfg.CPUs = []int{cpu}
	e := newTestEngine(t, cfg)
	var on atomic.Int64
	on.Store(-1)
	require.NoError(t, e.Register(Route{Source: "s", Target: To(HandlerFunc[events.Order](func(*events.Order) {
		c, _ := affinity.CurrentCPU()
		on.Store(int64(c))
	}))}))
	if err := e.Start(); err != nil {
		t.Skipf("cannot pin to CPU %d here: %v", cpu, err)
	}
	p, err := e.NewProducer("s")
	require.NoError(t, err)
	require.NoError(t, Publish(p, &events.Order{}))
	require.NoError(t, p.Close())
	stop(t, e)
	assert.Equal(t, int64(cpu), on.Load())
}

// TestIdleWorkerParks: a worker whose wait ends in parking (by counts or by time) parks once
// idle, and the next publish wakes it; one that busy-spins never parks.
func TestIdleWorkerParks(t *testing.T) {
	for _, tt := range []struct {
		name string
		wait ring.Wait
	}{
		{"Parking", ring.Parking()},
		{"Responsive", ring.Responsive()},
		{"time-bounded, short", ring.Wait{SpinFor: 20 * time.Microsecond, YieldFor: 20 * time.Microsecond, Park: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(1)
			cfg.Wait = tt.wait
			e := newTestEngine(t, cfg)
			var got atomic.Int64
			require.NoError(t, e.Register(Route{Source: "feed", Target: To(HandlerFunc[events.MarketData](func(*events.MarketData) { got.Add(1) }))}))
			require.NoError(t, e.Start())
			p, err := e.NewProducer("feed")
			require.NoError(t, err)
			w := e.workers[0]
			for round := 1; round <= 3; round++ {
				require.Eventually(t, w.sleeping.Load, 10*time.Second, 100*time.Microsecond, "round %d: the idle worker parks", round)
				ev := md("AAPL", 1, 0)
				require.NoError(t, Publish(p, &ev))
				require.Eventually(t, func() bool { return got.Load() == int64(round) }, 10*time.Second, 100*time.Microsecond, "round %d: the parked worker wakes", round)
			}
			require.NoError(t, p.Close())
			stop(t, e)
		})
	}
}
