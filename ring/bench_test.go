package ring_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/Workiva/go-datastructures/queue"

	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/ring"
)

// The benchmarks move events.Raw values (56 bytes; one 64-byte slot in our rings) from producer
// goroutines to consumer goroutines. ns/op is per event in every variant. The baselines run in
// the same benchmark, on the same element: a buffered Go channel of the same capacity, and
// Workiva's RingBuffer (which holds interface{} values: we pass pointers into a preallocated
// pool of events, so it does not allocate either, and the consumer copies the event out).

// benchRing is the capacity of every queue in these benchmarks: 65536 events (4 MiB of slots),
// the size LMAX's examples use. It matters on this project's machines: at 1024 slots (64 KiB) a
// ring lives in both cores' L2 caches, and every slot the producer rewrites must first be taken
// back from the consumer's cache (a core-to-core snoop per event), while past the L2 (1 MiB
// here) lines reach the other core through the shared L3. BenchmarkSPSCSize shows the
// difference (docs/ring.md quotes it).
const benchRing = 65536

// sink keeps consumers' reads from being optimised away.
type sink struct {
	sum uint64
	_   [56]byte
}

func BenchmarkSPSC(b *testing.B) {
	b.Run("hotpath", func(b *testing.B) { spscHotpath(b, benchRing) })
	b.Run("chan", func(b *testing.B) { spscChan(b, benchRing) })
	// workiva passes each event by value, as Workiva's API takes it: Put(interface{}) boxes the
	// 56-byte struct (one allocation per event) and the consumer copies it out of the box.
	b.Run("workiva", func(b *testing.B) {
		b.ReportAllocs()
		rb := queue.NewRingBuffer(benchRing)
		var s sink
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.sum += drainWorkiva(rb)
		}()
		var e events.Raw
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			e.ID = uint64(i)
			_ = rb.Put(e)
		}
		_ = rb.Put(events.Raw{Header: events.Header{Flags: 1}})
		<-done
	})
	// workiva-pool is Workiva's best case: it carries pointers into a preallocated pool of
	// events (no allocation; 8 bytes through the ring, and the consumer reads the event from
	// the producer's pool), which a program can do only when it knows a slot of the pool is
	// not reused before the consumer has copied it out.
	b.Run("workiva-pool", func(b *testing.B) {
		b.ReportAllocs()
		rb := queue.NewRingBuffer(benchRing)
		pool := make([]events.Raw, 4*benchRing)
		var s sink
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.sum += drainWorkiva(rb)
		}()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			e := &pool[i&(len(pool)-1)]
			e.ID = uint64(i)
			_ = rb.Put(e)
		}
		_ = rb.Put(&events.Raw{Header: events.Header{Flags: 1}})
		<-done
	})
}

// BenchmarkSPSCSize is BenchmarkSPSC's hotpath and chan at three capacities: inside both cores'
// L2 caches (1024 slots, 64 KiB), at the L2's size here (16384, 1 MiB), and past it (65536,
// 4 MiB, as BenchmarkSPSC).
func BenchmarkSPSCSize(b *testing.B) {
	for _, n := range []int{1024, 16384, 65536} {
		b.Run(fmt.Sprintf("size=%d/hotpath", n), func(b *testing.B) { spscHotpath(b, n) })
		b.Run(fmt.Sprintf("size=%d/chan", n), func(b *testing.B) { spscChan(b, n) })
	}
}

// spscHotpath moves b.N events through an SPSC ring of size slots, one Push and one Pop each.
func spscHotpath(b *testing.B, size int) {
	b.ReportAllocs()
	r, _ := ring.NewSPSC[events.Raw](size, benchWait...)
	var s sink
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			v, err := r.Pop()
			if err != nil {
				return
			}
			s.sum += v.ID
		}
	}()
	var e events.Raw
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.ID = uint64(i)
		_ = r.Push(e)
	}
	r.Close()
	<-done
}

// spscChan moves b.N events through a channel of capacity size.
func spscChan(b *testing.B, size int) {
	b.ReportAllocs()
	ch := make(chan events.Raw, size)
	var s sink
	done := make(chan struct{})
	go func() {
		defer close(done)
		for v := range ch {
			s.sum += v.ID
		}
	}()
	var e events.Raw
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.ID = uint64(i)
		ch <- e
	}
	close(ch)
	<-done
}

// BenchmarkSPSCBatch moves events in batches of 64: our ring reserves 64 slots, writes them in
// place and commits them at once, and the consumer drains whatever is ready; the channel carries
// [64]events.Raw arrays; copy is one goroutine copying the same bytes between two arrays (the
// floor: memory speed with no hand-off at all).
func BenchmarkSPSCBatch(b *testing.B) {
	const size = 64
	b.Run("size=64/hotpath", func(b *testing.B) {
		b.ReportAllocs()
		r, _ := ring.NewSPSC[events.Raw](benchRing, benchWait...)
		var s sink
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				l, u, err := r.Wait(size)
				if err != nil {
					return
				}
				for p := l; p < u; p++ {
					s.sum += r.Slot(p).ID
				}
				r.Release(u)
			}
		}()
		b.ResetTimer()
		for i := 0; i < b.N; i += size {
			n := min(size, b.N-i)
			l, _ := r.Reserve(n)
			for j := range n {
				r.Slot(l + uint64(j)).ID = uint64(i + j)
			}
			r.Commit(l, n)
		}
		r.Close()
		<-done
	})
	b.Run("size=64/chan", func(b *testing.B) {
		b.ReportAllocs()
		ch := make(chan [size]events.Raw, benchRing/size)
		var s sink
		done := make(chan struct{})
		go func() {
			defer close(done)
			for batch := range ch {
				for j := range batch {
					s.sum += batch[j].ID
				}
			}
		}()
		var batch [size]events.Raw
		b.ResetTimer()
		for i := 0; i < b.N; i += size {
			for j := range batch {
				batch[j].ID = uint64(i + j)
			}
			ch <- batch
		}
		close(ch)
		<-done
	})
	b.Run("size=64/copy", func(b *testing.B) {
		b.ReportAllocs()
		src := make([]events.Raw, benchRing)
		dst := make([]events.Raw, benchRing)
		var s sink
		b.ResetTimer()
		for i := 0; i < b.N; i += size {
			o := i & (benchRing - 1)
			for j := range size {
				src[o+j].ID = uint64(i + j)
			}
			copy(dst[o:o+size], src[o:o+size])
			for j := range size {
				s.sum += dst[o+j].ID
			}
		}
	})
}

// BenchmarkMPMC: two producers push b.N events between them, one at a time; two consumers take
// them. Our consumers take every ready event with one claim (Drain), as the engine's workers do;
// channel and Workiva consumers take one per call, which is all those APIs offer. The hotpath
// variant is FanIn (a lane per producer); vyukov is the shared-counter MPMC ring.
func BenchmarkMPMC(b *testing.B) {
	const P, C = 2, 2
	run := func(b *testing.B, push func(p, i int), consume func(), finish func()) {
		b.ReportAllocs()
		var cwg, pwg sync.WaitGroup
		for range C {
			cwg.Add(1)
			go func() { defer cwg.Done(); consume() }()
		}
		b.ResetTimer()
		for p := range P {
			pwg.Add(1)
			go func() {
				defer pwg.Done()
				for i := p; i < b.N; i += P {
					push(p, i)
				}
			}()
		}
		pwg.Wait()
		finish()
		cwg.Wait()
	}
	// hotpath's multi-producer ring for producers that stay on their goroutines: one lane per
	// producer (FanIn). Order is per producer, which is all a channel gives with two producers.
	b.Run("2P2C/hotpath", func(b *testing.B) {
		q, _ := ring.NewFanIn[events.Raw](benchRing, P, benchWait...)
		prods := make([]*ring.FanInProducer[events.Raw], P)
		for p := range prods {
			prods[p], _ = q.NewProducer()
		}
		run(b, func(p, i int) {
			_ = prods[p].Push(events.Raw{Header: events.Header{ID: uint64(i)}})
		}, func() {
			c := q.NewConsumer()
			var s sink
			for {
				if _, err := c.Drain(64, func(v *events.Raw, _ bool) { s.sum += v.ID }); err != nil {
					break
				}
			}
		}, q.Close)
	})
	// Vyukov's queue: any goroutine may push, one shared claim counter per side.
	b.Run("2P2C/vyukov", func(b *testing.B) {
		r, _ := ring.NewMPMC[events.Raw](benchRing, benchWait...)
		sums := make([]sink, C+1)
		run(b, func(p, i int) {
			_ = r.Push(events.Raw{Header: events.Header{ID: uint64(i)}})
		}, func() {
			var s sink
			for {
				if _, err := r.Drain(64, func(v *events.Raw, _ bool) { s.sum += v.ID }); err != nil {
					break
				}
			}
			sums[C].sum += s.sum
		}, r.Close)
	})
	b.Run("2P2C/chan", func(b *testing.B) {
		ch := make(chan events.Raw, benchRing)
		run(b, func(p, i int) {
			ch <- events.Raw{Header: events.Header{ID: uint64(i)}}
		}, func() {
			var s sink
			for v := range ch {
				s.sum += v.ID
			}
		}, func() { close(ch) })
	})
	// workiva passes events by value, boxed as its Put(interface{}) takes them (one allocation
	// per event); workiva-pool (below) is its best case, pointers into per-producer pools.
	b.Run("2P2C/workiva", func(b *testing.B) {
		rb := queue.NewRingBuffer(benchRing)
		run(b, func(p, i int) {
			_ = rb.Put(events.Raw{Header: events.Header{ID: uint64(i)}})
		}, func() {
			var s sink
			s.sum += drainWorkiva(rb)
		}, func() {
			for range C {
				_ = rb.Put(events.Raw{Header: events.Header{Flags: 1}})
			}
		})
	})
	b.Run("2P2C/workiva-pool", func(b *testing.B) {
		rb := queue.NewRingBuffer(benchRing)
		pools := [P][]events.Raw{make([]events.Raw, 4*benchRing), make([]events.Raw, 4*benchRing)}
		stop := &events.Raw{Header: events.Header{Flags: 1}}
		run(b, func(p, i int) {
			e := &pools[p][(i/P)&(4*benchRing-1)]
			e.ID = uint64(i)
			_ = rb.Put(e)
		}, func() {
			var s sink
			s.sum += drainWorkiva(rb)
		}, func() {
			for range C {
				_ = rb.Put(stop)
			}
		})
	})
}

// BenchmarkMulticast: one producer, two consumers that each see every event. The channel version
// sends each event to one channel per consumer.
func BenchmarkMulticast(b *testing.B) {
	b.Run("1P2C/hotpath", func(b *testing.B) {
		b.ReportAllocs()
		r, _ := ring.NewMulticast[events.Raw](benchRing, benchWait...)
		var wg sync.WaitGroup
		for range 2 {
			c, _ := r.NewConsumer()
			wg.Add(1)
			go func() {
				defer wg.Done()
				var s sink
				for {
					if _, err := c.Drain(64, func(v *events.Raw, _ bool) { s.sum += v.ID }); err != nil {
						return
					}
				}
			}()
		}
		var e events.Raw
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			e.ID = uint64(i)
			_ = r.Push(e)
		}
		r.Close()
		wg.Wait()
	})
	b.Run("1P2C/chan", func(b *testing.B) {
		b.ReportAllocs()
		chs := []chan events.Raw{make(chan events.Raw, benchRing), make(chan events.Raw, benchRing)}
		var wg sync.WaitGroup
		for _, ch := range chs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var s sink
				for v := range ch {
					s.sum += v.ID
				}
			}()
		}
		var e events.Raw
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			e.ID = uint64(i)
			chs[0] <- e
			chs[1] <- e
		}
		close(chs[0])
		close(chs[1])
		wg.Wait()
	})
}

// drainWorkiva takes events from Workiva's RingBuffer, by value (boxed) or by pointer (pooled),
// until the stop sentinel (Flags 1) or disposal, and returns the sum of their IDs.
func drainWorkiva(rb *queue.RingBuffer) (sum uint64) {
	for {
		v, err := rb.Get()
		if err != nil {
			return sum
		}
		var e events.Raw
		switch v := v.(type) {
		case events.Raw:
			e = v
		case *events.Raw:
			e = *v
		}
		if e.Flags == 1 {
			return sum
		}
		sum += e.ID
	}
}

// benchWait is the rings' default wait strategy (Parking): what an engine uses, and the right
// choice when goroutines outnumber cores, as they do here.
var benchWait []ring.Option
