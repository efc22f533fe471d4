package engine

import (
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/engine/metrics"
	"github.com/hotpath-go/hotpath/events"
)

// TestCountsConcurrent reads every route's counters (Engine.Counts) from another goroutine while
// producers publish: under the race detector the reads race nothing, every counter is
// non-decreasing from one read to the next, and after Stop each equals its exact total. The
// routes cover every way a count is made: worker batches (delivered, a handler's panics, a
// Fallible's errors counted as dropped), inline routes (atomic adds on the publisher's
// goroutine, several publishers at once) and overflow (a DropNewest route's refusals, counted by
// the publisher).
func TestCountsConcurrent(t *testing.T) {
	cfg := testConfig(2)
	cfg.RingSize = 16
	var reported atomic.Int64
	cfg.OnError = func(error) { reported.Add(1) }
	e := newTestEngine(t, cfg)

	const (
		perProducer = 4000
		dedicated   = 2 // producers of "feed", one goroutine each
		sharedGs    = 2 // goroutines sharing one Publisher of "feed"
		total       = (dedicated + sharedGs) * perProducer
		burst       = 4000 // events of "burst", to a DropNewest route
	)
	// IDs are given (the generator would number each producer from 1): producer k publishes
	// k*perProducer+1 .. (k+1)*perProducer, so every rule below holds a known number of times.
	panics := func(id uint64) bool { return id%7 == 0 }
	fails := func(id uint64) bool { return id%5 == 0 }
	var wantPanics, wantFails uint64
	for id := uint64(1); id <= total; id++ {
		if panics(id) {
			wantPanics++
		}
		if fails(id) {
			wantFails++
		}
	}

	errFail := errors.New("refused")
	var handled [2]atomic.Int64
	var inline atomic.Int64
	var burstGot atomic.Int64
	routes := []Route{
		{Name: "plain", Source: "feed", Worker: 0,
			Target: To(HandlerFunc[events.Order](func(*events.Order) { handled[0].Add(1) }))},
		{Name: "panicky", Source: "feed", Worker: 1,
			Target: To(HandlerFunc[events.Order](func(o *events.Order) {
				if panics(o.ID) {
					panic("boom")
				}
				handled[1].Add(1)
			}))},
		{Name: "fallible", Source: "feed", Worker: 0,
			Target: To(Fallible(func(o *events.Order) error {
				if fails(o.ID) {
					return errFail
				}
				return nil
			}))},
		{Name: "inline", Source: "feed", Tier: Inline(),
			Target: To(HandlerFunc[events.Order](func(*events.Order) { inline.Add(1) }))},
		{Name: "lossy", Source: "burst", Worker: 1, Overflow: DropNewest,
			Target: To(HandlerFunc[events.Order](func(*events.Order) { burstGot.Add(1) }))},
	}
	names := make([]string, len(routes))
	for i, r := range routes {
		require.NoError(t, e.Register(r))
		names[i] = r.Name
	}
	require.NoError(t, e.Start())

	// The reader: it reads every route's counters in a loop until the publishers are done, and
	// checks each against the previous read. It starts before the publishers do (ready), so
	// its reads overlap the publishing.
	var (
		ready    = make(chan struct{})
		done     = make(chan struct{})
		readerWG sync.WaitGroup
		reads    int
		bad      []string
	)
	readerWG.Add(1)
	go func() {
		defer readerWG.Done()
		prev := make([]metrics.EventCounts, len(names))
		check := func() {
			for i, name := range names {
				c, ok := e.Counts(name)
				if !ok {
					bad = append(bad, name+": no counters")
					continue
				}
				for ev := range metrics.Event(metrics.NumEvents) {
					if c.Get(ev) < prev[i].Get(ev) && len(bad) < 20 {
						bad = append(bad, name+" "+ev.String()+" went down")
					}
				}
				prev[i] = c
			}
			reads++
		}
		check()
		close(ready)
		for {
			select {
			case <-done:
				check()
				return
			default:
				check()
				runtime.Gosched() // leave the 2-CPU machines' CPUs to the workers and publishers
			}
		}
	}()
	<-ready

	var pubWG sync.WaitGroup
	publish := func(p *Producer, k int) {
		defer pubWG.Done()
		for i := 1; i <= perProducer; i++ {
			id := uint64(k*perProducer + i)
			if err := Publish(p, &events.Order{Header: events.Header{ID: id}, Quantity: int64(i)}); err != nil {
				t.Errorf("publish %d: %v", id, err)
				return
			}
		}
	}
	shared, err := e.Publisher("feed")
	require.NoError(t, err)
	for k := range dedicated + sharedGs {
		pubWG.Add(1)
		if k < dedicated {
			p, err := e.NewProducer("feed")
			require.NoError(t, err)
			go func() {
				defer func() { assert.NoError(t, p.Close()) }()
				publish(p, k)
			}()
		} else {
			go publish(shared, k)
		}
	}
	// The burst goes out as fast as one producer can push it: the DropNewest route's 16-slot
	// lane overflows whenever its worker falls behind.
	bp, err := e.NewProducer("burst")
	require.NoError(t, err)
	for i := 1; i <= burst; i++ {
		require.NoError(t, Publish(bp, &events.Order{Header: events.Header{ID: uint64(i)}}))
	}
	require.NoError(t, bp.Close())
	pubWG.Wait()
	stop(t, e)
	close(done)
	readerWG.Wait()
	require.Empty(t, bad, "counters read while publishing")
	t.Logf("%d reads of %d routes' counters during the run", reads, len(names))

	// After Stop every counter is exact.
	want := map[string]metrics.EventCounts{
		"plain":    {Published: total, Delivered: total},
		"panicky":  {Published: total, Delivered: total - wantPanics, Panics: wantPanics},
		"fallible": {Published: total, Delivered: total - wantFails, Dropped: wantFails},
		"inline":   {Published: total, Delivered: total},
	}
	for name, w := range want {
		c, ok := e.Counts(name)
		require.True(t, ok, name)
		assert.Equal(t, w, c, name)
	}
	assert.Equal(t, int64(total), handled[0].Load())
	assert.Equal(t, int64(total-wantPanics), handled[1].Load())
	assert.Equal(t, int64(total), inline.Load())
	assert.Equal(t, int64(wantPanics+wantFails), reported.Load(), "every panic and failure reported")

	// DropNewest: which events are refused depends on timing, but every one is offered and
	// either delivered or dropped, and the counts agree with what the handler saw.
	c, ok := e.Counts("lossy")
	require.True(t, ok)
	assert.Equal(t, uint64(burst), c.Published)
	assert.Equal(t, uint64(burst), c.Delivered+c.Dropped)
	assert.Equal(t, uint64(burstGot.Load()), c.Delivered)
	assert.Zero(t, c.Panics)
	t.Logf("lossy: %d delivered, %d dropped", c.Delivered, c.Dropped)
	assert.Zero(t, e.Unrouted())
}
