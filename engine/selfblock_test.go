package engine

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/events"
)

// TestHandlerPublishIntoOwnFullLane: a handler that publishes through a Producer or a
// Publisher (not its Context) into a Block route served by its own worker fills that lane,
// since the worker cannot drain it while it runs the handler. The publish that finds it full
// fails with ErrSelfBlock at once, counted as a drop on the route, instead of deadlocking the
// worker; every event accepted is delivered once the handler returns, and Stop returns.
func TestHandlerPublishIntoOwnFullLane(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the engine recognises its workers' goroutines by thread id on Linux only")
	}
	for _, shared := range []bool{false, true} {
		name := "producer"
		if shared {
			name = "publisher"
		}
		t.Run(name, func(t *testing.T) {
			const lane, tries = 8, 40
			cfg := testConfig(1)
			cfg.RingSize = lane
			e := newTestEngine(t, cfg)
			var out *Producer
			var errs []error
			got := 0
			handled := make(chan struct{})
			require.NoError(t, e.Register(Route{Name: "in", Source: "in", Target: To(HandlerFunc[events.Signal](func(*events.Signal) {
				for i := range tries {
					errs = append(errs, Publish(out, &events.Order{Header: events.Header{ID: uint64(i + 1)}}))
				}
				close(handled)
			}))}))
			require.NoError(t, e.Register(Route{Name: "loop", Source: "loop", Target: To(HandlerFunc[events.Order](func(*events.Order) { got++ }))}))
			require.NoError(t, e.Start())
			var err error
			if shared {
				out, err = e.Publisher("loop")
			} else {
				out, err = e.NewProducer("loop")
			}
			require.NoError(t, err)
			in, err := e.NewProducer("in")
			require.NoError(t, err)
			require.NoError(t, Publish(in, &events.Signal{}))
			require.NoError(t, in.Close())
			<-handled // the handler returned: it did not wait on its own lane

			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			require.NoError(t, e.Stop(ctx), "Stop returns: the worker was not left waiting on itself")
			require.Len(t, errs, tries)
			accepted, refused := 0, 0
			for _, err := range errs {
				switch {
				case err == nil:
					accepted++
				case errors.Is(err, ErrSelfBlock):
					refused++
				default:
					t.Fatalf("unexpected error %v", err)
				}
			}
			assert.Positive(t, refused, "the lane filled and later publishes were refused")
			assert.GreaterOrEqual(t, accepted, lane-1, "the lane's room was used first")
			assert.Equal(t, accepted, got, "every accepted event was delivered")
			c, ok := e.Counts("loop")
			require.True(t, ok)
			assert.Equal(t, uint64(refused), c.Dropped, "each refusal is counted as a drop")
		})
	}
}
