package bench

import (
	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/ring"
)

// BatchSize is the batch of the spsc-batch64 scenario.
const BatchSize = 64

// SPSCBatch64 is the spsc-batch64 scenario: one producer hands events to one consumer in
// batches of up to 64. Our ring reserves the slots, the producer writes the events in place and
// commits them at once, and the consumer takes every ready event (up to 64) with one call; the
// channel carries arrays of 64 events; copy is one goroutine copying the same bytes from one
// array to another and reading them back: memory speed with no hand-off, the floor (it has no
// latency). In the open loop a producer sends every event that is due, up to 64, in one batch:
// one at a time when it keeps up, more when it catches up. Baseline: chan. The go test form is
// ring's BenchmarkSPSCBatch.
func SPSCBatch64() Scenario {
	return Scenario{
		Name:     "spsc-batch64",
		Doc:      "one producer, one consumer, batches of up to 64 events",
		Baseline: "chan",
		Impls: []Impl{
			{Name: "hotpath", New: func() (Target, error) { return &batchRing{}, nil }},
			{Name: "chan", New: func() (Target, error) { return &batchChan{}, nil }},
			{Name: "copy", New: func() (Target, error) { return &batchCopy{}, nil }, NoLatency: true},
		},
	}
}

// batchShape is the shape of the hand-off targets of spsc-batch64.
func batchShape() Shape { return Shape{Producers: 1, Consumers: 1, Sinks: 1, Batch: BatchSize} }

// batchRing is our SPSC ring with its zero-copy batch API: Reserve, write in place, Commit;
// Wait, read in place, Release.
type batchRing struct {
	r  *ring.SPSC[events.Raw]
	cs consumers
}

func (t *batchRing) Shape() Shape { return batchShape() }

func (t *batchRing) Start(env Env) error {
	r, err := drainedSPSC(env, &t.cs, RingCap)
	t.r = r
	return err
}

func (t *batchRing) Send(_, n int, fill Fill) error {
	for i := 0; i < n; {
		k := min(BatchSize, n-i)
		lo, err := t.r.Reserve(k)
		if err != nil {
			return err
		}
		for j := range k {
			fill(i+j, t.r.Slot(lo+uint64(j)))
		}
		t.r.Commit(lo, k)
		i += k
	}
	return nil
}

func (t *batchRing) Stop() error {
	t.r.Close()
	t.cs.wait()
	return nil
}

// eventBatch is what the channel implementation carries: up to 64 events and their count.
type eventBatch struct {
	n  int
	ev [BatchSize]events.Raw
}

// batchChan is a buffered channel of event batches, of RingCap events' capacity.
type batchChan struct {
	ch  chan eventBatch
	buf *eventBatch // the producer's batch, filled in place and sent by value
	cs  consumers
}

func (t *batchChan) Shape() Shape { return batchShape() }

func (t *batchChan) Start(env Env) error {
	ch := make(chan eventBatch, RingCap/BatchSize)
	t.ch, t.buf = ch, new(eventBatch)
	t.cs.spawn(env, 0, func() {
		b := new(eventBatch)
		for {
			var ok bool
			if *b, ok = <-ch; !ok {
				return
			}
			for j := range b.n {
				env.Sink(0, &b.ev[j])
			}
		}
	})
	return nil
}

func (t *batchChan) Send(_, n int, fill Fill) error {
	for i := 0; i < n; {
		k := min(BatchSize, n-i)
		for j := range k {
			fill(i+j, &t.buf.ev[j])
		}
		t.buf.n = k
		t.ch <- *t.buf
		i += k
	}
	return nil
}

func (t *batchChan) Stop() error {
	close(t.ch)
	t.cs.wait()
	return nil
}

// batchCopy is the floor: the producer's own goroutine writes events into one array, copies
// them to another in batches of 64 and reads them back from there.
type batchCopy struct {
	src, dst []events.Raw
	pos      int
	sink     Sink
}

func (t *batchCopy) Shape() Shape { return Shape{Producers: 1, Sinks: 1, Batch: BatchSize} }

func (t *batchCopy) Start(env Env) error {
	t.src, t.dst, t.sink = make([]events.Raw, RingCap), make([]events.Raw, RingCap), env.Sink
	return nil
}

func (t *batchCopy) Send(_, n int, fill Fill) error {
	for i := 0; i < n; {
		k := min(BatchSize, n-i)
		o := t.pos & (RingCap - BatchSize)
		for j := range k {
			fill(i+j, &t.src[o+j])
		}
		copy(t.dst[o:o+k], t.src[o:o+k])
		for j := range k {
			t.sink(0, &t.dst[o+j])
		}
		t.pos += BatchSize
		i += k
	}
	return nil
}

func (t *batchCopy) Stop() error { return nil }

// drainedSPSC returns an SPSC ring of size slots whose consumer, started through cs, takes every ready event
// (up to BatchSize at a time) and hands each to Sink slot 0 in place.
func drainedSPSC(env Env, cs *consumers, size int) (*ring.SPSC[events.Raw], error) {
	r, err := ring.NewSPSC[events.Raw](size, ringWait(env.Dedicated))
	if err != nil {
		return nil, err
	}
	cs.spawn(env, 0, func() {
		for {
			lo, hi, err := r.Wait(BatchSize)
			if err != nil {
				return
			}
			for p := lo; p < hi; p++ {
				env.Sink(0, r.Slot(p))
			}
			r.Release(hi)
		}
	})
	return r, nil
}
