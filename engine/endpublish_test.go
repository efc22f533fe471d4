package engine

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/events"
)

// takingTier takes every event in OnPublish (a write-ahead tier's shape) and counts, per
// publisher goroutine, the events it took and the EndPublish calls; endErr is EndPublish's.
type takingTier struct {
	took, ends int
	pending    int // taken since the last EndPublish
	perEnd     []int
	endErr     error
	onWorker   int // EndPublish calls with c.Worker() >= 0
}

func (*takingTier) Name() string { return "taking" }
func (*takingTier) Inline() bool { return false }
func (t *takingTier) Bind(RouteInfo, Step) (Binding, error) {
	return Binding{
		OnPublish: func(*Context, *events.Raw) bool { t.took++; t.pending++; return true },
		EndPublish: func(c *Context) error {
			t.ends++
			t.perEnd = append(t.perEnd, t.pending)
			t.pending = 0
			if c.Worker() >= 0 {
				t.onWorker++
			}
			return t.endErr
		},
	}, nil
}

// TestEndPublish: a tier's EndPublish runs once per publish call in which its OnPublish took
// events - once for a whole PublishBatch - on the publisher's goroutine, and its error is the
// call's; a shared publisher calls it after each event.
func TestEndPublish(t *testing.T) {
	tier := &takingTier{}
	e := newTestEngine(t, testConfig(1))
	require.NoError(t, e.Register(Route{Name: "wal", Source: "s", Tier: tier, Target: To(HandlerFunc[events.Order](func(*events.Order) {}))}))
	require.NoError(t, e.Register(Route{Name: "other", Source: "t", Target: To(HandlerFunc[events.Order](func(*events.Order) {}))}))
	require.NoError(t, e.Start())
	p, err := e.NewProducer("s")
	require.NoError(t, err)
	require.NoError(t, Publish(p, &events.Order{}))
	batch := make([]events.Raw, 10)
	for i := range batch {
		batch[i] = events.ToRaw(&events.Order{Header: events.Header{Kind: events.KindOrder}})
	}
	require.NoError(t, p.PublishBatch(batch))
	assert.Equal(t, []int{1, 10}, tier.perEnd, "one EndPublish per call, after all the call's events")

	tier.endErr = errors.New("not durable")
	assert.ErrorIs(t, p.PublishBatch(batch[:3]), tier.endErr, "EndPublish's error is the call's")
	tier.endErr = nil

	sh, err := e.Publisher("s")
	require.NoError(t, err)
	require.NoError(t, sh.PublishBatch(batch[:2]))
	assert.Equal(t, []int{1, 10, 3, 1, 1}, tier.perEnd, "a shared publisher ends each event")

	q, err := e.NewProducer("t")
	require.NoError(t, err)
	require.NoError(t, Publish(q, &events.Order{}))
	assert.Equal(t, 5, tier.ends, "no EndPublish for a call that gave the tier nothing")
	assert.Equal(t, 16, tier.took)
	assert.Zero(t, tier.onWorker)
	require.NoError(t, p.Close())
	require.NoError(t, q.Close())
	stop(t, e)
}
