package engine

import (
	"fmt"
	"time"

	"github.com/hotpath-go/hotpath/engine/metrics"
	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/ring"
)

// Defaults and bounds of Config.
const (
	DefaultWorkers      = 1
	DefaultRingSize     = 1024
	DefaultBatch        = 256
	DefaultBacklog      = 4096
	DefaultLatencyEvery = 64
	DefaultMaxNap       = time.Millisecond
	// MaxWorkers bounds Config.Workers.
	MaxWorkers = 64
	// MaxDepth bounds how deeply inline routes and transforms nest on one goroutine.
	MaxDepth = 16
)

// Config configures an Engine. The zero value means the defaults: one worker, unpinned, lanes of
// 1024 slots, parking when idle, every 64th event of each producer timed.
type Config struct {
	// Workers is the number of worker goroutines (1..MaxWorkers). Zero means DefaultWorkers.
	Workers int
	// RingSize is the number of slots of every lane (a power of two, at least 2). A lane is one
	// ring per (producer, worker); a slot is one 64-byte cache line. Zero means DefaultRingSize.
	RingSize int
	// Batch is the most events a worker takes from one lane before looking at the next.
	// Zero means DefaultBatch.
	Batch int
	// Backlog bounds, per (worker, target lane), the events a worker holds back when a handler
	// publishes into a full lane (see the package comment). Zero means DefaultBacklog.
	Backlog int
	// CPUs pins worker i to CPUs[i] (through affinity.Pin). Empty: workers are locked to their
	// OS threads but not pinned. Otherwise it must have one entry per worker.
	CPUs []int
	// GOMAXPROCS is set by Start when positive. Zero: when workers are pinned, Start raises
	// GOMAXPROCS to at least len(CPUs)+1 so the runtime keeps a P beside the spinning workers,
	// and sets it explicitly (see affinity.SetGOMAXPROCS); unpinned, it is left alone. Negative:
	// never touched. Stop restores the previous value when Start changed it.
	GOMAXPROCS int
	// Wait is what an idle worker does: spin, yield, then (if Park) sleep until a producer wakes
	// it or MaxNap passes. The zero value means ring.Responsive(): spin through gaps between
	// events of up to 50 µs (so a busy route never pays a wake-up, tens of microseconds for a
	// thread-locked goroutine), yield up to 1 ms, then park (an idle engine costs ~0% CPU).
	// ring.Parking() parks within microseconds of idling, for engines that share their CPUs
	// with other work; dedicated, pinned cores want ring.BusySpin().
	Wait ring.Wait
	// PublishWait is what a publisher does while a Block route's lane is full: spin, yield, then
	// (if Park) nap in growing steps up to MaxNap. The zero value means ring.Parking().
	PublishWait ring.Wait
	// MaxNap bounds a parked worker's sleep (the safety net for a wake-up lost to a race, see
	// docs/engine.md) and a blocked publisher's nap. Zero means DefaultMaxNap.
	MaxNap time.Duration
	// LatencyEvery: every LatencyEvery-th event of each dedicated producer (and of each worker's
	// handler publishes) is stamped at publish (Header.TS from Clock) and its publish-to-handler
	// latency recorded on each route it reaches. 1 times every event, a negative value none;
	// zero means DefaultLatencyEvery. Shared publishers (Engine.Publisher) time every event
	// when LatencyEvery is 1 and none otherwise; inline routes are never timed.
	LatencyEvery int
	// Kinds is the registry of event kinds; nil means events.NewRegistry().
	Kinds *events.Registry
	// Metrics is where routes' counters and latencies go; it must have at least Workers worker
	// slots. Nil means a new registry with Workers slots and the Histogram configuration.
	Metrics *metrics.Registry
	// Histogram configures the histograms of a registry the engine makes itself. The zero value
	// means 2 significant digits up to 10 s (about 30 KiB per histogram).
	Histogram metrics.HistogramConfig
	// Clock stamps and measures latencies; nil means metrics.NewClock(metrics.ClockAuto).
	Clock *metrics.Clock
	// OnError, if set, is called with a *DeliveryError when a handler panics or returns an
	// error, or a handler's publish is dropped. It runs on the worker (or, for inline routes,
	// the publisher) that hit the failure, so it must be quick and must not publish.
	OnError func(error)

	// pin is the test seam for pinning a worker's thread; nil means affinity.Pin.
	pin func(cpu int) (unpin func() error, err error)
}

// withDefaults returns c with zero fields replaced by their defaults.
func (c Config) withDefaults() Config {
	if c.Workers == 0 {
		c.Workers = DefaultWorkers
	}
	if c.RingSize == 0 {
		c.RingSize = DefaultRingSize
	}
	if c.Batch == 0 {
		c.Batch = DefaultBatch
	}
	if c.Backlog == 0 {
		c.Backlog = DefaultBacklog
	}
	if c.Wait == (ring.Wait{}) {
		c.Wait = ring.Responsive()
	}
	if c.PublishWait == (ring.Wait{}) {
		c.PublishWait = ring.Parking()
	}
	if c.MaxNap == 0 {
		c.MaxNap = DefaultMaxNap
	}
	if c.LatencyEvery == 0 {
		c.LatencyEvery = DefaultLatencyEvery
	}
	if c.Histogram == (metrics.HistogramConfig{}) {
		c.Histogram = metrics.HistogramConfig{HighestNs: int64(10 * time.Second), Digits: 2}
	}
	return c
}

// Validate reports whether c, after defaults, is usable. Errors wrap ErrConfig and name the
// field.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.Workers < 1 || c.Workers > MaxWorkers:
		return fmt.Errorf("%w: Workers = %d, want 1..%d", ErrConfig, c.Workers, MaxWorkers)
	case c.RingSize < 2 || c.RingSize&(c.RingSize-1) != 0 || c.RingSize > 1<<24:
		return fmt.Errorf("%w: RingSize = %d, want a power of two in 2..2^24", ErrConfig, c.RingSize)
	case c.Batch < 1:
		return fmt.Errorf("%w: Batch = %d, want >= 1", ErrConfig, c.Batch)
	case c.Backlog < 1:
		return fmt.Errorf("%w: Backlog = %d, want >= 1", ErrConfig, c.Backlog)
	case len(c.CPUs) != 0 && len(c.CPUs) != c.Workers:
		return fmt.Errorf("%w: CPUs has %d entries for %d workers", ErrConfig, len(c.CPUs), c.Workers)
	case c.MaxNap < 0:
		return fmt.Errorf("%w: MaxNap = %v, want >= 0", ErrConfig, c.MaxNap)
	case c.Metrics != nil && c.Metrics.Workers() < c.Workers:
		return fmt.Errorf("%w: Metrics has %d worker slots for %d workers", ErrConfig, c.Metrics.Workers(), c.Workers)
	}
	seen := map[int]bool{}
	for i, cpu := range c.CPUs {
		if cpu < 0 {
			return fmt.Errorf("%w: CPUs[%d] = %d", ErrConfig, i, cpu)
		}
		if seen[cpu] {
			return fmt.Errorf("%w: CPUs[%d] = %d pins two workers to one CPU", ErrConfig, i, cpu)
		}
		seen[cpu] = true
	}
	if c.Metrics == nil {
		if err := c.Histogram.Validate(); err != nil {
			return fmt.Errorf("%w: Histogram: %v", ErrConfig, err)
		}
	}
	return nil
}
