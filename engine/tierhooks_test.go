package engine

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/events"
)

// holdingTier holds every event its Step or OnPublish gets and hands the held ones to the chain
// from Tick: once wait has passed since the first (0: never), or when Stop begins. It is the
// shape of package tiers' batching and replaying tiers.
type holdingTier struct {
	wait      time.Duration
	takeOdd   bool // OnPublish takes events with odd IDs
	ownsEnd   bool
	panicTick atomic.Bool

	mu      sync.Mutex
	held    []events.Raw
	first   int64
	ticks   atomic.Int64
	stopped atomic.Bool  // a tick saw Stopping
	flushes atomic.Int64 // batches the tier ended itself (EndChain)
	wake    func()
}

func (*holdingTier) Name() string { return "holding" }
func (*holdingTier) Inline() bool { return false }

func (h *holdingTier) hold(now int64, ev *events.Raw) {
	h.mu.Lock()
	if len(h.held) == 0 {
		h.first = now
	}
	h.held = append(h.held, *ev)
	h.mu.Unlock()
}

func (h *holdingTier) Bind(r RouteInfo, next Step) (Binding, error) {
	if r.Clock == nil || r.Wake == nil {
		return Binding{}, errors.New("no clock or wake")
	}
	h.wake = r.Wake
	b := Binding{
		Step: func(c *Context, ev *events.Raw) error {
			h.hold(r.Clock.Nanotime(), ev)
			return nil
		},
		Tick: func(c *Context, now int64) (int, int64) {
			h.ticks.Add(1)
			if h.panicTick.Load() {
				h.panicTick.Store(false)
				panic("tick boom")
			}
			stopping := c.Stopping()
			if stopping {
				h.stopped.Store(true)
			}
			h.mu.Lock()
			if len(h.held) == 0 {
				h.mu.Unlock()
				return 0, 0
			}
			due := h.first + int64(h.wait)
			if !stopping && (h.wait == 0 || now < due) {
				h.mu.Unlock()
				if h.wait == 0 {
					return 0, 0
				}
				return 0, due
			}
			evs := h.held
			h.held = nil
			h.mu.Unlock()
			for i := range evs {
				if err := next(c, &evs[i]); err != nil {
					return i, 0
				}
			}
			if r.EndChain != nil {
				h.flushes.Add(1)
				r.EndChain()
			}
			return len(evs), 0
		},
		OwnsEndBatch: h.ownsEnd,
	}
	if h.takeOdd {
		b.OnPublish = func(c *Context, ev *events.Raw) bool {
			if ev.ID%2 == 0 {
				return false
			}
			h.hold(r.Clock.Nanotime(), ev)
			h.wake()
			return true
		}
	}
	return b, nil
}

// TestTierTickDeadline: a held event is handed on by Tick once its time is up, although no
// other event comes, and the parked worker wakes for the deadline rather than napping MaxNap.
func TestTierTickDeadline(t *testing.T) {
	cfg := testConfig(1)
	cfg.MaxNap = 5 * time.Second
	e := newTestEngine(t, cfg)
	tier := &holdingTier{wait: 20 * time.Millisecond}
	got := make(chan uint64, 1)
	require.NoError(t, e.Register(Route{Name: "h", Source: "s", Tier: tier,
		Target: To(HandlerFunc[events.Order](func(o *events.Order) { got <- o.ID }))}))
	require.NoError(t, e.Start())
	defer stop(t, e)
	p, err := e.NewProducer("s")
	require.NoError(t, err)
	defer p.Close()
	start := time.Now()
	require.NoError(t, Publish(p, &events.Order{Header: events.Header{ID: 7}}))
	select {
	case id := <-got:
		assert.Equal(t, uint64(7), id)
		el := time.Since(start)
		assert.GreaterOrEqual(t, el, 20*time.Millisecond, "not before its time")
		assert.Less(t, el, 2*time.Second, "the worker's nap is bounded by the deadline, not MaxNap")
	case <-time.After(10 * time.Second):
		t.Fatal("the held event was never handed on")
	}
}

// TestTierOnPublish: OnPublish takes some events on the publisher's goroutine (they skip the
// lane), Wake brings the parked worker to hand them on from Tick; the others go through the
// lane as usual.
func TestTierOnPublish(t *testing.T) {
	cfg := testConfig(1)
	cfg.MaxNap = 5 * time.Second
	e := newTestEngine(t, cfg)
	tier := &holdingTier{takeOdd: true, wait: time.Nanosecond}
	var col collector[events.Order]
	require.NoError(t, e.Register(Route{Name: "h", Source: "s", Tier: tier, Target: To[events.Order](&col)}))
	require.NoError(t, e.Start())
	p, err := e.NewProducer("s")
	require.NoError(t, err)
	sh, err := e.Publisher("s")
	require.NoError(t, err)
	start := time.Now()
	require.NoError(t, Publish(p, &events.Order{Header: events.Header{ID: 1}}))
	require.NoError(t, Publish(sh, &events.Order{Header: events.Header{ID: 3}}))
	require.Eventually(t, func() bool { return len(col.events()) == 2 }, 10*time.Second, time.Millisecond)
	assert.Less(t, time.Since(start), 2*time.Second, "Wake brought the parked worker")
	c, _ := e.Counts("h")
	assert.Zero(t, c.Published, "taken events are the tier's to count")
	require.NoError(t, Publish(p, &events.Order{Header: events.Header{ID: 2}}))
	require.NoError(t, p.Close())
	stop(t, e)
	assert.ElementsMatch(t, []uint64{1, 2, 3}, ids(col.events()))
	c, _ = e.Counts("h")
	assert.Equal(t, uint64(1), c.Published, "the even event went through the lane")
}

// TestTierOwnsEndBatch: with OwnsEndBatch the engine leaves the chain's BatchHandler alone and
// the tier ends its batches through RouteInfo.EndChain.
func TestTierOwnsEndBatch(t *testing.T) {
	for _, owns := range []bool{false, true} {
		e := newTestEngine(t, testConfig(1))
		tier := &holdingTier{ownsEnd: owns}
		var b batcher
		require.NoError(t, e.Register(Route{Name: "h", Source: "s", Tier: tier, Target: To[events.Order](&b)}))
		require.NoError(t, e.Start())
		p, err := e.NewProducer("s")
		require.NoError(t, err)
		for id := uint64(1); id <= 10; id++ {
			require.NoError(t, Publish(p, &events.Order{Header: events.Header{ID: id}}))
		}
		require.NoError(t, p.Close())
		stop(t, e)
		assert.True(t, tier.stopped.Load(), "a tick saw Stopping and handed the held events on")
		assert.Equal(t, int64(10), b.events.Load(), "owns=%v", owns)
		if owns {
			// Only the tier ends batches: once per flush (at Stop; a flush per stopping tick
			// that found held events, usually one).
			assert.Equal(t, tier.flushes.Load(), b.batches.Load(), "EndBatch only from the tier's flushes")
			assert.GreaterOrEqual(t, b.batches.Load(), int64(1))
		} else {
			assert.Greater(t, b.batches.Load(), int64(1), "the engine ends every lane batch, and the tier its flush")
		}
	}
}

// TestTierTickPanic: a panicking Tick is recovered, counted and reported on its route; the worker
// goes on ticking.
func TestTierTickPanic(t *testing.T) {
	cfg := testConfig(1)
	var reported atomic.Pointer[DeliveryError]
	cfg.OnError = func(err error) {
		var de *DeliveryError
		if errors.As(err, &de) {
			reported.Store(de)
		}
	}
	e := newTestEngine(t, cfg)
	tier := &holdingTier{}
	tier.panicTick.Store(true)
	require.NoError(t, e.Register(Route{Name: "h", Source: "s", Tier: tier,
		Target: To(HandlerFunc[events.Order](func(*events.Order) {}))}))
	require.NoError(t, e.Start())
	require.Eventually(t, func() bool { return reported.Load() != nil }, 10*time.Second, time.Millisecond)
	before := tier.ticks.Load()
	require.Eventually(t, func() bool { return tier.ticks.Load() > before }, 10*time.Second, time.Millisecond)
	stop(t, e)
	de := reported.Load()
	assert.Equal(t, "h", de.Route)
	assert.Equal(t, "tick boom", de.Panic)
	c, _ := e.Counts("h")
	assert.Equal(t, uint64(1), c.Panics)
}

// TestContextRestore: a tier that recovers a panic from inside a Transform releases the scratch
// event the Transform took, so that later events do not run out of nesting depth.
func TestContextRestore(t *testing.T) {
	e := newTestEngine(t, testConfig(1))
	var got collector[events.Signal]
	boom := HandlerFunc[events.Signal](func(s *events.Signal) {
		if s.ID%2 == 0 {
			panic("boom")
		}
		got.Receive(s)
	})
	toSignal := func(o *events.Order) (events.Signal, bool) { return events.Signal{Header: o.Header}, true }
	recovering := tierFunc(func(c *Context, ev *events.Raw, next Step) error {
		mark := c.Mark()
		defer func() {
			if recover() != nil {
				c.Restore(mark)
			}
		}()
		return next(c, ev)
	})
	require.NoError(t, e.Register(Route{Name: "r", Source: "s", Tier: recovering, Target: To(Transform(toSignal, boom))}))
	require.NoError(t, e.Start())
	p, err := e.NewProducer("s")
	require.NoError(t, err)
	for id := uint64(1); id <= 4*MaxDepth; id++ {
		require.NoError(t, Publish(p, &events.Order{Header: events.Header{ID: id}}))
	}
	require.NoError(t, p.Close())
	stop(t, e)
	assert.Len(t, got.events(), 2*MaxDepth, "every odd event, however many panics came before")
}

// tierFunc is a tier whose Step is f around the chain.
type tierFunc func(c *Context, ev *events.Raw, next Step) error

func (tierFunc) Name() string { return "func" }
func (tierFunc) Inline() bool { return false }
func (f tierFunc) Bind(_ RouteInfo, next Step) (Binding, error) {
	return Binding{Step: func(c *Context, ev *events.Raw) error { return f(c, ev, next) }}, nil
}
