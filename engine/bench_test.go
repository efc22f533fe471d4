package engine

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/affinity"
	"github.com/hotpath-go/hotpath/engine/metrics"
	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/ring"
)

// spin is the wait strategy of the benchmarks: both sides own a core.
var spin = ring.Wait{Spin: -1}

// BenchmarkDispatch is the dispatch of one event on one goroutine, without a ring: the table
// lookup (source, kind) -> cell, then for each group what the worker does per event in its loop
// (runSPSC): check the event's flags, call a solo route's function directly or run the group's
// routes; the benchmark's events are one run of one group, counted once at the end as the worker
// counts a run (account). ns/route divides by the number of routes.
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
			dispatch := func(n int) {
				for range n {
					for g := t.cell(ev.Source, ev.Kind).first; g != nil; g = g.next {
						if ev.Flags&flagTimed != 0 {
							w.timed(g, ev)
						}
						if f := g.leaf; f != nil {
							f(ev)
						} else {
							w.deliver(g, ev, 0)
						}
					}
				}
			}
			dispatch(100_000) // warm: caches, branch predictors
			runtime.GC()      // the set-up's garbage, collected now rather than while timing
			b.ReportAllocs()
			b.ResetTimer()
			dispatch(b.N)
			b.StopTimer()
			w.job = job{g: t.cell(ev.Source, ev.Kind).groups[0]}
			w.account(uint64(b.N + 100_000))
			w.endBatch()
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/route")
			require.Equal(b, int64((b.N+100_000)*n*100), sum)
		})
	}
}

// BenchmarkPublish moves events from the benchmark's goroutine to a worker goroutine that hands
// each to a handler. hotpath goes through the engine (a dedicated Producer, the table, a lane,
// the worker's dispatch); raw-ring is the bare SPSC ring, drained in batches by a goroutine
// locked to its thread calling the same handler: the difference is the engine's routing
// overhead. shared and raw-mpmc are the same for the multi-producer path; chan-baseline is a
// buffered channel of the same capacity. ns/op is per event.
func BenchmarkPublish(b *testing.B) {
	b.Run("hotpath", func(b *testing.B) { benchEngine(b, false, -1) })
	b.Run("raw-ring", func(b *testing.B) {
		r, err := ring.NewSPSC[events.Raw](1024, ring.WithWait(spin))
		require.NoError(b, err)
		benchRaw(b, func(ev *events.Raw) {
			for !r.TryPush(*ev) {
				cpuRelax()
			}
		}, r.Close, func(h func(*events.Raw)) bool {
			lo, hi := r.Poll(256)
			if lo == hi {
				return !r.Closed()
			}
			for p := lo; p < hi; p++ {
				h(r.Slot(p))
			}
			r.Release(hi)
			return true
		})
	})
	b.Run("shared", func(b *testing.B) { benchEngine(b, true, -1) })
	b.Run("raw-mpmc", func(b *testing.B) {
		r, err := ring.NewMPMC[events.Raw](1024, ring.WithWait(spin))
		require.NoError(b, err)
		benchRaw(b, func(ev *events.Raw) {
			for !r.TryPush(*ev) {
				cpuRelax()
			}
		}, r.Close, func(h func(*events.Raw)) bool {
			lo, hi := r.Claim(256)
			if lo == hi {
				return !r.Closed()
			}
			for p := lo; p < hi; p++ {
				h(r.Slot(p))
			}
			r.ReleaseRange(lo, hi)
			return true
		})
	})
	b.Run("chan-baseline", func(b *testing.B) {
		ch := make(chan events.Raw, 1024)
		benchRaw(b, func(ev *events.Raw) { ch <- *ev }, func() { close(ch) }, func(h func(*events.Raw)) bool {
			ev, ok := <-ch
			if ok {
				h(&ev)
			}
			return ok
		})
	})
}

// BenchmarkPublishSampled is BenchmarkPublish's hotpath and shared with the engine's own
// latency sampling on, as a default engine runs: BenchmarkPublish turns it off (LatencyEvery
// -1) to measure routing alone. default is LatencyEvery 0, DefaultLatencyEvery: every 64th
// event of a dedicated producer is stamped at publish (a read of the engine's default clock)
// and its latency recorded on the worker (a clock read and an HDR histogram record). every=1
// times every event, the most it can cost; a shared publisher times events only then. The
// difference to BenchmarkPublish/hotpath and /shared is what the sampling costs per event.
func BenchmarkPublishSampled(b *testing.B) {
	b.Run("hotpath/default", func(b *testing.B) { benchEngine(b, false, 0) })
	b.Run("hotpath/every=1", func(b *testing.B) { benchEngine(b, false, 1) })
	b.Run("shared/every=1", func(b *testing.B) { benchEngine(b, true, 1) })
}

// benchEngine publishes b.N events through an engine with one route, from a dedicated
// Producer or (shared) a shared publisher, with Config.LatencyEvery every; where every is not
// negative the engine times events with its default clock, and the benchmark checks that the
// route's histogram recorded them.
func benchEngine(b *testing.B, shared bool, every int) {
	cfg := Config{Workers: 1, RingSize: 1024, Clock: testClock(), Wait: spin, PublishWait: spin, LatencyEvery: every}
	if every >= 0 {
		cfg.Clock = benchClock() // the default engine's clock: metrics.ClockAuto
	}
	e := newTestEngine(b, cfg)
	var got atomic.Int64
	var sum int64
	h := HandlerFunc[events.MarketData](func(m *events.MarketData) { sum += m.Volume; got.Store(int64(m.ID)) })
	require.NoError(b, e.Register(Route{Source: "feed", Target: To[events.MarketData](h)}))
	require.NoError(b, e.Start())
	p, err := e.NewProducer("feed")
	if shared {
		p, err = e.Publisher("feed")
	}
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
	if every >= 0 {
		k := every
		if k == 0 {
			k = DefaultLatencyEvery
		}
		rep := e.Metrics().Snapshot()
		require.Len(b, rep.Routes, 1)
		require.GreaterOrEqual(b, rep.Routes[0].Total.Count, int64(b.N/k), "timed events recorded")
	}
}

// benchRaw runs push on the benchmark's goroutine and take (true: go on) on a goroutine locked to
// its thread, with the handler of benchEngine.
func benchRaw(b *testing.B, push func(*events.Raw), closeFn func(), take func(func(*events.Raw)) bool) {
	var got atomic.Int64
	var sum int64
	h := func(r *events.Raw) {
		m := events.As[events.MarketData](r)
		sum += m.Volume
		got.Store(int64(m.ID))
	}
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		defer close(done)
		for take(h) {
		}
	}()
	m := md("AAPL", 1, 1)
	ev := events.ToRaw(&m)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		ev.ID = uint64(i + 1)
		push(&ev)
	}
	for got.Load() < int64(b.N) {
		runtime.Gosched()
	}
	b.StopTimer()
	closeFn()
	<-done
}

// BenchmarkLatency publishes one event at a time, at a low rate (the next only once the last
// was handled and gapNs have passed), and measures publish-to-handler latency from the
// timestamp in the event: through the engine (a dedicated Producer, the worker busy-spinning),
// through the bare SPSC ring the engine's lanes are (a spinning consumer calling the handler),
// and through a channel-per-route router built the usual Go way (a map from (source, kind) to
// the routes' channels, a goroutine per route blocked on its channel). Producer and consumer are
// pinned to two CPUs when the machine allows. It reports the median and 99th percentile, and the
// two-line core-to-core hand-off between the same CPUs measured in the same run (the floor).
func BenchmarkLatency(b *testing.B) {
	clk := benchClock()
	cpus := benchCPUs()
	b.Run("hotpath", func(b *testing.B) {
		// The benchmark stamps TS itself, as for the ring and the channel; the engine's own
		// timing (a clock read and a histogram record before the handler) stays off.
		cfg := Config{Workers: 1, RingSize: 1024, Clock: clk, Wait: spin, PublishWait: spin, LatencyEvery: -1}
		if cpus != nil {
			cfg.CPUs = []int{cpus[1]}
		}
		e := newTestEngine(b, cfg)
		lat := make([]int64, 0, b.N)
		var seen atomic.Int64
		require.NoError(b, e.Register(Route{Source: "feed", Target: To(HandlerFunc[events.MarketData](func(m *events.MarketData) {
			lat = append(lat, clk.Nanotime()-m.TS)
			seen.Store(int64(m.ID))
		}))}))
		require.NoError(b, e.Start())
		p, err := e.NewProducer("feed")
		require.NoError(b, err)
		unpin := pinBench(cpus)
		m := md("AAPL", 1, 0)
		ev := events.ToRaw(&m)
		b.ResetTimer()
		paced(b, clk, &seen, &ev, func(ev *events.Raw) {
			if err := p.PublishRaw(ev); err != nil {
				b.Fatal(err)
			}
		})
		b.StopTimer()
		unpin()
		require.NoError(b, p.Close())
		stop(b, e)
		reportLatency(b, lat, cpus)
	})
	b.Run("raw-ring", func(b *testing.B) {
		r, err := ring.NewSPSC[events.Raw](1024, ring.WithWait(spin))
		require.NoError(b, err)
		lat := make([]int64, 0, b.N)
		var seen atomic.Int64
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer pinTo(cpus, 1)()
			for {
				lo, hi := r.Poll(256)
				if lo == hi {
					if r.Closed() {
						return
					}
					cpuRelax()
					continue
				}
				for p := lo; p < hi; p++ {
					m := events.As[events.MarketData](r.Slot(p))
					lat = append(lat, clk.Nanotime()-m.TS)
					seen.Store(int64(m.ID))
				}
				r.Release(hi)
			}
		}()
		unpin := pinBench(cpus)
		m := md("AAPL", 1, 0)
		ev := events.ToRaw(&m)
		b.ResetTimer()
		paced(b, clk, &seen, &ev, func(ev *events.Raw) {
			for !r.TryPush(*ev) {
				cpuRelax()
			}
		})
		b.StopTimer()
		unpin()
		r.Close()
		<-done
		reportLatency(b, lat, cpus)
	})
	// bare-slot is the floor under any ring: one 64-byte slot per event (a sequence word and
	// the event), written by the producer and spun on by the consumer with nothing else, the
	// same stamps and pacing. What hotpath and raw-ring add is over this, and this over c2c-ns
	// is what the stamps and a slot's hand-off cost on top of the bare exchange of two lines.
	// Its publish is sync/atomic's Store (XCHG on amd64, where the rings use a plain MOV): the
	// producer waits for the line, but the consumer sees the event no later than it would.
	b.Run("bare-slot", func(b *testing.B) {
		type slot struct {
			seq atomic.Uint64
			ev  events.Raw
		}
		slots := make([]slot, 1024)
		lat := make([]int64, 0, b.N)
		var seen atomic.Int64
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer pinTo(cpus, 1)()
			for i := range b.N {
				s := &slots[i&1023]
				for s.seq.Load() != uint64(i+1) {
				}
				lat = append(lat, clk.Nanotime()-s.ev.TS)
				seen.Store(int64(s.ev.ID))
			}
		}()
		unpin := pinBench(cpus)
		m := md("AAPL", 1, 0)
		ev := events.ToRaw(&m)
		b.ResetTimer()
		paced(b, clk, &seen, &ev, func(ev *events.Raw) {
			s := &slots[(ev.ID-1)&1023]
			s.ev = *ev
			s.seq.Store(ev.ID)
		})
		<-done
		b.StopTimer()
		unpin()
		reportLatency(b, lat, cpus)
	})
	b.Run("chan-baseline", func(b *testing.B) {
		type key struct {
			src  events.Source
			kind events.Kind
		}
		routes := map[key][]chan events.Raw{}
		var mu sync.RWMutex
		lat := make([]int64, 0, b.N)
		var seen atomic.Int64
		ch := make(chan events.Raw, 1024)
		routes[key{1, events.KindMarketData}] = append(routes[key{1, events.KindMarketData}], ch)
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer pinTo(cpus, 1)()
			for r := range ch {
				m := events.As[events.MarketData](&r)
				lat = append(lat, clk.Nanotime()-m.TS)
				seen.Store(int64(m.ID))
			}
		}()
		publish := func(src events.Source, r *events.Raw) {
			mu.RLock()
			for _, c := range routes[key{src, r.Kind}] {
				c <- *r
			}
			mu.RUnlock()
		}
		unpin := pinBench(cpus)
		m := md("AAPL", 1, 0)
		ev := events.ToRaw(&m)
		b.ResetTimer()
		paced(b, clk, &seen, &ev, func(ev *events.Raw) { publish(1, ev) })
		b.StopTimer()
		unpin()
		close(ch)
		<-done
		reportLatency(b, lat, cpus)
	})
}

// paced publishes b.N events with publish, each one gapNs after the previous and only once
// the consumer has seen the one before (seen holds the last ID it saw), with ID (1, 2, ...)
// and TS (the clock just before publish) set in ev; then it waits until the last is seen.
func paced(b *testing.B, clk *metrics.Clock, seen *atomic.Int64, ev *events.Raw, publish func(*events.Raw)) {
	last := int64(0)
	for i := range b.N {
		for seen.Load() < int64(i) || clk.Nanotime()-last < gapNs {
			cpuRelax()
		}
		ev.ID = uint64(i + 1)
		last = clk.Nanotime()
		ev.TS = last
		publish(ev)
	}
	for seen.Load() < int64(b.N) {
		cpuRelax()
	}
}

// gapNs is BenchmarkLatency's gap between two events.
const gapNs = 2000

// benchClock is the engine's default clock (the TSC where it is usable and cheaper), made once.
var benchClock = sync.OnceValue(func() *metrics.Clock { return metrics.NewClock(metrics.ClockAuto) })

// benchCPUs returns two CPUs to pin the latency benchmark to, or nil.
var benchCPUs = sync.OnceValue(func() []int {
	allowed, err := affinity.ThreadAllowed()
	if err != nil || allowed.Len() < 2 {
		return nil
	}
	c := allowed.CPUs()
	return c[len(c)-2:]
})

// pinBench pins the benchmark's goroutine to cpus[0] and returns the undo.
func pinBench(cpus []int) func() { return pinTo(cpus, 0) }

// pinTo pins the calling goroutine to cpus[i] (nothing when cpus is nil or the pin fails) and
// returns the undo.
func pinTo(cpus []int, i int) func() {
	if cpus == nil {
		return func() {}
	}
	p, err := affinity.Pin(cpus[i])
	if err != nil {
		return func() {}
	}
	return func() { _ = p.Unpin() }
}

// c2c is the two-line hand-off between the benchmark's CPUs, measured once per run.
var c2c = sync.OnceValue(func() float64 {
	cpus := benchCPUs()
	if cpus == nil {
		return 0
	}
	l, err := affinity.MeasureLimits(affinity.C2CConfig{CPUs: affinity.NewCPUSet(cpus...), Samples: 50, RoundTrips: 200})
	if err != nil {
		return 0
	}
	return l.TwoLineNs
})

func reportLatency(b *testing.B, lat []int64, cpus []int) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2]), "p50-ns")
	b.ReportMetric(float64(lat[len(lat)*99/100]), "p99-ns")
	if cpus != nil {
		b.ReportMetric(c2c(), "c2c-ns")
	}
}
