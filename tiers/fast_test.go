package tiers_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/tiers"
)

// batchSink is a BatchHandler that records the batches the fast tier hands it.
type batchSink struct {
	mu      sync.Mutex
	pending []uint64
	batches [][]uint64
	at      []time.Time // when each batch ended
}

func (b *batchSink) Receive(o *events.Order) {
	b.mu.Lock()
	b.pending = append(b.pending, o.ID)
	b.mu.Unlock()
}

func (b *batchSink) EndBatch() {
	b.mu.Lock()
	b.batches = append(b.batches, b.pending)
	b.at = append(b.at, time.Now())
	b.pending = nil
	b.mu.Unlock()
}

func (b *batchSink) get() ([][]uint64, []time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([][]uint64(nil), b.batches...), append([]time.Time(nil), b.at...)
}

func fastRoute(t *testing.T, cfg tiers.FastConfig, h engine.Handler[events.Order]) (*tiers.FastTier, *engine.Engine, *engine.Producer) {
	t.Helper()
	ft, err := tiers.Fast(cfg)
	require.NoError(t, err)
	e := newEngine(t, testConfig(1), engine.Route{Name: "f", Source: "s", Tier: ft, Target: engine.To(h)})
	p, err := e.NewProducer("s")
	require.NoError(t, err)
	return ft, e, p
}

// TestFastLoneEventLingers: with Linger, a lone event is handed on once MaxWait has passed since
// it came - not held until the batch fills, and not sooner. The bound above is wide: a loaded
// 2-core machine may be late by a scheduler slice or more.
func TestFastLoneEventLingers(t *testing.T) {
	const wait = 20 * time.Millisecond
	var sink batchSink
	ft, e, p := fastRoute(t, tiers.FastConfig{BatchSize: 100, MaxWait: wait, Linger: true}, &sink)
	start := time.Now()
	publishN(t, p, 1, 1)
	require.Eventually(t, func() bool { b, _ := sink.get(); return len(b) == 1 }, 10*time.Second, time.Millisecond)
	batches, at := sink.get()
	took := at[0].Sub(start)
	assert.Equal(t, [][]uint64{{1}}, batches)
	t.Logf("a lone event with MaxWait %v was handed on after %v", wait, took)
	assert.GreaterOrEqual(t, took, wait, "handed on before MaxWait")
	assert.Less(t, took, wait+2*time.Second, "held far past MaxWait")
	st, ok := ft.Stats("f")
	require.True(t, ok)
	assert.Equal(t, tiers.FastStats{Events: 1, Wait: 1}, st)
	require.NoError(t, p.Close())
	stop(t, e)
}

// TestFastEndOfBatch: without Linger, a batch is handed on when the worker's batch from the lane
// ends (the ring has nothing more): a lone event waits for nothing, and a burst arrives in a
// few batches, in order, each ended once.
func TestFastEndOfBatch(t *testing.T) {
	var sink batchSink
	ft, e, p := fastRoute(t, tiers.FastConfig{MaxWait: time.Hour}, &sink)
	publishN(t, p, 1, 1)
	require.Eventually(t, func() bool { b, _ := sink.get(); return len(b) == 1 }, 10*time.Second, time.Millisecond)
	burst := make([]events.Raw, 50)
	for i := range burst {
		burst[i] = events.ToRaw(order(uint64(i + 2)))
	}
	require.NoError(t, p.PublishBatch(burst))
	require.NoError(t, p.Close())
	stop(t, e)
	batches, _ := sink.get()
	var all []uint64
	for _, b := range batches {
		assert.NotEmpty(t, b, "an EndBatch without events")
		all = append(all, b...)
	}
	assert.Equal(t, seq(1, 51), all)
	st, _ := ft.Stats("f")
	assert.Equal(t, uint64(51), st.Events)
	assert.Equal(t, uint64(len(batches)), st.End, "every batch ended with the lane's batch")
}

// TestFastFullAndStop: full batches are handed on at once; what is held when Stop begins is
// handed on before the engine stops.
func TestFastFullAndStop(t *testing.T) {
	var sink batchSink
	ft, e, p := fastRoute(t, tiers.FastConfig{BatchSize: 4, MaxWait: time.Hour, Linger: true}, &sink)
	publishN(t, p, 1, 10)
	require.Eventually(t, func() bool { b, _ := sink.get(); return len(b) == 2 }, 10*time.Second, time.Millisecond)
	require.NoError(t, p.Close())
	stop(t, e)
	batches, _ := sink.get()
	assert.Equal(t, [][]uint64{{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10}}, batches)
	st, _ := ft.Stats("f")
	assert.Equal(t, tiers.FastStats{Events: 10, Full: 2, Stop: 1}, st)
	c := counts(t, e, "f")
	assert.Equal(t, uint64(10), c.Delivered)
}

// TestFastFailures: a failing or panicking event of a batch is counted and reported, and the
// rest of the batch is still handed on.
func TestFastFailures(t *testing.T) {
	var mu sync.Mutex
	var reported []string
	errOdd := errors.New("odd")
	ft, err := tiers.Fast(tiers.FastConfig{BatchSize: 8, MaxWait: time.Hour, Linger: true, OnError: func(de *engine.DeliveryError) {
		mu.Lock()
		reported = append(reported, de.Error())
		mu.Unlock()
	}})
	require.NoError(t, err)
	rec := newRecorder()
	h := engine.Fallible(func(o *events.Order) error {
		switch {
		case o.ID == 4:
			panic("four")
		case o.ID%2 == 1:
			return errOdd
		}
		rec.add(o.ID)
		return nil
	})
	e := newEngine(t, testConfig(1), engine.Route{Name: "f", Source: "s", Tier: ft, Target: engine.To(h)})
	p, err := e.NewProducer("s")
	require.NoError(t, err)
	publishN(t, p, 1, 8)
	require.NoError(t, p.Close())
	stop(t, e)
	assert.Equal(t, []uint64{2, 6, 8}, rec.got())
	c := counts(t, e, "f")
	assert.Equal(t, uint64(4), c.Dropped)
	assert.Equal(t, uint64(1), c.Panics)
	require.Len(t, reported, 5)
	assert.Contains(t, reported[0], `route "f", event 1`)
	assert.Contains(t, reported[2], "four")
}

func TestFastConfig(t *testing.T) {
	for _, tc := range []struct {
		cfg tiers.FastConfig
		ok  bool
	}{
		{tiers.FastConfig{}, true},
		{tiers.DefaultFastConfig(), true},
		{tiers.FastConfig{BatchSize: 1, MaxWait: time.Microsecond}, true},
		{tiers.FastConfig{BatchSize: -1}, false},
		{tiers.FastConfig{BatchSize: 1 << 21}, false},
		{tiers.FastConfig{MaxWait: -time.Second}, false},
	} {
		_, err := tiers.Fast(tc.cfg)
		if tc.ok {
			assert.NoErrorf(t, err, "Fast(%+v)", tc.cfg)
		} else {
			assert.ErrorIsf(t, err, tiers.ErrFastConfig, "Fast(%+v)", tc.cfg)
		}
	}
	ft, _ := tiers.Fast(tiers.FastConfig{})
	e, err := engine.New(testConfig(1))
	require.NoError(t, err)
	require.NoError(t, e.Register(engine.Route{Name: "i", Source: "s", Tier: engine.Inline(), Target: engine.To(newRecorder())}))
	require.NoError(t, e.Compile())
	_, err = ft.Bind(e.Routes()[0], nil)
	assert.ErrorIs(t, err, tiers.ErrFastConfig, "an inline route cannot batch")
	_, ok := ft.Stats("nope")
	assert.False(t, ok)
}

// TestFastAllocs: publishing to a fast route, batching and handing batches on allocate nothing
// (counted over the whole process: the worker's allocations included).
func TestFastAllocs(t *testing.T) {
	var n int
	done := make(chan struct{}, 1)
	h := engine.HandlerFunc[events.Order](func(o *events.Order) {
		if n++; o.Quantity == 1 {
			done <- struct{}{}
		}
	})
	_, e, p := fastRoute(t, tiers.FastConfig{BatchSize: 16}, h)
	defer stop(t, e)
	defer p.Close()
	ev, last := order(2), order(1)
	run := func() {
		for range 31 {
			_ = engine.Publish(p, ev)
		}
		_ = engine.Publish(p, last)
		<-done
	}
	run()
	assert.Zero(t, testing.AllocsPerRun(50, run))
}
