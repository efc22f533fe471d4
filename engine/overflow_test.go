package engine

import (
	"errors"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/events"
)

// gated is a handler that records IDs and, while its gate is closed, blocks on the first event
// it gets: a worker stuck in a handler, with its lane filling behind it.
type gated struct {
	collector[events.Order]
	entered chan struct{}
	gate    chan struct{}
	first   atomic.Bool
}

func newGated() *gated { return &gated{entered: make(chan struct{}), gate: make(chan struct{})} }

func (g *gated) Receive(o *events.Order) {
	if g.first.CompareAndSwap(false, true) {
		close(g.entered)
		<-g.gate
	}
	g.collector.Receive(o)
}

func ids(os []events.Order) []uint64 {
	out := make([]uint64, len(os))
	for i, o := range os {
		out[i] = o.ID
	}
	return out
}

func seq(from, to uint64) []uint64 {
	var s []uint64
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

// TestOverflowPolicies fills an 8-slot lane behind a blocked worker and checks what each policy
// does with the events that do not fit, from a dedicated and from a shared producer.
func TestOverflowPolicies(t *testing.T) {
	const ringSize, n = 8, 20
	tests := []struct {
		policy     Overflow
		sharedWant []uint64 // delivered, shared producer
		want       []uint64 // delivered, dedicated producer
		wantErrs   int      // publishes that return ErrFull
	}{
		// The worker holds event 1 in its slot while it handles it: 7 more fit.
		{policy: DropNewest, want: seq(1, 8), sharedWant: seq(1, 8)},
		{policy: Fail, want: seq(1, 8), sharedWant: seq(1, 8), wantErrs: 12},
		// A lossy lane's batches are copied out and released: it holds the newest 8.
		{policy: DropOldest, want: append([]uint64{1}, seq(13, 20)...), sharedWant: append([]uint64{1}, seq(13, 20)...)},
	}
	for _, tt := range tests {
		for _, shared := range []bool{false, true} {
			name := tt.policy.String()
			if shared {
				name += "/shared"
			}
			t.Run(name, func(t *testing.T) {
				cfg := testConfig(1)
				cfg.RingSize = ringSize
				e := newTestEngine(t, cfg)
				h := newGated()
				require.NoError(t, e.Register(Route{Name: "r", Source: "s", Target: To[events.Order](h), Overflow: tt.policy}))
				require.NoError(t, e.Start())
				var p *Producer
				var err error
				if shared {
					p, err = e.Publisher("s")
				} else {
					p, err = e.NewProducer("s")
				}
				require.NoError(t, err)
				pub := func(id uint64) error { return Publish(p, &events.Order{Header: events.Header{ID: id}}) }
				require.NoError(t, pub(1))
				<-h.entered // the worker holds event 1 (and, for an SPSC lane, its slot)
				full := 0
				for id := uint64(2); id <= n; id++ {
					if err := pub(id); err != nil {
						require.ErrorIs(t, err, ErrFull)
						full++
					}
				}
				close(h.gate)
				require.NoError(t, p.Close())
				stop(t, e)
				want := tt.want
				if shared {
					want = tt.sharedWant
				}
				assert.Equal(t, want, ids(h.events()))
				wantErrs := 0
				if tt.wantErrs > 0 {
					wantErrs = n - len(want)
				}
				assert.Equal(t, wantErrs, full)
				c, _ := e.Counts("r")
				assert.Equal(t, uint64(n), c.Published, "every event is counted")
				assert.Equal(t, uint64(len(want)), c.Delivered)
				assert.Equal(t, uint64(n-len(want)), c.Dropped)
			})
		}
	}
}

// TestOverflowBlock blocks the publisher on a full lane until the worker moves on.
func TestOverflowBlock(t *testing.T) {
	for _, shared := range []bool{false, true} {
		cfg := testConfig(1)
		cfg.RingSize = 4
		e := newTestEngine(t, cfg)
		h := newGated()
		require.NoError(t, e.Register(Route{Name: "r", Source: "s", Target: To[events.Order](h)}))
		require.NoError(t, e.Start())
		p, err := e.NewProducer("s")
		if shared {
			p, err = e.Publisher("s")
		}
		require.NoError(t, err)
		require.NoError(t, Publish(p, &events.Order{Header: events.Header{ID: 1}}))
		<-h.entered
		done := make(chan error)
		go func() {
			var err error
			for id := uint64(2); id <= 20 && err == nil; id++ {
				err = Publish(p, &events.Order{Header: events.Header{ID: id}})
			}
			done <- err
		}()
		select {
		case <-done:
			t.Fatal("publishing 19 events into 4 slots behind a blocked worker did not block")
		default:
		}
		close(h.gate)
		require.NoError(t, <-done)
		require.NoError(t, p.Close())
		stop(t, e)
		assert.Equal(t, seq(1, 20), ids(h.events()))
	}
}

// TestMixedPoliciesShareALane: routes of one source on one worker with different policies each
// keep their own. Through a 2-slot lane behind a worker held on the first event, the Block route
// gets every event in order; the DropNewest and Fail routes lose events while the lane is full,
// keep the order of those they get, and count each loss (Fail's also come back as ErrFull)
// while the other routes still get the event.
func TestMixedPoliciesShareALane(t *testing.T) {
	cfg := testConfig(1)
	cfg.RingSize = 2
	e := newTestEngine(t, cfg)
	var a, b, f collector[events.Order]
	release := make(chan struct{})
	gate := HandlerFunc[events.Order](func(o *events.Order) {
		if o.ID == 1 {
			<-release // hold the worker on the first event: the lane fills behind it
		}
		b.Receive(o)
	})
	require.NoError(t, e.Register(Route{Name: "a", Source: "s", Target: To[events.Order](&a), Overflow: DropNewest}))
	require.NoError(t, e.Register(Route{Name: "b", Source: "s", Target: To(gate)}))
	require.NoError(t, e.Register(Route{Name: "f", Source: "s", Target: To[events.Order](&f), Overflow: Fail}))
	require.NoError(t, e.Start())
	p, err := e.NewProducer("s")
	require.NoError(t, err)
	const n = 500
	full := 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		for id := uint64(1); id <= n; id++ {
			err := Publish(p, &events.Order{Header: events.Header{ID: id}})
			if errors.Is(err, ErrFull) {
				full++
			} else {
				assert.NoError(t, err)
			}
		}
		assert.NoError(t, p.Close())
	}()
	lost := func() uint64 {
		ca, _ := e.Counts("a")
		cf, _ := e.Counts("f")
		return ca.Dropped + cf.Dropped
	}
	for lost() == 0 { // the lane is full behind the held worker once a or f has lost an event
		runtime.Gosched()
	}
	close(release)
	<-done
	stop(t, e)
	assert.Equal(t, seq(1, n), ids(b.events()), "Block: every event, in order")
	for _, tc := range []struct {
		name string
		got  []events.Order
	}{{"a", a.events()}, {"f", f.events()}} {
		got := ids(tc.got)
		assert.IsIncreasing(t, got, "%s keeps its order", tc.name)
		c, ok := e.Counts(tc.name)
		require.True(t, ok)
		assert.Equal(t, uint64(n-len(got)), c.Dropped, "%s counts each event it lost", tc.name)
		assert.Equal(t, uint64(n), c.Published, tc.name)
	}
	cf, _ := e.Counts("f")
	assert.Equal(t, int(cf.Dropped), full, "each ErrFull is one of f's drops")
	assert.Positive(t, lost(), "the lane was full for a while")
}

// TestHandlerPublishesDoNotDeadlock builds a cycle: a route on worker 0 emits, for every event,
// several into a route on worker 1, which emits each back to a route on worker 0, through
// 4-slot lanes. Blocking publishes from handlers would deadlock at once; the backlogs carry it.
func TestHandlerPublishesDoNotDeadlock(t *testing.T) {
	cfg := testConfig(2)
	cfg.RingSize, cfg.Batch = 4, 2
	e := newTestEngine(t, cfg)
	var sink collector[events.Order]
	fanout := func(s *events.Signal) (events.Signal, bool) { return *s, true }
	emit := Emit[events.Signal]("b")
	require.NoError(t, e.Register(Route{Name: "a", Source: "a", Worker: 0,
		Target: To(Broadcast(Transform(fanout, emit), Transform(fanout, emit), Transform(fanout, emit)))}))
	require.NoError(t, e.Register(Route{Name: "b", Source: "b", Worker: 1,
		Target: To(Transform(func(s *events.Signal) (events.Order, bool) {
			return events.Order{Header: events.Header{ID: s.ID}}, true
		}, Emit[events.Order]("c")))}))
	require.NoError(t, e.Register(Route{Name: "c", Source: "c", Worker: 0, Target: To[events.Order](&sink)}))
	require.NoError(t, e.Start())
	p, err := e.NewProducer("a")
	require.NoError(t, err)
	const n = 300
	for range n {
		require.NoError(t, Publish(p, &events.Signal{}))
	}
	require.NoError(t, p.Close())
	stop(t, e)
	assert.Len(t, sink.events(), 3*n)
	c, _ := e.Counts("c")
	assert.Equal(t, uint64(3*n), c.Delivered)
	assert.Zero(t, c.Dropped)
}

func TestHandlerBacklogBound(t *testing.T) {
	var reported atomic.Int64
	cfg := testConfig(1)
	cfg.RingSize, cfg.Backlog = 2, 3
	cfg.OnError = func(err error) {
		if assert.ErrorIs(t, err, ErrBacklogFull) {
			reported.Add(1)
		}
	}
	e := newTestEngine(t, cfg)
	var sink collector[events.Order]
	// One event fans out 10 publishes into a 2-slot lane that the same worker drains only
	// after this handler returns: 2 fit, 3 wait in the backlog, 5 are dropped and reported.
	var tenTimes []Handler[events.Order]
	for range 10 {
		tenTimes = append(tenTimes, Emit[events.Order]("b"))
	}
	require.NoError(t, e.Register(Route{Name: "a", Source: "a", Target: To(Broadcast(tenTimes...))}))
	require.NoError(t, e.Register(Route{Name: "b", Source: "b", Target: To[events.Order](&sink)}))
	require.NoError(t, e.Start())
	p, err := e.NewProducer("a")
	require.NoError(t, err)
	require.NoError(t, Publish(p, &events.Order{}))
	require.NoError(t, p.Close())
	stop(t, e)
	assert.Len(t, sink.events(), 5)
	// Five drops, and route a's chain returning the error (Broadcast keeps the first).
	assert.Equal(t, int64(6), reported.Load())
	c, _ := e.Counts("b")
	assert.Equal(t, uint64(5), c.Dropped)
	c, _ = e.Counts("a")
	assert.Equal(t, uint64(1), c.Dropped, "route a's chain returned ErrBacklogFull")
}
