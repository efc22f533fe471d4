package metrics

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Registry holds the metrics of one engine: for every route (by name) and
// every worker, one Recorder and one Counters. The engine owns it (there is
// no global registry) and hands each worker the *Recorder and *Counters of
// its slot when it compiles its routing table, so the hot path never looks up
// a name.
//
// Routes are added, never removed. AddRoute and Route are safe for
// concurrent use (they take a mutex: start-up and reload only). Snapshot and
// Handler are safe for concurrent use with everything, the writers included;
// readers serialise among themselves on the registry's read mutex.
type Registry struct {
	cfg   Config
	start time.Time

	// routes is the copy-on-write list of routes, read without a lock by
	// the readers; replaced under addMu.
	routes atomic.Pointer[[]*Route]
	addMu  sync.Mutex // guards byName and replacing routes
	byName map[string]*Route

	// Reader side: scratch tallies reused by every snapshot, guarded by
	// readMu.
	readMu       sync.Mutex
	lastSnapshot time.Time // when the last interval ended
	lastInterval *Report   // the last Snapshot, for the Prometheus interval gauges
	routeIv      *tally    // one route's interval, merged over workers
	routeTot     *tally    // one route's total, merged over workers
	allIv        *tally    // every route's interval
	allTot       *tally    // every route's total
}

// Route is one route's metrics: a Recorder and a Counters per worker.
// Obtained from Registry.AddRoute or Registry.Route; safe for concurrent use.
type Route struct {
	name      string
	recorders []*Recorder
	counters  []*Counters
}

// NewRegistry returns an empty registry for c (zero fields mean the
// defaults). Errors wrap ErrConfig.
func NewRegistry(c Config) (*Registry, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = c.withDefaults()
	now := time.Now()
	r := &Registry{
		cfg:          c,
		start:        now,
		byName:       make(map[string]*Route),
		lastSnapshot: now,
		routeIv:      newTally(c.Histogram),
		routeTot:     newTally(c.Histogram),
		allIv:        newTally(c.Histogram),
		allTot:       newTally(c.Histogram),
	}
	r.routes.Store(new([]*Route))
	return r, nil
}

// Workers returns the number of worker slots each route has.
func (r *Registry) Workers() int { return r.cfg.Workers }

// AddRoute registers a route and allocates its recorders and counters. The
// name must be non-empty (ErrRouteName) and new (ErrDuplicateRoute).
func (r *Registry) AddRoute(name string) (*Route, error) {
	if name == "" {
		return nil, ErrRouteName
	}
	r.addMu.Lock()
	defer r.addMu.Unlock()
	if _, ok := r.byName[name]; ok {
		return nil, fmt.Errorf("%w: %q", ErrDuplicateRoute, name)
	}
	rt := &Route{
		name:      name,
		recorders: make([]*Recorder, r.cfg.Workers),
		counters:  make([]*Counters, r.cfg.Workers),
	}
	for w := range rt.recorders {
		rec, err := NewRecorder(r.cfg.Histogram)
		if err != nil {
			return nil, fmt.Errorf("metrics: route %q: %w", name, err)
		}
		rt.recorders[w] = rec
		rt.counters[w] = new(Counters)
	}
	old := *r.routes.Load()
	next := make([]*Route, len(old), len(old)+1)
	copy(next, old)
	next = append(next, rt)
	r.routes.Store(&next)
	r.byName[name] = rt
	return rt, nil
}

// Route returns the route registered under name, or nil.
func (r *Registry) Route(name string) *Route {
	r.addMu.Lock()
	defer r.addMu.Unlock()
	return r.byName[name]
}

// Routes returns the registered routes in the order they were added. The
// slice is the caller's.
func (r *Registry) Routes() []*Route {
	rs := *r.routes.Load()
	return append([]*Route(nil), rs...)
}

// Name returns the route's name.
func (rt *Route) Name() string { return rt.name }

// Recorder returns the latency recorder of worker w (0 <= w < Workers);
// only that worker may call its Record. It panics for an out-of-range w.
func (rt *Route) Recorder(w int) *Recorder { return rt.recorders[w] }

// Counters returns the counters of worker w (0 <= w < Workers). It panics
// for an out-of-range w.
func (rt *Route) Counters(w int) *Counters { return rt.counters[w] }

// events sums the route's counters over its workers.
func (rt *Route) events() (EventCounts, CircuitState) {
	var sum EventCounts
	state := CircuitClosed
	for _, c := range rt.counters {
		sum = sum.plus(c.Snapshot())
		state = worse(state, c.Circuit())
	}
	return sum, state
}

// collect flips every worker's recorder of rt into iv (the interval, which
// it ends; may be nil) and tot (since start), after resetting both.
func (rt *Route) collect(iv, tot *tally) {
	if iv != nil {
		iv.reset()
	}
	tot.reset()
	for _, rec := range rt.recorders {
		rec.collect(iv, tot)
	}
}
