package engine

import (
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/events"
)

// sideTier hands the events its route's chain fails on to a side chain compiled at Bind
// (RouteInfo.Compile): the shape of a reliable tier's dead-letter target.
type sideTier struct {
	side  Target
	late  func(Target) (Step, error) // RouteInfo.Compile, kept to call after Bind
	errs  []error                    // what the side Step returned
	steps []Step
	mu    sync.Mutex
}

func (*sideTier) Name() string { return "side" }
func (*sideTier) Inline() bool { return false }

func (s *sideTier) Bind(r RouteInfo, next Step) (Binding, error) {
	side, err := r.Compile(s.side)
	if err != nil {
		return Binding{}, err
	}
	s.late = r.Compile
	s.steps = append(s.steps, side)
	return Binding{Step: func(c *Context, ev *events.Raw) error {
		if next(c, ev) == nil {
			return nil
		}
		if err := side(c, ev); err != nil {
			s.mu.Lock()
			s.errs = append(s.errs, err)
			s.mu.Unlock()
		}
		return nil
	}}, nil
}

func (s *sideTier) sideErrs() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.errs...)
}

// oddFails fails the events with odd IDs.
var oddFails = Fallible(func(o *events.Order) error {
	if o.ID%2 == 1 {
		return errors.New("odd")
	}
	return nil
})

// TestCompileSide: a tier's side chain, compiled by RouteInfo.Compile, runs on the route's worker
// with the engine's accounting: the events it gets, its BatchHandler's EndBatch after each one,
// and its panics and errors recovered, counted and reported without stopping the worker.
func TestCompileSide(t *testing.T) {
	for _, tc := range []struct {
		name       string
		side       func(*collector[events.Order], *batcher) Target
		got        []uint64 // what the side chain received
		errs       int      // side Steps that failed
		panics     uint64   // counted on the route
		reportedAs error
	}{
		{
			name: "receives",
			side: func(col *collector[events.Order], b *batcher) Target {
				return To(Broadcast[events.Order](col, b))
			},
			got: []uint64{1, 3, 5},
		},
		{
			name: "panics",
			side: func(col *collector[events.Order], _ *batcher) Target {
				return To(Pipeline[events.Order](col, HandlerFunc[events.Order](func(o *events.Order) {
					if o.ID == 3 {
						panic("side boom")
					}
				})))
			},
			got: []uint64{1, 3, 5}, errs: 1, panics: 1, reportedAs: ErrPanic,
		},
		{
			name: "fails",
			side: func(col *collector[events.Order], _ *batcher) Target {
				return To(Pipeline[events.Order](col, Fallible(func(o *events.Order) error {
					if o.ID == 5 {
						return errSide
					}
					return nil
				})))
			},
			got: []uint64{1, 3, 5}, errs: 1, reportedAs: errSide,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(1)
			var mu sync.Mutex
			var reported []error
			cfg.OnError = func(err error) {
				mu.Lock()
				reported = append(reported, err)
				mu.Unlock()
			}
			e := newTestEngine(t, cfg)
			var col collector[events.Order]
			var b batcher
			tier := &sideTier{side: tc.side(&col, &b)}
			require.NoError(t, e.Register(Route{Name: "r", Source: "s", Tier: tier, Target: To(oddFails)}))
			require.NoError(t, e.Start())
			p, err := e.NewProducer("s")
			require.NoError(t, err)
			for id := uint64(1); id <= 6; id++ {
				require.NoError(t, Publish(p, &events.Order{Header: events.Header{ID: id}}))
			}
			require.NoError(t, p.Close())
			stop(t, e)
			assert.Equal(t, tc.got, ids(col.events()), "the side chain got the failed events, in order")
			if tc.name == "receives" {
				assert.Equal(t, int64(3), b.events.Load())
				assert.Equal(t, int64(3), b.batches.Load(), "EndBatch after each event")
			}
			errs := tier.sideErrs()
			require.Len(t, errs, tc.errs)
			c, _ := e.Counts("r")
			assert.Equal(t, tc.panics, c.Panics)
			if tc.reportedAs == nil {
				return
			}
			var de *DeliveryError
			require.ErrorAs(t, errs[0], &de)
			assert.ErrorIs(t, de, tc.reportedAs)
			assert.Equal(t, "r", de.Route)
			assert.Equal(t, 0, de.Worker)
			mu.Lock()
			defer mu.Unlock()
			require.NotEmpty(t, reported)
			assert.ErrorIs(t, reported[len(reported)-1], tc.reportedAs, "reported to Config.OnError")
		})
	}
}

var errSide = errors.New("side failed")

// TestCompileSideRefuses: a side chain of another event type fails the route's Compile; so does
// an empty one; Compile after Bind returned fails.
func TestCompileSideRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		side Target
		want string
	}{
		{"other type", To(HandlerFunc[events.Signal](func(*events.Signal) {})), "the route's events are Order"},
		{"empty", Target{}, "empty target"},
	} {
		e := newTestEngine(t, testConfig(1))
		require.NoError(t, e.Register(Route{Name: "r", Source: "s", Tier: &sideTier{side: tc.side}, Target: To(oddFails)}))
		err := e.Compile()
		require.ErrorIs(t, err, ErrRoute, tc.name)
		assert.ErrorContains(t, err, tc.want, tc.name)
	}
	e := newTestEngine(t, testConfig(1))
	tier := &sideTier{side: RawFunc("any", func(*events.Raw) {})}
	require.NoError(t, e.Register(Route{Name: "r", Source: "s", Tier: tier, Target: To(oddFails)}))
	require.NoError(t, e.Compile(), "a kind-independent side chain takes the route's events")
	_, err := tier.late(tier.side)
	assert.ErrorContains(t, err, "after Bind returned")
}

// TestCompileSideAllocs: running a side chain allocates nothing.
func TestCompileSideAllocs(t *testing.T) {
	e := newTestEngine(t, testConfig(1))
	var n int
	tier := &sideTier{side: To(Pipeline(HandlerFunc[events.Order](func(*events.Order) { n++ })))}
	require.NoError(t, e.Register(Route{Name: "r", Source: "s", Tier: tier, Target: To(oddFails)}))
	require.NoError(t, e.Compile())
	w := e.workers[0]
	ev := &events.Raw{Header: events.Header{ID: 1}}
	side := tier.steps[0]
	assert.Zero(t, testing.AllocsPerRun(1000, func() { _ = side(&w.ctx, ev) }))
	assert.Positive(t, n)
}
