package metrics

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// benchValues is a spread of latencies for the recording benchmarks, so
// that the histogram's buckets vary as they would in use.
func benchValues() []int64 {
	vs := make([]int64, 1024)
	x := uint64(88172645463325252)
	for i := range vs {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		vs[i] = int64(200 + x%100_000) // 200 ns .. 100 us
	}
	return vs
}

// BenchmarkRecord measures Record (recorder) against the baselines in the
// same run: the bare histogram with no protection (hdr-raw, unsafe with a
// concurrent reader) and the same histogram behind a mutex (mutex).
// recorder-with-reader has another goroutine flipping continuously.
func BenchmarkRecord(b *testing.B) {
	vs := benchValues()
	b.Run("recorder", func(b *testing.B) {
		r, err := NewRecorder(HistogramConfig{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			r.Record(vs[i&1023])
			i++
		}
	})
	b.Run("recorder-with-reader", func(b *testing.B) {
		r, err := NewRecorder(HistogramConfig{})
		if err != nil {
			b.Fatal(err)
		}
		var stop atomic.Bool
		var wg sync.WaitGroup
		wg.Add(1)
		var flips int
		go func() {
			defer wg.Done()
			for !stop.Load() {
				r.IntervalSnapshot()
				flips++
				runtime.Gosched()
			}
		}()
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			r.Record(vs[i&1023])
			i++
		}
		b.StopTimer()
		stop.Store(true)
		wg.Wait()
		b.ReportMetric(float64(flips), "flips")
	})
	b.Run("hdr-raw", func(b *testing.B) {
		h := hdrhistogram.New(1, DefaultHighestNs, DefaultDigits)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			_ = h.RecordValue(vs[i&1023])
			i++
		}
	})
	b.Run("mutex", func(b *testing.B) {
		h := hdrhistogram.New(1, DefaultHighestNs, DefaultDigits)
		var mu sync.Mutex
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			mu.Lock()
			_ = h.RecordValue(vs[i&1023])
			mu.Unlock()
			i++
		}
	})
}

// BenchmarkCounters measures one counter increment.
func BenchmarkCounters(b *testing.B) {
	var c Counters
	b.ReportAllocs()
	for b.Loop() {
		c.Inc(EventDelivered)
	}
}

// BenchmarkClock measures a latency stamp from each source: time.Now (the
// baseline), the monotonic Clock (time.Since a fixed start), the TSC Clock
// (RDTSCP and scaling), and the bare TSC reads for reference.
func BenchmarkClock(b *testing.B) {
	b.Run("timeNow", func(b *testing.B) {
		b.ReportAllocs()
		var t time.Time
		for b.Loop() {
			t = time.Now()
		}
		_ = t
	})
	mono := NewClock(ClockMonotonic)
	b.Run("nanotime", func(b *testing.B) {
		b.ReportAllocs()
		var n int64
		for b.Loop() {
			n += mono.Nanotime()
		}
		_ = n
	})
	tsc := NewClock(ClockTSC)
	b.Run("tsc", func(b *testing.B) {
		if tsc.Source() != ClockTSC {
			b.Skip(tsc.Reason())
		}
		b.ReportAllocs()
		var n int64
		for b.Loop() {
			n += tsc.Nanotime()
		}
		_ = n
	})
	benchRawTSC(b)
}

// BenchmarkSnapshot measures the reader side: one Registry.Snapshot and one
// Prometheus scrape, with routes=N routes of 2 workers holding some data,
// at 3 and 2 significant digits.
func BenchmarkSnapshot(b *testing.B) {
	for _, digits := range []int{3, 2} {
		for _, routes := range []int{1, 8} {
			reg, err := NewRegistry(Config{Workers: 2, Histogram: HistogramConfig{Digits: digits}})
			if err != nil {
				b.Fatal(err)
			}
			for i := range routes {
				rt, err := reg.AddRoute("r" + strconv.Itoa(i))
				if err != nil {
					b.Fatal(err)
				}
				for w := range 2 {
					for _, v := range benchValues() {
						rt.Recorder(w).Record(v)
					}
				}
			}
			name := "/digits=" + strconv.Itoa(digits) + "/routes=" + strconv.Itoa(routes)
			b.Run("report"+name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					reg.Snapshot()
				}
			})
			b.Run("prometheus"+name, func(b *testing.B) {
				h := reg.Handler()
				req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
				b.ReportAllocs()
				for b.Loop() {
					h.ServeHTTP(httptest.NewRecorder(), req)
				}
			})
		}
	}
}
