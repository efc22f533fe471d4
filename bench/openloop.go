package bench

import (
	"fmt"
	"runtime"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/hotpath-go/hotpath/affinity"
	"github.com/hotpath-go/hotpath/events"
)

// startLead is how long after the goroutines are ready the schedule starts: time for the
// released producers to wake (a locked thread wakes in tens of microseconds).
const startLead = 2 * time.Millisecond

// openLoop is one open-loop phase: the schedule and where its goroutines run.
type openLoop struct {
	clk      Clock
	rate     float64       // events per second over all producers
	length   time.Duration // scheduled span, warm-up included
	warmup   time.Duration // first part of the span, not recorded
	segments int           // the recorded span is split in this many histograms
	cpus     []int         // CPUs to pin to, in order; nil: never pin
}

// openOutcome is what an open-loop phase measured.
type openOutcome struct {
	hist    *hdrhistogram.Histogram
	latency Latency
	spread  Spread
	load    Load
	sent    int64
	allocs  uint64
	notes   []string
}

// producerState is the per-producer state the producer's Fill reads: written by the producer
// goroutine only, padded against its neighbours.
type producerState struct {
	_    [64]byte
	pc   Pacer
	next int64 // this producer's index of the first event of the current Send
	sent int64
	last int64 // clock reading after the last Send
	late bool  // stopped at the hard end with events still unsent
	err  error
	_    [64]byte
}

// run runs the phase on t, a Target fresh from its Impl.
func (o openLoop) run(t Target) (openOutcome, error) {
	sh := normalShape(t.Shape())
	var out openOutcome
	pl := newPlacement(o.cpus, sh.Producers, sh.Consumers)
	if pl.pinned() {
		// One P more than the pinned goroutines, which spin and keep theirs: the runtime's
		// goroutines and the Target's own (a log's flusher, timers) then find a P at once,
		// instead of waiting for the scheduler to preempt a spinner (up to 10 ms; it showed as
		// millisecond tails at p99.9). An engine that pins raises GOMAXPROCS the same way for
		// its workers, not for the harness's producers.
		prev := affinity.SetGOMAXPROCS(max(runtime.GOMAXPROCS(0), sh.Producers+sh.Consumers+1))
		defer affinity.SetGOMAXPROCS(prev)
	}

	recs := make([]*slotRecorder, sh.Sinks)
	for i := range recs {
		recs[i] = newSlotRecorder(o.segments) // its window is set once the start is known
	}
	clk := o.clk
	sink := func(slot int, e *events.Raw) { recs[slot].record(e.TS, clk.Nanotime()) }
	if err := t.Start(Env{Sink: sink, OnStart: pl.consumer, Dedicated: pl.pinned(), CPUs: pl.consumerCPUs()}); err != nil {
		return out, fmt.Errorf("start: %w", err)
	}

	states := make([]*producerState, sh.Producers)
	fills := make([]Fill, sh.Producers)
	for p := range states {
		st := &producerState{}
		states[p] = st
		fills[p] = func(j int, e *events.Raw) {
			k := st.next + int64(j)
			e.ID = uint64(st.pc.Global(k))
			e.TS = st.pc.Due(k)
		}
	}

	var ready, done sync.WaitGroup
	release := make(chan struct{})
	var start, end, hardEnd int64 // written before release is closed
	for p := range sh.Producers {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			pl.producer(p)
			ready.Done()
			<-release
			st := states[p]
			st.pc = NewPacer(start, o.rate, p, sh.Producers)
			st.err = o.produce(t, p, st, fills[p], end, hardEnd, sh.Batch, !pl.pinned())
		}()
	}
	ready.Wait()

	start = clk.Nanotime() + int64(startLead)
	end = start + int64(o.length)
	hardEnd = end + max(int64(o.length)/2, int64(50*time.Millisecond))
	from := start + int64(o.warmup)
	for _, r := range recs {
		r.window(from, end) // read by consumers only after an event, which comes after release
	}
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	close(release)
	done.Wait()
	stopErr := t.Stop()
	runtime.ReadMemStats(&m1)
	out.allocs = m1.Mallocs - m0.Mallocs

	var last int64
	for p, st := range states {
		if st.err != nil {
			return out, fmt.Errorf("producer %d: %w", p, st.err)
		}
		out.sent += st.sent
		last = max(last, st.last)
		if st.late {
			out.load.Unsent += unsent(st.pc, st.sent, end)
		}
	}
	if stopErr != nil {
		return out, fmt.Errorf("stop: %w", stopErr)
	}
	var received int64
	for _, r := range recs {
		received += r.received
	}
	if want := out.sent * int64(sh.Fanout); received != want {
		return out, fmt.Errorf("%w: open loop sent %d events (x%d), %d delivered", ErrLost, out.sent, sh.Fanout, received)
	}
	// Events never sent are not left out (that would hide the saturation the open loop is
	// there to show): each is recorded at the lower bound of its latency, the time its
	// producer gave up minus its intended time, once per Sink it would have reached.
	for _, st := range states {
		if !st.late {
			continue
		}
		for k := st.sent; st.pc.Due(k) < end; k++ {
			for f := range sh.Fanout {
				recs[f%len(recs)].recordUnsent(st.pc.Due(k), st.last)
			}
		}
	}
	out.hist, out.latency, out.spread = latencyOf(recs)
	out.load.RatePerSec = o.rate
	out.load.Sent = out.sent
	if last > start {
		out.load.AchievedPerSec = float64(out.sent) / (float64(last-start) / 1e9)
	}
	out.load.Pinned = pl.pinned()
	if pl.pinned() {
		out.load.CPUs = append([]int(nil), pl.cpus...)
	}
	out.notes = pl.takeNotes()
	if out.load.Unsent > 0 {
		out.notes = append(out.notes, fmt.Sprintf("saturated: %d of %d scheduled events never sent; they are recorded at a lower bound of their latency (when the producer gave up, minus their intended time), so the percentiles are lower bounds too", out.load.Unsent, out.load.Unsent+out.sent))
	}
	return out, nil
}

// produce runs producer p's schedule: it sends each event when it is due, and every overdue
// event at once (up to batch per Send), each stamped with its intended time, until the
// schedule reaches end; past hardEnd it gives up on what is still unsent.
func (o openLoop) produce(t Target, p int, st *producerState, fill Fill, end, hardEnd int64, batch int, yield bool) error {
	for i := int64(0); st.pc.Due(i) < end; {
		now := st.pc.Await(o.clk, i, yield)
		if now > hardEnd {
			st.late = true
			break
		}
		n := st.pc.Ready(now, end, i, batch)
		st.next = i
		if err := t.Send(p, n, fill); err != nil {
			return err
		}
		i += int64(n)
		st.sent = i
	}
	st.last = o.clk.Nanotime()
	return nil
}

// unsent counts the events of pc due before end from the sent-th on.
func unsent(pc Pacer, sent, end int64) int64 {
	n := int64(0)
	for pc.Due(sent+n) < end {
		n++
	}
	return n
}

// normalShape fills a Shape's defaults.
func normalShape(sh Shape) Shape {
	sh.Producers = max(sh.Producers, 1)
	sh.Sinks = max(sh.Sinks, 1)
	sh.Batch = max(sh.Batch, 1)
	sh.Fanout = max(sh.Fanout, 1)
	return sh
}
