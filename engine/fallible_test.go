package engine

import (
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/events"
)

// TestFallible: a Fallible handler's error fails the delivery: the chain stops there, the route
// counts it dropped, and the error hook gets it with the route and the event's ID.
func TestFallible(t *testing.T) {
	errOdd := errors.New("odd")
	cfg := testConfig(1)
	var mu sync.Mutex
	var reported []error
	cfg.OnError = func(err error) {
		mu.Lock()
		reported = append(reported, err)
		mu.Unlock()
	}
	e := newTestEngine(t, cfg)
	var after collector[events.Order]
	f := Fallible(func(o *events.Order) error {
		if o.ID%2 == 1 {
			return errOdd
		}
		return nil
	})
	require.NoError(t, e.Register(Route{Name: "f", Source: "s", Target: To(Pipeline(f, Handler[events.Order](&after)))}))
	require.NoError(t, e.Start())
	p, err := e.NewProducer("s")
	require.NoError(t, err)
	for id := uint64(1); id <= 4; id++ {
		require.NoError(t, Publish(p, &events.Order{Header: events.Header{ID: id}}))
	}
	require.NoError(t, p.Close())
	stop(t, e)
	assert.Equal(t, []uint64{2, 4}, ids(after.events()))
	c, _ := e.Counts("f")
	assert.Equal(t, uint64(2), c.Dropped)
	require.Len(t, reported, 2)
	var de *DeliveryError
	require.ErrorAs(t, reported[0], &de)
	assert.ErrorIs(t, de, errOdd)
	assert.Equal(t, "f", de.Route)
	assert.Equal(t, uint64(1), de.EventID)
	assert.Equal(t, "pipeline(fallible(*Order), *engine.collector[github.com/hotpath-go/hotpath/events.Order])", e.Routes()[0].Chain)
	assert.PanicsWithError(t, "odd", func() { f.Receive(&events.Order{Header: events.Header{ID: 1}}) })
	e2 := newTestEngine(t, testConfig(1))
	require.NoError(t, e2.Register(Route{Source: "s", Target: To(Fallible[events.Order](nil))}))
	assert.ErrorContains(t, e2.Compile(), "nil Fallible")
}
