package bench

import (
	"fmt"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/hotpath-go/hotpath/events"
)

// Calibration bounds of the closed loop.
const (
	calibrateFrom = 1 << 10 // events in the first calibration run
	calibrateMax  = 1 << 32 // events in any run
)

// closedLoop is one closed-loop phase: Reps repetitions of about perRep each.
type closedLoop struct {
	clk    Clock
	perRep time.Duration
	reps   int
}

// closedOutcome is what a closed-loop phase measured.
type closedOutcome struct {
	nsPerOp float64 // median over the repetitions
	spread  float64 // relative spread of ns/op over the repetitions
	ops     int64   // events over the repetitions
	allocs  uint64  // heap allocations over the repetitions
}

// sinkCount is one Sink slot's tally in the closed loop, on its own cache lines.
type sinkCount struct {
	_   [64]byte
	n   int64
	sum uint64 // of event IDs, so that the consumer really reads the event
	_   [64]byte
}

// run calibrates the event count on fresh Targets from impl, then runs the repetitions.
func (c closedLoop) run(impl Impl) (closedOutcome, error) {
	var out closedOutcome
	n := int64(calibrateFrom)
	var d int64
	for {
		var err error
		if d, _, err = c.once(impl, n); err != nil {
			return out, err
		}
		if d >= int64(c.perRep)/10 || n >= calibrateMax {
			break
		}
		// Grow towards a tenth of a repetition, by 2x to 100x a step.
		grow := float64(c.perRep) / 10 / float64(max(d, 1)) * 1.2
		n = min(int64(float64(n)*min(max(grow, 2), 100)), calibrateMax)
	}
	n = min(max(n, int64(float64(n)*float64(c.perRep)/float64(max(d, 1)))), calibrateMax)
	ns := make([]float64, 0, c.reps)
	for range c.reps {
		d, allocs, err := c.once(impl, n)
		if err != nil {
			return out, err
		}
		ns = append(ns, float64(d)/float64(n))
		out.ops += n
		out.allocs += allocs
	}
	sort.Float64s(ns)
	out.nsPerOp = median(ns)
	out.spread = spreadOf(ns)
	return out, nil
}

// once sends n events through a fresh Target as fast as it accepts them and returns the time
// from releasing the producers to Stop's return, and the allocations in between.
func (c closedLoop) once(impl Impl, n int64) (elapsed int64, allocs uint64, err error) {
	t, err := impl.New()
	if err != nil {
		return 0, 0, fmt.Errorf("new: %w", err)
	}
	sh := normalShape(t.Shape())
	counts := make([]sinkCount, sh.Sinks)
	sink := func(slot int, e *events.Raw) {
		counts[slot].n++
		counts[slot].sum += e.ID
	}
	if err := t.Start(Env{Sink: sink, OnStart: func(int) {}}); err != nil {
		return 0, 0, fmt.Errorf("start: %w", err)
	}
	var ready, done sync.WaitGroup
	release := make(chan struct{})
	errs := make([]error, sh.Producers)
	for p := range sh.Producers {
		share := n / int64(sh.Producers)
		if int64(p) < n%int64(sh.Producers) {
			share++
		}
		base := uint64(p) << 48
		fill := func(j int, e *events.Raw) { e.ID = base + uint64(j) }
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-release
			errs[p] = t.Send(p, int(share), fill)
		}()
	}
	ready.Wait()
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	t0 := c.clk.Nanotime()
	close(release)
	done.Wait()
	// Allocations are counted up to here: the producers' sends and everything the consumers did
	// meanwhile. Stop is teardown (closing logs, joining goroutines) and allocates a fixed amount
	// that would otherwise show as a per-event cost in short runs; what the consumers still had in
	// their lanes (at most the lanes' capacity) is left out of the count.
	runtime.ReadMemStats(&m1)
	stopErr := t.Stop()
	t1 := c.clk.Nanotime()
	for p, err := range errs {
		if err != nil {
			return 0, 0, fmt.Errorf("producer %d: %w", p, err)
		}
	}
	if stopErr != nil {
		return 0, 0, fmt.Errorf("stop: %w", stopErr)
	}
	var received int64
	for i := range counts {
		received += counts[i].n
	}
	if want := n * int64(sh.Fanout); received != want {
		return 0, 0, fmt.Errorf("%w: closed loop sent %d events (x%d), %d delivered", ErrLost, n, sh.Fanout, received)
	}
	return t1 - t0, m1.Mallocs - m0.Mallocs, nil
}
