package engine

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/events"
)

// TestStopStuckHandler: a handler that does not return does not hold Stop past its deadline.
// Stop returns, after its ctx and StopGrace, an error naming the stuck worker; the engine
// finishes stopping when the handler returns, and a later Stop waits for that and returns nil.
func TestStopStuckHandler(t *testing.T) {
	e := newTestEngine(t, testConfig(2))
	entered, release := make(chan struct{}), make(chan struct{})
	require.NoError(t, e.Register(Route{Name: "stuck", Source: "s", Worker: 1, Target: To(HandlerFunc[events.Order](func(*events.Order) {
		close(entered)
		<-release
	}))}))
	require.NoError(t, e.Register(Route{Name: "fine", Source: "t", Worker: 0, Target: To(HandlerFunc[events.Order](func(*events.Order) {}))}))
	require.NoError(t, e.Start())
	p, err := e.NewProducer("s")
	require.NoError(t, err)
	require.NoError(t, Publish(p, &events.Order{}))
	require.NoError(t, p.Close())
	<-entered

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = e.Stop(ctx)
	assert.Less(t, time.Since(start), 10*time.Second, "Stop returned without the stuck worker")
	assert.ErrorIs(t, err, ErrHandlerStuck)
	assert.ErrorIs(t, err, ErrUndelivered)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorContains(t, err, "workers [1]")

	short, cancel2 := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel2()
	assert.ErrorIs(t, e.Stop(short), ErrHandlerStuck, "still stuck: a second Stop waits only for its own ctx")

	close(release)
	done, cancel3 := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel3()
	require.NoError(t, e.Stop(done), "the handler returned: the engine finished stopping")
	assert.NoError(t, e.Stop(done), "idempotent")
	assert.ErrorIs(t, Publish(p, &events.Order{}), ErrClosed)
}
