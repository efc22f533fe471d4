package tiers_test

import (
	"errors"
	"os"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/tiers"
)

// benchEngine is the benchmarks' engine: one worker, lanes of 1024 slots, default waiting.
func benchEngine(b *testing.B, routes ...engine.Route) *engine.Engine {
	cfg := testConfig(1)
	cfg.RingSize = 1024
	cfg.LatencyEvery = -1
	return newEngine(b, cfg, routes...)
}

// publishAll publishes n orders from p in batches of 64.
func publishAll(b *testing.B, p *engine.Producer, n int) {
	batch := make([]events.Raw, 64)
	for i := range batch {
		batch[i] = events.ToRaw(order(uint64(i + 1)))
	}
	for n > 0 {
		k := min(n, len(batch))
		if err := p.PublishBatch(batch[:k]); err != nil {
			b.Fatal(err)
		}
		n -= k
	}
}

// waitCount spins until c reaches n.
func waitCount(b *testing.B, c *atomic.Int64, n int) {
	deadline := time.Now().Add(5 * time.Minute)
	for c.Load() < int64(n) {
		if time.Now().After(deadline) {
			b.Fatalf("delivered %d of %d", c.Load(), n)
		}
		time.Sleep(50 * time.Microsecond) // polling the count, not synchronising
	}
}

func reportRate(b *testing.B, start time.Time) {
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}

// writer is a BatchHandler that frames each batch into a buffer and writes it with one write(2)
// to /dev/null at EndBatch: the shape of a handler that sends a packet per batch.
type writer struct {
	f     *os.File
	buf   []byte
	count *atomic.Int64
	n     int64
}

func (w *writer) Receive(o *events.Order) {
	w.buf = append(w.buf, byte(o.ID), byte(o.Quantity))
	w.n++
}

func (w *writer) EndBatch() {
	_, _ = w.f.Write(w.buf)
	w.buf = w.buf[:0]
	w.count.Add(w.n)
	w.n = 0
}

// BenchmarkFastTier: end-to-end throughput of a route whose handler pays a system call per
// batch: the fast tier batching up to 256 events, the fast tier with batches of one
// (unbatched), and the standard tier (the handler's batch is the worker's lane batch).
func BenchmarkFastTier(b *testing.B) {
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	require.NoError(b, err)
	defer devnull.Close()
	for _, bc := range []struct {
		name string
		tier func() engine.Tier
	}{
		{"batched", func() engine.Tier { t, _ := tiers.Fast(tiers.FastConfig{BatchSize: 256}); return t }},
		{"unbatched", func() engine.Tier { t, _ := tiers.Fast(tiers.FastConfig{BatchSize: 1}); return t }},
		{"standard", tiers.Standard},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var count atomic.Int64
			w := &writer{f: devnull, buf: make([]byte, 0, 4096), count: &count}
			e := benchEngine(b, engine.Route{Name: "f", Source: "s", Tier: bc.tier(), Target: engine.To[events.Order](w)})
			defer stop(b, e)
			p, err := e.NewProducer("s")
			require.NoError(b, err)
			defer p.Close()
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			publishAll(b, p, b.N)
			waitCount(b, &count, b.N)
			b.StopTimer()
			reportRate(b, start)
		})
	}
}

// BenchmarkReliable: end-to-end throughput of a reliable route on disk: delivering while it
// keeps up (no log), spilling while its handler is down (publisher appends, group-committed),
// and replaying a log of b.N events at start-up to a healthy handler.
func BenchmarkReliable(b *testing.B) {
	deliver := func(b *testing.B, tier engine.Tier) {
		var count atomic.Int64
		h := engine.HandlerFunc[events.Order](func(*events.Order) { count.Add(1) })
		e := benchEngine(b, engine.Route{Name: "r", Source: "s", Tier: tier, Target: engine.To(h)})
		defer stop(b, e)
		p, err := e.NewProducer("s")
		require.NoError(b, err)
		defer p.Close()
		b.ReportAllocs()
		b.ResetTimer()
		start := time.Now()
		// Keep at most half a lane in flight, so that the route keeps up and never spills: this
		// is the path without the log.
		for sent := 0; sent < b.N; sent += 64 {
			for int64(sent)-count.Load() > 512 {
				runtime.Gosched()
			}
			publishAll(b, p, min(64, b.N-sent))
		}
		waitCount(b, &count, b.N)
		b.StopTimer()
		reportRate(b, start)
		b.ReportMetric(float64(counts(b, e, "r").Spilled), "spilled")
	}
	b.Run("deliver", func(b *testing.B) {
		rt, err := tiers.Reliable(tiers.ReliableConfig{Dir: b.TempDir()})
		require.NoError(b, err)
		defer rt.Close()
		deliver(b, rt)
	})
	b.Run("deliver-baseline-standard", func(b *testing.B) { deliver(b, tiers.Standard()) })
	b.Run("spill", func(b *testing.B) {
		rt, err := tiers.Reliable(tiers.ReliableConfig{Dir: b.TempDir(),
			Breaker: &tiers.BreakerConfig{FailureThreshold: 1, OpenDuration: time.Hour, HalfOpenProbes: 1}})
		require.NoError(b, err)
		defer rt.Close()
		down := engine.Fallible(func(*events.Order) error { return errors.New("down") })
		e := benchEngine(b, engine.Route{Name: "r", Source: "s", Tier: rt, Target: engine.To(down)})
		defer stop(b, e)
		p, err := e.NewProducer("s")
		require.NoError(b, err)
		defer p.Close()
		publishAll(b, p, 1) // opens the circuit
		b.ReportAllocs()
		b.ResetTimer()
		start := time.Now()
		publishAll(b, p, b.N)
		b.StopTimer()
		reportRate(b, start)
	})
	b.Run("write-ahead", func(b *testing.B) {
		// One publisher, each publish waiting for its record to be durable, delivered from the log.
		rt, err := tiers.Reliable(tiers.ReliableConfig{Dir: b.TempDir(), WriteAhead: true})
		require.NoError(b, err)
		defer rt.Close()
		var count atomic.Int64
		h := engine.HandlerFunc[events.Order](func(*events.Order) { count.Add(1) })
		e := benchEngine(b, engine.Route{Name: "r", Source: "s", Tier: rt, Target: engine.To(h)})
		defer stop(b, e)
		p, err := e.NewProducer("s")
		require.NoError(b, err)
		defer p.Close()
		b.ReportAllocs()
		b.ResetTimer()
		start := time.Now()
		publishAll(b, p, b.N)
		waitCount(b, &count, b.N)
		b.StopTimer()
		reportRate(b, start)
	})
	b.Run("replay", func(b *testing.B) {
		dir := b.TempDir()
		require.NoError(b, tiers.FillSpillLog(dir, "r", events.KindOrder, b.N))
		rt, err := tiers.Reliable(tiers.ReliableConfig{Dir: dir})
		require.NoError(b, err)
		defer rt.Close()
		var count atomic.Int64
		h := engine.HandlerFunc[events.Order](func(*events.Order) { count.Add(1) })
		b.ReportAllocs()
		b.ResetTimer()
		start := time.Now()
		e := benchEngine(b, engine.Route{Name: "r", Source: "s", Tier: rt, Target: engine.To(h)})
		defer stop(b, e)
		waitCount(b, &count, b.N)
		b.StopTimer()
		reportRate(b, start)
	})
}
