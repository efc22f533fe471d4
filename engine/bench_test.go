package engine

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/ring"
)

// BenchmarkDispatch is the worker's dispatch of one event, on one goroutine and without a ring:
// the table lookup (source, kind) -> cell, then for each route its counters and one call down
// its compiled chain to a handler. ns/route divides by the number of routes.
func BenchmarkDispatch(b *testing.B) {
	for _, n := range []int{1, 4} {
		b.Run(fmt.Sprintf("routes=%d", n), func(b *testing.B) {
			e := newTestEngine(b, Config{Workers: 1, Clock: testClock(), LatencyEvery: -1})
			var sum int64
			h := HandlerFunc[events.MarketData](func(m *events.MarketData) { sum += m.Volume })
			for range n {
				require.NoError(b, e.Register(Route{Source: "feed", Target: To[events.MarketData](h)}))
			}
			require.NoError(b, e.Compile())
			src, _ := e.Source("feed")
			t, w := e.table.Load(), e.workers[0]
			ev := new(events.Raw) // events live in ring slots, on the heap
			m := md("AAPL", 1, 1)
			*ev = events.ToRaw(&m)
			ev.Source = src
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				gs := t.cell(ev.Source, ev.Kind).groups
				for i := range gs {
					w.dispatch(gs[i], ev)
				}
			}
			b.StopTimer()
			w.endBatch()
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/route")
			require.Equal(b, int64(b.N*n*100), sum)
		})
	}
}

// BenchmarkPublish moves events from a producer goroutine to a worker goroutine that hands each
// to a handler: through the engine (a dedicated Producer, the table, one route) and, in the same
// run, through a bare SPSC ring drained in batches by a goroutine calling the same handler. The
// difference is the engine's routing overhead per event. ns/op is per event.
func BenchmarkPublish(b *testing.B) {
	spin := ring.Wait{Spin: -1}
	b.Run("hotpath", func(b *testing.B) {
		e := newTestEngine(b, Config{Workers: 1, RingSize: 1024, Clock: testClock(), Wait: spin, PublishWait: spin, LatencyEvery: -1})
		var got atomic.Int64
		var sum int64
		h := HandlerFunc[events.MarketData](func(m *events.MarketData) { sum += m.Volume; got.Add(1) })
		require.NoError(b, e.Register(Route{Source: "feed", Target: To[events.MarketData](h)}))
		require.NoError(b, e.Start())
		p, err := e.NewProducer("feed")
		require.NoError(b, err)
		ev := md("AAPL", 1, 1)
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			ev.ID = uint64(i + 1)
			if err := Publish(p, &ev); err != nil {
				b.Fatal(err)
			}
		}
		for got.Load() < int64(b.N) {
			runtime.Gosched()
		}
		b.StopTimer()
		require.NoError(b, p.Close())
		stop(b, e)
	})
	b.Run("raw-ring", func(b *testing.B) {
		r, err := ring.NewSPSC[events.Raw](1024, ring.WithWait(spin))
		require.NoError(b, err)
		var got atomic.Int64
		var sum int64
		h := func(m *events.MarketData) { sum += m.Volume; got.Add(1) }
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				lo, hi := r.Poll(256)
				if lo == hi {
					if r.Closed() {
						if lo, hi = r.Poll(256); lo == hi {
							return
						}
					} else {
						cpuRelax()
						continue
					}
				}
				for p := lo; p < hi; p++ {
					h(events.As[events.MarketData](r.Slot(p)))
				}
				r.Release(hi)
			}
		}()
		m := md("AAPL", 1, 1)
		ev := events.ToRaw(&m)
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			ev.ID = uint64(i + 1)
			for !r.TryPush(ev) {
				cpuRelax()
			}
		}
		for got.Load() < int64(b.N) {
			runtime.Gosched()
		}
		b.StopTimer()
		r.Close()
		<-done
	})
}
