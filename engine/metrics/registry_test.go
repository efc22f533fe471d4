package metrics

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newTestRegistry(t testing.TB, c Config, routes ...string) *Registry {
	t.Helper()
	reg, err := NewRegistry(c)
	require.NoError(t, err)
	for _, name := range routes {
		_, err := reg.AddRoute(name)
		require.NoError(t, err, "AddRoute(%q)", name)
	}
	return reg
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		c    Config
		ok   bool
	}{
		{"zero means defaults", Config{}, true},
		{"8 workers", Config{Workers: 8}, true},
		{"max workers", Config{Workers: MaxWorkers}, true},
		{"too many workers", Config{Workers: MaxWorkers + 1}, false},
		{"negative workers", Config{Workers: -1}, false},
		{"bad histogram", Config{Histogram: HistogramConfig{Digits: 9}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Validate()
			_, nerr := NewRegistry(tt.c)
			if tt.ok {
				assert.NoError(t, err, "Validate(%+v)", tt.c)
				assert.NoError(t, nerr, "NewRegistry(%+v)", tt.c)
				return
			}
			assert.ErrorIs(t, err, ErrConfig, "Validate(%+v)", tt.c)
			assert.ErrorIs(t, nerr, ErrConfig, "NewRegistry(%+v)", tt.c)
		})
	}
}

func TestAddRoute(t *testing.T) {
	reg := newTestRegistry(t, Config{Workers: 3, Histogram: HistogramConfig{Digits: 2}}, "md", "orders")
	assert.Equal(t, 3, reg.Workers())

	_, err := reg.AddRoute("")
	assert.ErrorIs(t, err, ErrRouteName, "AddRoute(\"\")")
	_, err = reg.AddRoute("md")
	assert.ErrorIs(t, err, ErrDuplicateRoute, "AddRoute(dup)")
	assert.Contains(t, err.Error(), `"md"`)

	rt := reg.Route("orders")
	require.NotNil(t, rt)
	assert.Equal(t, "orders", rt.Name())
	assert.Nil(t, reg.Route("nope"))

	var names []string
	for _, r := range reg.Routes() {
		names = append(names, r.Name())
	}
	assert.Equal(t, []string{"md", "orders"}, names, "Routes() in order added")

	assert.NotSame(t, rt.Recorder(0), rt.Recorder(1), "each worker has its own Recorder")
	assert.NotSame(t, rt.Counters(0), rt.Counters(2), "each worker has its own Counters")
	assert.Panics(t, func() { rt.Recorder(3) }, "Recorder(Workers)")
	assert.Panics(t, func() { rt.Counters(-1) }, "Counters(-1)")
}

func TestSnapshot(t *testing.T) {
	reg := newTestRegistry(t, Config{Workers: 2}, "a", "b")
	a, b := reg.Route("a"), reg.Route("b")
	a.Recorder(0).Record(100)
	a.Recorder(1).Record(300)
	b.Recorder(1).Record(1000)
	a.Counters(0).Add(EventDelivered, 2)
	a.Counters(1).Add(EventDelivered, 3)
	b.Counters(0).Inc(EventPanic)
	b.Counters(1).SetCircuit(CircuitOpen)
	a.Counters(0).SetCircuit(CircuitHalfOpen)

	rep := reg.Snapshot()
	require.Len(t, rep.Routes, 2)
	ra, rb := rep.Routes[0], rep.Routes[1]
	assert.Equal(t, "a", ra.Route)
	assert.Equal(t, int64(2), ra.Interval.Count, "a interval count")
	assert.Equal(t, int64(300), ra.Interval.Max)
	assert.Equal(t, int64(100), ra.Interval.P50)
	assert.Equal(t, ra.Interval, ra.Total, "first interval is everything")
	assert.Equal(t, int64(400), ra.SumNs)
	assert.Equal(t, uint64(5), ra.Events.Delivered)
	assert.Equal(t, CircuitHalfOpen, ra.Circuit)
	assert.Equal(t, int64(1), rb.Total.Count)
	assert.Equal(t, uint64(1), rb.Events.Panics)
	assert.Equal(t, CircuitOpen, rb.Circuit)

	assert.Equal(t, "", rep.All.Route)
	assert.Equal(t, int64(3), rep.All.Interval.Count, "all interval count")
	assert.Equal(t, int64(1000), rep.All.Total.Max)
	assert.Equal(t, int64(1400), rep.All.SumNs)
	assert.Equal(t, uint64(5), rep.All.Events.Delivered)
	assert.Equal(t, uint64(1), rep.All.Events.Panics)
	assert.Equal(t, CircuitOpen, rep.All.Circuit)
	assert.Positive(t, rep.IntervalNs)
	assert.GreaterOrEqual(t, rep.UptimeNs, rep.IntervalNs)

	// The Prometheus handler does not end the interval.
	b.Recorder(0).Record(50)
	rec := httptest.NewRecorder()
	reg.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	require.Equal(t, http.StatusOK, rec.Code)

	rep = reg.Snapshot()
	assert.Equal(t, int64(0), rep.Routes[0].Interval.Count, "a: nothing new")
	assert.Equal(t, int64(2), rep.Routes[0].Total.Count, "a: total kept")
	assert.Equal(t, int64(1), rep.Routes[1].Interval.Count, "b: the value recorded before the scrape")
	assert.Equal(t, int64(50), rep.Routes[1].Interval.Max)
	assert.Equal(t, int64(2), rep.Routes[1].Total.Count)
	assert.Equal(t, int64(4), rep.All.Total.Count)
}

// TestRegistryConcurrent runs a writer per (route, worker) slot against
// concurrent Snapshot and Handler readers: per route, the interval counts
// add up to what was recorded, and the totals agree.
func TestRegistryConcurrent(t *testing.T) {
	const (
		routes  = 3
		workers = 2
		perSlot = 100_000
	)
	names := make([]string, routes)
	for i := range names {
		names[i] = fmt.Sprintf("route-%d", i)
	}
	reg := newTestRegistry(t, Config{Workers: workers, Histogram: HistogramConfig{Digits: 2}}, names...)
	var writers sync.WaitGroup
	var running atomic.Int32
	running.Store(routes * workers)
	for _, rt := range reg.Routes() {
		for w := range workers {
			writers.Add(1)
			go func() {
				defer writers.Done()
				defer running.Add(-1)
				rec, ctr := rt.Recorder(w), rt.Counters(w)
				for i := range perSlot {
					rec.Record(int64(i%1000 + 1))
					ctr.Inc(EventDelivered)
				}
			}()
		}
	}
	var scraper sync.WaitGroup
	scraper.Add(1)
	go func() { // a concurrent Prometheus scraper
		defer scraper.Done()
		h := reg.Handler()
		for running.Load() > 0 {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
			assert.Equal(t, http.StatusOK, rec.Code)
		}
	}()
	sums := make([]int64, routes)
	var all int64
	for running.Load() > 0 {
		rep := reg.Snapshot()
		for i, rr := range rep.Routes {
			sums[i] += rr.Interval.Count
		}
		all += rep.All.Interval.Count
	}
	writers.Wait()
	scraper.Wait()
	rep := reg.Snapshot()
	for i, rr := range rep.Routes {
		sums[i] += rr.Interval.Count
		assert.Equal(t, int64(workers*perSlot), sums[i], "%s: sum of interval counts", rr.Route)
		assert.Equal(t, int64(workers*perSlot), rr.Total.Count, "%s: total count", rr.Route)
		assert.Equal(t, uint64(workers*perSlot), rr.Events.Delivered, "%s: delivered", rr.Route)
		assert.Equal(t, int64(1000), rr.Total.Max)
	}
	all += rep.All.Interval.Count
	assert.Equal(t, int64(routes*workers*perSlot), all, "sum of All interval counts")
	assert.Equal(t, int64(routes*workers*perSlot), rep.All.Total.Count)
}
