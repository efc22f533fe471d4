package engine

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/hotpath-go/hotpath/affinity"
	"github.com/hotpath-go/hotpath/engine/metrics"
	"github.com/hotpath-go/hotpath/events"
)

// Engine states.
const (
	stateNew int32 = iota
	stateRunning
	stateStopping
	stateStopped
)

func stateErr(st int32) error {
	if st == stateNew {
		return ErrNotStarted
	}
	return ErrStopped
}

// Engine routes events from producers to routes through compiled tables, on its workers. See
// the package comment for the model and its guarantees. All methods are safe for concurrent
// use unless they say otherwise.
type Engine struct {
	_ [cacheLine]byte
	// Read by every publish; written at Compile and at Start/Stop only.
	table atomic.Pointer[table]
	state atomic.Int32
	_     [cacheLine - 12]byte

	unrouted atomic.Uint64 // publishes that matched no route
	_        [cacheLine - 8]byte

	// Stop's protocol (see stop.go).
	round   atomic.Uint64 // the current quiescence round
	exit    atomic.Bool   // workers return
	abort   atomic.Bool   // workers stop running routes at once (Stop's ctx expired)
	quietCh chan struct{} // a worker reported a quiet pass
	done    chan struct{} // closed when Stop has finished
	// finishing: a Stop returned without a worker stuck in a handler; the engine finishes
	// stopping when it returns (see Stop). Guarded by stopMu.
	finishing bool
	wg        sync.WaitGroup

	// Read-only after New.
	cfg         Config
	kinds       *events.Registry
	reg         *metrics.Registry
	clock       *metrics.Clock
	workers     []*worker
	shared      []*mpmcLane // by worker: the lanes of shared publishers
	sharedLossy []*mpmcLane // by worker: the lossy lanes of shared publishers
	ctxPool     sync.Pool   // Contexts for inline routes on the shared path
	pin         func(cpu int) (unpin func() error, err error)
	noFast      entry // the solo entry of groups without a shortest path; never written
	noGroup     group // a lane's group before its first event: no entries, solo noFast
	expedited   bool  // membarrier's private expedited command is registered

	mu        sync.Mutex // control plane: sources, registrations, compile, lanes, producers
	stopMu    sync.Mutex // serialises Stop
	ids       events.IDSpace
	sources   []string // by events.Source; [0] is unused
	bySource  map[string]events.Source
	regs      []registration
	producers []*sender // open dedicated producers
	prevProcs int       // GOMAXPROCS before Start changed it, or 0
}

// New returns an engine configured by cfg (zero fields mean the defaults), with no routes and
// its workers not yet started. Errors wrap ErrConfig.
func New(cfg Config) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	e := &Engine{
		cfg:      cfg,
		kinds:    cfg.Kinds,
		reg:      cfg.Metrics,
		clock:    cfg.Clock,
		pin:      cfg.pin,
		quietCh:  make(chan struct{}, 1),
		done:     make(chan struct{}),
		sources:  []string{""},
		bySource: map[string]events.Source{},
	}
	if e.kinds == nil {
		e.kinds = events.NewRegistry()
	}
	if e.reg == nil {
		var err error
		if e.reg, err = metrics.NewRegistry(metrics.Config{Workers: cfg.Workers, Histogram: cfg.Histogram}); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrConfig, err)
		}
	}
	if e.clock == nil {
		e.clock = metrics.NewClock(metrics.ClockAuto)
	}
	if e.pin == nil {
		e.pin = pinThread
	}
	e.ctxPool.New = func() any { return &Context{eng: e, worker: -1} }
	e.noGroup.solo = &e.noFast
	e.workers = make([]*worker, cfg.Workers)
	for i := range e.workers {
		e.workers[i] = newWorker(e, i)
	}
	for _, w := range e.workers {
		e.shared = append(e.shared, newMPMCLane(w, cfg.RingSize, false, true, false))
		e.sharedLossy = append(e.sharedLossy, newMPMCLane(w, cfg.RingSize, false, true, true))
		e.addLaneLocked(w, e.shared[w.id])
		e.addLaneLocked(w, e.sharedLossy[w.id])
	}
	for _, w := range e.workers {
		s, err := e.newSender(w)
		if err != nil {
			return nil, err
		}
		w.out, w.ctx.snd, s.ctx = s, s, &w.ctx
	}
	e.expedited = registerBarrier()
	return e, nil
}

func pinThread(cpu int) (func() error, error) {
	p, err := affinity.Pin(cpu)
	if err != nil {
		return nil, err
	}
	return p.Unpin, nil
}

// newSender makes the lanes of a dedicated producer (w == nil) or of worker w's outbox, one to
// every worker, and hands each to its worker.
func (e *Engine) newSender(w *worker) (*sender, error) {
	gen, err := e.ids.NewGen()
	if err != nil {
		return nil, err
	}
	s := &sender{eng: e, w: w, ids: *gen, lanes: make([]*spscLane, len(e.workers)), ends: make([]*group, 0, 8)}
	if e.cfg.LatencyEvery > 0 {
		s.every, s.count = e.cfg.LatencyEvery, e.cfg.LatencyEvery
	}
	for i, to := range e.workers {
		s.lanes[i] = newSPSCLane(to, e.cfg.RingSize, w == nil)
		e.addLaneLocked(to, s.lanes[i])
	}
	return s, nil
}

// addLaneLocked hands lane l to worker w (copy-on-write; the worker picks it up on its next pass).
func (e *Engine) addLaneLocked(w *worker, l lane) {
	old := *w.lanes.Load()
	ls := make([]lane, len(old), len(old)+1)
	copy(ls, old)
	ls = append(ls, l)
	w.lanes.Store(&ls)
}

// removeLane takes a retired lane from its worker; called by the worker.
func (e *Engine) removeLane(w *worker, l lane) {
	e.mu.Lock()
	defer e.mu.Unlock()
	old := *w.lanes.Load()
	ls := make([]lane, 0, len(old))
	for _, o := range old {
		if o != l {
			ls = append(ls, o)
		}
	}
	w.lanes.Store(&ls)
}

// addLossyLane makes sender s's lossy lane to worker w on its first DropOldest publish there.
func (e *Engine) addLossyLane(s *sender, w int) (*mpmcLane, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if s.w == nil && e.state.Load() != stateRunning {
		return nil, ErrStopped // Stop closes producers' lossy lanes; a new one would escape it
	}
	if s.lossy == nil {
		s.lossy = make([]*mpmcLane, len(e.workers))
	}
	l := newMPMCLane(e.workers[w], e.cfg.RingSize, s.w == nil, s.w == nil, true)
	s.lossy[w] = l
	e.addLaneLocked(e.workers[w], l)
	return l, nil
}

// Source interns a source name and returns its number; the same name always gets the same
// number. Sources are also interned by Register, NewProducer and Publisher. Errors: an empty
// name, or more than 65535 sources (both wrap ErrRoute).
func (e *Engine) Source(name string) (events.Source, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.sourceLocked(name)
}

func (e *Engine) sourceLocked(name string) (events.Source, error) {
	if name == "" {
		return 0, fmt.Errorf("%w: empty source name", ErrRoute)
	}
	if s, ok := e.bySource[name]; ok {
		return s, nil
	}
	if len(e.sources) > 0xFFFF {
		return 0, fmt.Errorf("%w: more than 65535 sources", ErrRoute)
	}
	s := events.Source(len(e.sources))
	e.sources = append(e.sources, name)
	e.bySource[name] = s
	return s, nil
}

// SourceName returns the name of source s, or "" if s is not interned.
func (e *Engine) SourceName(s events.Source) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if int(s) < len(e.sources) {
		return e.sources[s]
	}
	return ""
}

// Kinds returns the engine's registry of event kinds.
func (e *Engine) Kinds() *events.Registry { return e.kinds }

// Metrics returns the registry of the routes' counters and latencies (for Snapshot and the
// Prometheus handler).
func (e *Engine) Metrics() *metrics.Registry { return e.reg }

// Clock returns the clock that stamps and measures latencies.
func (e *Engine) Clock() *metrics.Clock { return e.clock }

// Workers returns the number of workers.
func (e *Engine) Workers() int { return len(e.workers) }

// Unrouted returns how many publishes matched no route (their source and kind had none).
func (e *Engine) Unrouted() uint64 { return e.unrouted.Load() }

// Counts returns the counters of the route called name, summed over workers; false if no route
// of that name was ever compiled. Counts of events a worker is still handling reach them at the
// end of its batch.
func (e *Engine) Counts(name string) (metrics.EventCounts, bool) {
	m := e.reg.Route(name)
	if m == nil {
		return metrics.EventCounts{}, false
	}
	var a [metrics.NumEvents]uint64
	for w := range e.reg.Workers() {
		c := m.Counters(w)
		for ev := range a {
			a[ev] += c.Load(metrics.Event(ev))
		}
	}
	return metrics.EventCounts{
		Published: a[metrics.EventPublished], Delivered: a[metrics.EventDelivered],
		Dropped: a[metrics.EventDropped], Retried: a[metrics.EventRetried],
		DeadLettered: a[metrics.EventDeadLettered], Spilled: a[metrics.EventSpilled],
		Replayed: a[metrics.EventReplayed], Panics: a[metrics.EventPanic],
	}, true
}

func (e *Engine) report(err error) {
	if f := e.cfg.OnError; f != nil {
		f(err)
	}
}

// Start compiles the registered routes (see Compile), sets GOMAXPROCS (see Config.GOMAXPROCS)
// and starts the workers, each locked to its OS thread and, if Config.CPUs says so, pinned. It
// returns once every worker runs, or with the first pinning error (and the workers stopped: the
// engine is then unusable). Publishes are accepted from Start until Stop.
func (e *Engine) Start() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch e.state.Load() {
	case stateRunning:
		return errors.New("engine: start: already running")
	case stateStopping, stateStopped:
		return fmt.Errorf("engine: start: %w", ErrStopped)
	}
	if err := e.compileLocked(); err != nil {
		return fmt.Errorf("engine: start: %w", err)
	}
	switch n := e.cfg.GOMAXPROCS; {
	case n > 0:
		e.prevProcs = affinity.SetGOMAXPROCS(n)
	case n == 0 && len(e.cfg.CPUs) > 0:
		e.prevProcs = affinity.SetGOMAXPROCS(max(runtime.GOMAXPROCS(0), len(e.cfg.CPUs)+1))
	}
	ready := make(chan error, len(e.workers))
	e.wg.Add(len(e.workers))
	for _, w := range e.workers {
		go w.run(ready)
	}
	var errs []error
	for range e.workers {
		if err := <-ready; err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		e.abort.Store(true)
		e.exit.Store(true)
		e.wakeWorkers()
		e.wg.Wait()
		e.restoreProcs()
		e.state.Store(stateStopped)
		close(e.done)
		return fmt.Errorf("engine: start: %w", errors.Join(errs...))
	}
	e.state.Store(stateRunning)
	return nil
}

func (e *Engine) restoreProcs() {
	if e.prevProcs > 0 {
		affinity.SetGOMAXPROCS(e.prevProcs)
		e.prevProcs = 0
	}
}

func (e *Engine) wakeWorkers() {
	for _, w := range e.workers {
		w.signal()
	}
}
