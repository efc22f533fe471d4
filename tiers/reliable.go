package tiers

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sync"
	"time"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/tiers/wal"
)

// Defaults of ReliableConfig.
const (
	DefaultRetryQueue      = 1024
	DefaultSegmentSize     = 4 << 20
	DefaultReplayBatch     = 256
	DefaultCheckpointEvery = 4096
	DefaultSpillWindow     = 1024
)

// ReliableConfig configures the reliable tier. Zero fields mean the defaults; Dir is required.
type ReliableConfig struct {
	// Dir holds the routes' logs: Dir/<route>/spill (events to deliver in order) and
	// Dir/<route>/dlq (dead letters), the route's name escaped as RouteDir says.
	Dir string
	// FS is the file system of the logs; nil means the operating system's. Tests use a
	// wal.MemFS.
	FS wal.FS
	// Retry is the retry policy; the zero RetryConfig means DefaultRetryConfig() (3 retries,
	// 100ms doubling to 10s, 50% jitter). Any other value is used as it is: RetryConfig{
	// Multiplier: 1} retries nothing.
	Retry RetryConfig
	// RetryQueue bounds the events a route's worker holds for retry (default 1024). While it is
	// full, the route spills what comes and stops replaying its log.
	RetryQueue int
	// Breaker, if set, gives each route a circuit breaker: while it is open the route spills
	// instead of delivering, and replays once a probe succeeds. Its state is the route's circuit
	// gauge in engine/metrics.
	Breaker *BreakerConfig
	// WriteAhead writes every event to the spill log on the publisher's goroutine, before the
	// publish returns, and delivers from the log: a publish that returned nil survives a
	// crash. The cost is a durable write per publish (group-committed across publishers) and
	// the worker's delivery waits for it. Without it (the default), events travel in the lane
	// and reach the log only when the route cannot keep up (see the package comment).
	WriteAhead bool
	// SpillWindow is, without WriteAhead, how far a publisher that spills may run ahead of the
	// disk: its append waits until every record but the last SpillWindow is durable (default
	// 1024). So a publisher spills at the log's group-commit rate rather than one fsync per
	// event, and a crash loses at most the lane's events and SpillWindow spilled ones. A
	// negative value waits for every record, as WriteAhead does.
	SpillWindow int
	// Sync is the logs' sync policy: wal.SyncEveryBatch (default) or wal.SyncInterval. A
	// reliable route replays only durable records, so wal.SyncNone is refused.
	Sync wal.SyncPolicy
	// SegmentSize is the size of the logs' segment files (default 4 MiB).
	SegmentSize int64
	// ReplayBatch bounds the events a route's worker takes from its log and its retry queue in
	// one pass (default 256), so that a long backlog does not starve the worker's other lanes.
	ReplayBatch int
	// CheckpointEvery is how many replayed records may pass before the route checkpoints its
	// spill log (default 4096); it also checkpoints when it has caught up, at most every 10 ms. A
	// checkpoint costs two fsyncs on a goroutine of the route's own. A crash re-delivers the
	// records delivered since the last checkpoint.
	CheckpointEvery int
	// Seed seeds the retry jitter; 0 means a hash of the route's name.
	Seed uint64
	// DeadLetter, if set, receives every event a route gives up on, on the route's worker,
	// once the event is in the route's dead-letter log (it receives it even if that append
	// failed): a container of the routes' event type, or of any kind (engine.To(h),
	// engine.RawFunc, an adapter chain; it may publish with engine.Emit). It must not keep the
	// event past the call. Bind compiles it for each route (engine.RouteInfo.Compile) and
	// refuses a target of another event type. A dead-letter target that fails or panics loses
	// nothing (the event is in the log): the engine recovers the panic, counts it on the route
	// (panics) and reports either to engine.Config.OnError; the worker goes on.
	DeadLetter engine.Target
	// OnDeadLetter, if set, is called on the route's worker after an event is dead-lettered,
	// with the reason, the attempts and the last error, before DeadLetter receives the event.
	// It must be quick and must not publish.
	OnDeadLetter func(DeadLetter)
	// OnError, if set, is called with failures of the tier itself: a log that failed to
	// append, sync or checkpoint (see wal.ErrFailed). It may be called from the route's worker,
	// a publisher or the checkpointing goroutine. It is also told, from Bind, when a log
	// recovered from a crash discarded a torn tail (bytes written but never made durable, so
	// never acknowledged).
	OnError func(error)
}

func (c ReliableConfig) withDefaults() ReliableConfig {
	if c.Retry == (RetryConfig{}) {
		c.Retry = DefaultRetryConfig()
	}
	if c.RetryQueue == 0 {
		c.RetryQueue = DefaultRetryQueue
	}
	if c.SegmentSize == 0 {
		c.SegmentSize = DefaultSegmentSize
	}
	if c.ReplayBatch == 0 {
		c.ReplayBatch = DefaultReplayBatch
	}
	if c.CheckpointEvery == 0 {
		c.CheckpointEvery = DefaultCheckpointEvery
	}
	if c.SpillWindow == 0 {
		c.SpillWindow = DefaultSpillWindow
	}
	if c.WriteAhead || c.SpillWindow < 0 {
		c.SpillWindow = 0
	}
	return c
}

// Validate reports a config that cannot work (after defaults).
func (c ReliableConfig) Validate() error {
	c = c.withDefaults()
	var errs []error
	if c.Dir == "" {
		errs = append(errs, fmt.Errorf("%w: dir is empty", ErrReliableConfig))
	}
	if err := c.Retry.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("%w: retry: %w", ErrReliableConfig, err))
	}
	if c.RetryQueue < 1 {
		errs = append(errs, fmt.Errorf("%w: retry_queue %d must be >= 1", ErrReliableConfig, c.RetryQueue))
	}
	if c.Breaker != nil {
		if err := c.Breaker.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("%w: breaker: %w", ErrReliableConfig, err))
		}
	}
	if c.Sync != wal.SyncEveryBatch && c.Sync != wal.SyncInterval {
		errs = append(errs, fmt.Errorf("%w: sync %s: a reliable route replays only durable records (want every-batch or interval)", ErrReliableConfig, c.Sync))
	}
	if c.ReplayBatch < 1 {
		errs = append(errs, fmt.Errorf("%w: replay_batch %d must be >= 1", ErrReliableConfig, c.ReplayBatch))
	}
	if c.CheckpointEvery < 1 {
		errs = append(errs, fmt.Errorf("%w: checkpoint_every %d must be >= 1", ErrReliableConfig, c.CheckpointEvery))
	}
	if err := (wal.Config{Dir: "x", SegmentSize: c.SegmentSize}).Validate(); err != nil {
		errs = append(errs, fmt.Errorf("%w: segment_size: %w", ErrReliableConfig, err))
	}
	return errors.Join(errs...)
}

// ReliableTier is the reliable tier: an event it accepts is delivered at least once or
// dead-lettered, whatever its handler does, however long its lane stays full, and across
// crashes (see the package comment for the exact guarantee and its costs). A ReliableTier may
// serve any number of routes; each gets its own logs under Dir (opened, and recovered, when the
// route is first bound) and keeps them across recompiles. It serves one engine at a time (a
// route's logs have one writer). Close it after the engine has stopped.
type ReliableTier struct {
	cfg    ReliableConfig
	mu     sync.Mutex // guards routes and closed (Bind, Close and the inspection methods)
	routes map[string]*reliableRoute
	closed bool
}

// Reliable returns a reliable tier configured by cfg, or cfg's validation error. It opens
// nothing until a route is bound.
func Reliable(cfg ReliableConfig) (*ReliableTier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &ReliableTier{cfg: cfg.withDefaults(), routes: map[string]*reliableRoute{}}, nil
}

// Name returns "reliable".
func (*ReliableTier) Name() string { return "reliable" }

// Inline returns false: reliable routes run on their worker.
func (*ReliableTier) Inline() bool { return false }

// Bind opens the route's logs the first time it sees the route's name (recovering them: what a
// previous run accepted and did not finish is replayed before anything new), compiles the
// dead-letter target for the route, and wraps the route's chain. It refuses inline routes, the
// overflow policies that drop events (drop-newest, drop-oldest: a reliable route takes a full
// lane's events into its log; Block then applies only if the log fails, and Fail refuses the
// publish, which the publisher sees) and a dead-letter target of another event type.
func (t *ReliableTier) Bind(r engine.RouteInfo, next engine.Step) (engine.Binding, error) {
	switch {
	case r.Worker < 0:
		return engine.Binding{}, fmt.Errorf("%w: route %q is inline", ErrReliableConfig, r.Name)
	case r.Overflow == engine.DropNewest || r.Overflow == engine.DropOldest:
		return engine.Binding{}, fmt.Errorf("%w: route %q: overflow %s would lose events (use block or fail)", ErrReliableConfig, r.Name, r.Overflow)
	}
	var dead engine.Step
	if t.cfg.DeadLetter != (engine.Target{}) {
		if r.Compile == nil {
			return engine.Binding{}, fmt.Errorf("%w: route %q: a dead-letter target needs the engine's RouteInfo.Compile", ErrReliableConfig, r.Name)
		}
		var err error
		if dead, err = r.Compile(t.cfg.DeadLetter); err != nil {
			return engine.Binding{}, fmt.Errorf("%w: route %q: dead-letter target: %w", ErrReliableConfig, r.Name, err)
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return engine.Binding{}, ErrClosed
	}
	s := t.routes[r.Name]
	if s == nil {
		var err error
		if s, err = t.open(r.Name); err != nil {
			return engine.Binding{}, err
		}
		t.routes[r.Name] = s
	}
	wake := r.Wake
	s.wake.Store(&wake)
	s.stopped.Store(false) // an engine that has not begun stopping (Drain)
	b := &reliableBinding{s: s, info: r, next: next, dead: dead, ctr: r.Metrics.Counters(r.Worker)}
	bind := engine.Binding{Step: b.step, Tick: b.tick, OnPublish: b.onPublish, EndPublish: b.endPublish}
	if !t.cfg.WriteAhead {
		bind.OnFull = b.onFull
	}
	return bind, nil
}

// open opens and recovers the logs of the route called name.
func (t *ReliableTier) open(name string) (*reliableRoute, error) {
	c := &t.cfg
	s := &reliableRoute{cfg: c, name: name, retries: NewDelayQueue[retry](c.RetryQueue)}
	seed := c.Seed
	if seed == 0 {
		h := fnv.New64a()
		h.Write([]byte(name))
		seed = h.Sum64()
	}
	s.rand = Rand{s: seed}
	if c.Breaker != nil {
		s.breaker, _ = NewBreaker(*c.Breaker) // validated
	}
	var err error
	s.spill, err = wal.Open(wal.Config{
		Dir: SpillDir(c.Dir, name), FS: c.FS, SegmentSize: c.SegmentSize, BufferSize: spillBufferSize,
		Sync: c.Sync, OnDurable: func(uint64) { s.wakeWorker() },
	})
	if err != nil {
		return nil, fmt.Errorf("tiers: route %q: spill log: %w", name, err)
	}
	s.dead, err = wal.Open(wal.Config{
		Dir: DeadLetterDir(c.Dir, name), FS: c.FS, SegmentSize: min(c.SegmentSize, 1<<20),
		BufferSize: deadBufferSize, Sync: c.Sync,
	})
	if err != nil {
		s.spill.Close()
		return nil, fmt.Errorf("tiers: route %q: dead-letter log: %w", name, err)
	}
	for _, l := range []struct {
		what string
		log  *wal.Log
	}{{"spill log", s.spill}, {"dead-letter log", s.dead}} {
		if d := l.log.Recovery().Torn; d != nil {
			c.report(fmt.Errorf("tiers: route %q: %s: recovered from a crash: discarded a torn tail of %d bytes never made durable (%s)", name, l.what, d.Bytes, d))
		}
	}
	ck := s.spill.Checkpoints()[spillConsumer]
	s.recovered = s.spill.Last()
	s.readNext = ck + 1
	s.ckptDone = ck
	if err := s.recover(s.readNext); err != nil {
		s.spill.Close()
		s.dead.Close()
		return nil, fmt.Errorf("tiers: route %q: spill log: %w", name, err)
	}
	s.reader = s.spill.NewReader(s.readNext)
	s.pubTail.Store(s.recovered)
	if s.recovered > ck || c.WriteAhead {
		s.state.Store(spilling) // what a previous run left goes first
	}
	s.ckpt = newCheckpointer(s)
	return s, nil
}

// route returns the state of the route called name.
func (t *ReliableTier) route(name string) (*reliableRoute, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, ErrClosed
	}
	s := t.routes[name]
	if s == nil {
		return nil, fmt.Errorf("%w: %q", ErrNoRoute, name)
	}
	return s, nil
}

// DeadLetters returns the dead letters of route that have not been replayed, oldest first. Safe
// for concurrent use, also while the route runs.
func (t *ReliableTier) DeadLetters(route string) ([]DeadLetter, error) {
	s, err := t.route(route)
	if err != nil {
		return nil, err
	}
	return readDead(s.dead)
}

// Replay moves route's dead letters that have not been replayed back into its spill log, as
// events to deliver anew (their attempts start from zero), and marks them replayed; the route's
// worker delivers them after what its log already holds. It returns how many it moved. Safe for
// concurrent use, also while the route runs; calls for one route are serialised.
func (t *ReliableTier) Replay(route string) (int, error) {
	s, err := t.route(route)
	if err != nil {
		return 0, err
	}
	s.replayMu.Lock()
	defer s.replayMu.Unlock()
	n, err := moveDead(s.dead, s.spill, &s.pending, func(seq uint64) { atomicMax(&s.pubTail, seq) })
	s.wakeWorker()
	return n, err
}

// Backlog returns how many events route's tier has taken and not finished (delivered or
// dead-lettered): the events spilled to its log, each counted from the moment its publisher
// takes it (before the append completes, and whether or not the log has made it durable yet),
// the records a previous run left to deliver, the dead letters Replay moved back, the events
// waiting for a retry, and the lane's events the worker holds in memory while it cannot deliver
// them (an open circuit, a full retry queue). Events still in the route's lane, not yet taken by
// its worker, are not counted; Drain waits for those too. Safe for concurrent use.
func (t *ReliableTier) Backlog(route string) (uint64, error) {
	s, err := t.route(route)
	if err != nil {
		return 0, err
	}
	return uint64(max(s.pending.Load(), 0)), nil
}

// Drain waits until route has delivered or dead-lettered every event published to it: its lane
// is empty and its Backlog is zero. It returns nil then; ctx's error, saying how many events are
// left, if ctx ends first; an error wrapping engine.ErrStopped once the engine has begun
// stopping with events left (Stop does not deliver a reliable route's backlog: it stays in the
// log for the next start); and the spill log's error if the log has failed.
//
// Call it while the engine runs, after the publishers have stopped (otherwise it also waits for
// what they go on publishing), and before engine.Stop. Events that other routes have not yet
// published into the route (a handler's Emit upstream) are not known to it: drain those routes
// first (close the producers, wait for the upstream handlers), then the reliable ones. A route
// whose handler keeps failing drains only as its retries run out. Drain polls two atomic
// counters, napping up to a millisecond between looks. Safe for concurrent use.
func (t *ReliableTier) Drain(ctx context.Context, route string) error {
	s, err := t.route(route)
	if err != nil {
		return err
	}
	nap := 20 * time.Microsecond
	var timer *time.Timer
	for {
		n := s.undelivered()
		switch {
		case n == 0:
			return nil
		case s.stopped.Load():
			return fmt.Errorf("tiers: route %q: %d events not delivered (left in the log for the next start): %w", route, n, engine.ErrStopped)
		}
		if err := s.spill.Err(); err != nil {
			return fmt.Errorf("tiers: route %q: %d events not delivered: spill log: %w", route, n, err)
		}
		if timer == nil {
			timer = time.NewTimer(nap)
			defer timer.Stop()
		} else {
			timer.Reset(nap)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("tiers: route %q: %d events not delivered: %w", route, n, ctx.Err())
		case <-timer.C:
		}
		nap = min(2*nap, drainNap)
	}
}

// drainNap is the longest nap of Drain between two looks at a route.
const drainNap = time.Millisecond

// Close closes every route's logs, after a last checkpoint; later Binds fail with ErrClosed. Call
// it once the engine has stopped: the routes' workers must not run any more. What the routes
// still held (a backlog, events waiting for a retry) is in their logs and is delivered when
// they are next bound. It is idempotent.
func (t *ReliableTier) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	routes := t.routes
	t.mu.Unlock()
	var errs []error
	for _, s := range routes {
		if err := s.close(); err != nil {
			errs = append(errs, fmt.Errorf("tiers: route %q: %w", s.name, err))
		}
	}
	return errors.Join(errs...)
}

// report passes a failure of the tier to OnError.
func (c *ReliableConfig) report(err error) {
	if c.OnError != nil {
		c.OnError(err)
	}
}

// checkpointPause is the shortest time between two scans for a checkpoint while retries hold
// it back.
const checkpointPause = 10 * time.Millisecond

var _ engine.Tier = (*ReliableTier)(nil)
