package tiers

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/engine/metrics"
	"github.com/hotpath-go/hotpath/events"
)

// Defaults of FastConfig (the plan's fast_tier(batch_size=1000, max_wait_ms=1)).
const (
	DefaultFastBatchSize = 1000
	DefaultFastMaxWait   = time.Millisecond
	maxFastBatchSize     = 1 << 20
)

// FastConfig configures the fast tier. Zero fields mean the defaults.
type FastConfig struct {
	// BatchSize is the most events handed to the target in one batch (default 1000).
	BatchSize int
	// MaxWait bounds how long the first event of a batch waits for the batch to be handed on
	// (default 1ms). It matters for lingering batches (Linger); without Linger a batch never
	// outlives the lane batch it was collected in.
	MaxWait time.Duration
	// Linger keeps a batch across the worker's lane batches until it is full or MaxWait has
	// passed since its first event (Nagle's trade: fewer, larger batches under light load, at
	// up to MaxWait of added latency). Without it (the default) a batch is also handed on at
	// the end of every batch the worker takes from the lane - when the ring has nothing more,
	// as the LMAX Disruptor does - so batches grow only under load and a lone event waits for
	// nothing.
	Linger bool
	// OnError, if set, is called on the worker with a *engine.DeliveryError for each event of a
	// batch whose delivery failed (the target returned an error or panicked). The engine counts
	// an event delivered when the tier takes it, so the tier counts these failures itself, as
	// dropped (or panics) on the route's metrics.
	OnError func(*engine.DeliveryError)
}

// DefaultFastConfig returns the defaults: batches of 1000, 1ms, no lingering.
func DefaultFastConfig() FastConfig {
	return FastConfig{BatchSize: DefaultFastBatchSize, MaxWait: DefaultFastMaxWait}
}

func (c FastConfig) withDefaults() FastConfig {
	if c.BatchSize == 0 {
		c.BatchSize = DefaultFastBatchSize
	}
	if c.MaxWait == 0 {
		c.MaxWait = DefaultFastMaxWait
	}
	return c
}

// Validate reports a config that cannot work (after defaults).
func (c FastConfig) Validate() error {
	c = c.withDefaults()
	switch {
	case c.BatchSize < 1 || c.BatchSize > maxFastBatchSize:
		return fmt.Errorf("%w: batch_size %d, want 1..%d", ErrFastConfig, c.BatchSize, maxFastBatchSize)
	case c.MaxWait < 0:
		return fmt.Errorf("%w: max_wait %v must be > 0", ErrFastConfig, c.MaxWait)
	}
	return nil
}

// FastTier is the fast tier: a route's events are collected into batches on its worker and
// handed to the target (the route's chain) in one go, followed by one EndBatch of the chain's
// BatchHandlers, when the batch is full, when MaxWait has passed since its first event, or (unless
// FastConfig.Linger) when the worker's batch from the lane ends. There is no timer or goroutine
// per event or per batch: the worker checks the time at the end of its lane batches and in the
// tier's Tick, and naps no longer than the oldest batch's deadline. When Stop begins, held
// batches are handed on.
//
// A FastTier may serve any number of routes (each has its own batch, kept by name across
// recompiles). Batching allocates nothing. Delivery guarantees are the standard tier's: in
// publish order per producer; overflow by the route's policy.
type FastTier struct {
	cfg    FastConfig
	mu     sync.Mutex // guards routes (Bind only)
	routes map[string]*fastRoute
}

// Fast returns a fast tier configured by cfg (zero fields mean the defaults), or cfg's
// validation error.
func Fast(cfg FastConfig) (*FastTier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &FastTier{cfg: cfg.withDefaults(), routes: map[string]*fastRoute{}}, nil
}

// Name returns "fast".
func (*FastTier) Name() string { return "fast" }

// Inline returns false: fast routes run on their worker.
func (*FastTier) Inline() bool { return false }

// Bind gives the route its batch (the one it had, if it was bound before under its name).
func (t *FastTier) Bind(r engine.RouteInfo, next engine.Step) (engine.Binding, error) {
	if r.Worker < 0 {
		return engine.Binding{}, fmt.Errorf("%w: route %q is inline", ErrFastConfig, r.Name)
	}
	t.mu.Lock()
	s := t.routes[r.Name]
	if s == nil {
		s = &fastRoute{cfg: &t.cfg, buf: make([]events.Raw, 0, t.cfg.BatchSize)}
		t.routes[r.Name] = s
	}
	t.mu.Unlock()
	// The closures carry this binding's chain; the batch is the route's, touched only by its
	// worker (a route keeps its worker while the engine runs).
	b := fastBinding{s: s, info: r, next: next, ctr: r.Metrics.Counters(r.Worker)}
	return engine.Binding{Step: b.step, EndBatch: b.endBatch, Tick: b.tick, OwnsEndBatch: true}, nil
}

// FastStats counts a fast route's batches by what handed them on.
type FastStats struct {
	Events uint64 // events handed on
	Full   uint64 // batches handed on full
	End    uint64 // at the end of the worker's lane batch
	Wait   uint64 // because MaxWait had passed
	Stop   uint64 // because Stop began
}

// Stats returns the counts of route name's batches; false if the tier never bound it. Safe for
// concurrent use.
func (t *FastTier) Stats(route string) (FastStats, bool) {
	t.mu.Lock()
	s := t.routes[route]
	t.mu.Unlock()
	if s == nil {
		return FastStats{}, false
	}
	return FastStats{
		Events: s.events.Load(), Full: s.flushes[flushFull].Load(), End: s.flushes[flushEnd].Load(),
		Wait: s.flushes[flushWait].Load(), Stop: s.flushes[flushStop].Load(),
	}, true
}

// Why a batch was handed on.
const (
	flushFull = iota
	flushEnd
	flushWait
	flushStop
	numFlushReasons
)

// fastRoute is one route's batch. buf and first are the worker's alone; the counters are read
// by Stats.
type fastRoute struct {
	cfg     *FastConfig
	buf     []events.Raw // the batch; cap BatchSize, never grown
	pos     int          // the event being handed on, during a flush
	first   int64        // when the batch's first event came, on the engine's clock
	events  atomic.Uint64
	flushes [numFlushReasons]atomic.Uint64
}

// fastBinding is one Bind's view of a route: its chain and metrics.
type fastBinding struct {
	s    *fastRoute
	info engine.RouteInfo
	next engine.Step
	ctr  *metrics.Counters
}

func (b fastBinding) step(c *engine.Context, ev *events.Raw) error {
	s := b.s
	if len(s.buf) == 0 {
		s.first = b.info.Clock.Nanotime()
	}
	s.buf = append(s.buf, *ev)
	if len(s.buf) == cap(s.buf) {
		b.flush(c, flushFull)
	}
	return nil
}

func (b fastBinding) endBatch(c *engine.Context) error {
	s := b.s
	switch {
	case len(s.buf) == 0:
	case !s.cfg.Linger:
		b.flush(c, flushEnd)
	case b.info.Clock.Nanotime()-s.first >= int64(s.cfg.MaxWait):
		b.flush(c, flushWait)
	}
	return nil
}

func (b fastBinding) tick(c *engine.Context, now int64) (int, int64) {
	s := b.s
	if len(s.buf) == 0 {
		return 0, 0
	}
	due := s.first + int64(s.cfg.MaxWait)
	switch {
	case c.Stopping():
		return b.flush(c, flushStop), 0
	case now >= due:
		return b.flush(c, flushWait), 0
	}
	return 0, due
}

// flush hands the batch to the chain, then ends the chain's batch. A failed event is counted
// and reported and the batch goes on.
func (b fastBinding) flush(c *engine.Context, why int) int {
	s := b.s
	n := len(s.buf)
	for s.pos = 0; s.pos < n; s.pos++ {
		b.run(c)
	}
	s.buf = s.buf[:0]
	if b.info.EndChain != nil {
		b.info.EndChain()
	}
	s.events.Add(uint64(n))
	s.flushes[why].Add(1)
	return n
}

// run hands the batch on from s.pos until it ends or an event panics: one deferred recovery for
// the lot rather than one per event. On a panic s.pos is the event that panicked.
func (b fastBinding) run(c *engine.Context) {
	s := b.s
	mark := c.Mark()
	defer func() {
		if v := recover(); v != nil {
			c.Restore(mark)
			b.failed(c, &s.buf[s.pos], panicError{v}, v)
		}
	}()
	for ; s.pos < len(s.buf); s.pos++ {
		if err := b.next(c, &s.buf[s.pos]); err != nil {
			b.failed(c, &s.buf[s.pos], err, nil)
		}
	}
	s.pos-- // flush's loop steps past the last event
}

//go:noinline
func (b fastBinding) failed(c *engine.Context, ev *events.Raw, err error, p any) {
	if p != nil {
		b.ctr.Inc(metrics.EventPanic)
	} else {
		b.ctr.Inc(metrics.EventDropped)
	}
	if f := b.s.cfg.OnError; f != nil {
		f(&engine.DeliveryError{Route: b.info.Name, EventID: ev.ID, Worker: c.Worker(), Panic: p, Err: err})
	}
}

var _ engine.Tier = (*FastTier)(nil)
