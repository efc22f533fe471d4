package engine

import (
	"fmt"
	"reflect"
	"sort"
	"unsafe"

	"github.com/hotpath-go/hotpath/engine/metrics"
	"github.com/hotpath-go/hotpath/events"
)

// table is a compiled, immutable routing table: cells indexed by source<<shift | kind, each
// holding the routes of that (source, kind) pair, grouped by the lane that carries them. It is
// built whole by Compile and swapped in with one atomic store; a publish loads it once and
// stamps every lane slot it fills with the group it resolved, so an event finishes on the table
// it started with however many swaps happen while it waits in a lane.
type table struct {
	gen    uint64
	shift  uint     // kinds per source, as a power of two: 1<<shift > the largest kind routed
	cells  []cell   // len = sources << shift
	routes []*route // every route, in listing order
	types  []typeKind
	ticks  [][]*route // by worker: the routes whose tier has a Tick
}

// cell holds the routes of one (source, kind) pair: 64 bytes, so that indexing is a shift.
type cell struct {
	// first is the first group of asynchronous routes (one group per lane slot an event
	// takes); the others follow through group.next. A loop over a list keeps one pointer live
	// across the calls to handlers, where a loop over a slice keeps three (the Go calling
	// convention saves no register across a call).
	first  *group
	groups []*group // the same groups, for the control plane
	inline []*route // routes run on the publisher's goroutine, in registration order
	_      [cacheLine - 56]byte
}

// group is the routes of one cell that share a lane slot: same worker, same lane (normal or
// lossy), same overflow policy, and no OnFull or OnPublish hook (a route with one is a group of
// its own). One event published to the cell takes one slot per group, so that when the lane is
// full each route's own policy decides for it; the worker runs the group's entries in order.
type group struct {
	// leaf is the function of the group's solo entry (see below), or nil: the worker calls it
	// directly, without loading the entry first.
	leaf    func(*events.Raw)
	next    *group  // the cell's next group, or nil
	entries []entry // the routes as the worker runs them
	// solo is the group's one entry if it has one and it has a leaf (the worker's shortest
	// path), else the engine's noFast, which entry.fast declines.
	solo   *entry
	worker int
	lossy  bool     // DropOldest: travels in the lossy lane
	policy Overflow // the routes' overflow policy (DropOldest for the lossy lane's)
	routes []*route
	onFull func(*Context, *events.Raw) bool
	onPub  func(*Context, *events.Raw) bool // the route's Binding.OnPublish
	endPub func(*Context) error             // the route's Binding.EndPublish
}

// entry is one route of a group as its worker runs it: the compiled chain and the route's
// counts since the worker last added them to the route's metrics (at the end of every batch).
// A route is in one group and runs on one worker, so the counts have a single writer and are
// plain fields. One cache line; the dispatch of an event touches its group's entries and
// nothing else of the table.
type entry struct {
	// leaf is set when the whole chain is one HandlerFunc and the tier adds no Step: the worker
	// calls it directly, one indirect call instead of two.
	leaf   func(*events.Raw)
	node   node   // the compiled chain
	step   Step   // the tier's wrapper; nil: node.run
	r      *route // the rest, for slow paths
	taken  uint64 // events the route ran for in this batch (0: not yet on the touched list)
	failed uint64 // of which the chain returned an error
	panics uint64 // of which the chain panicked
}

// typeKind maps a Go type to its kind, for publishes of events whose Kind is zero.
type typeKind struct {
	t reflect.Type
	k events.Kind
}

// route is a compiled route.
type route struct {
	info     RouteInfo
	node     node // the compiled chain
	step     Step // the tier's wrapper; nil: node.run
	endBatch func(*Context) error
	onFull   func(*Context, *events.Raw) bool
	onPub    func(*Context, *events.Raw) bool
	endPub   func(*Context) error
	tick     func(*Context, int64) (int, int64)
	enders   []func() // EndBatch of the chain's BatchHandlers; nil when the tier owns them
	m        *metrics.Route
	ended    bool // has enders or endBatch
}

const cacheLine = 64

var _ [cacheLine - unsafe.Sizeof(entry{})]byte // an entry fits a cache line
var _ [cacheLine - unsafe.Sizeof(cell{})]byte  // and so does a cell
var _ [unsafe.Sizeof(cell{}) - cacheLine]byte

// cell returns the cell of (src, k), or nil if the table has no routes for it.
func (t *table) cell(src events.Source, k events.Kind) *cell {
	sh := t.shift & 63 // in range: no code for shifts of 64 or more
	i := uint(src)<<sh | uint(k)
	if uint(k)>>sh != 0 || i >= uint(len(t.cells)) {
		return nil
	}
	c := &t.cells[i]
	if c.first == nil && len(c.inline) == 0 {
		return nil
	}
	return c
}

// kindOfType returns the kind of the Go type t, or 0.
func (t *table) kindOfType(rt reflect.Type) events.Kind {
	for _, tk := range t.types {
		if tk.t == rt {
			return tk.k
		}
	}
	return 0
}

func (t *table) route(name string) *route {
	for _, r := range t.routes {
		if r.info.Name == name {
			return r
		}
	}
	return nil
}

// Compile builds a new table from every registered route and swaps it in atomically: publishes
// that start after Compile returns use it, events already in lanes finish on the table they were
// published under, and nothing is lost or delivered twice across the swap (each event is routed
// once, at publish). The whole table is validated before anything changes; an error wraps
// ErrRoute and names the route, and leaves the running table as it was. Safe for concurrent use;
// it allocates, and is meant for start-up and reloads.
func (e *Engine) Compile() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.compileLocked()
}

func (e *Engine) compileLocked() error {
	old := e.table.Load()
	t := &table{ticks: make([][]*route, len(e.workers))}
	if old != nil {
		t.gen = old.gen + 1
	}
	running := e.state.Load() == stateRunning
	routes := make([]*route, len(e.regs))
	for i, reg := range e.regs {
		r, err := e.buildRoute(reg)
		if err != nil {
			return fmt.Errorf("%w: route %q: %v", ErrRoute, reg.Name, err)
		}
		if running && old != nil {
			if o := old.route(r.info.Name); o != nil {
				if err := sameLane(o, r); err != nil {
					return fmt.Errorf("%w: route %q: %v", ErrRoute, reg.Name, err)
				}
			}
		}
		routes[i] = r
		for int(reg.kind)>>t.shift != 0 {
			t.shift++
		}
	}
	// Sizing after building: building interns the sources that chains publish from (Emit).
	t.cells = make([]cell, len(e.sources)<<t.shift)
	for _, r := range routes {
		t.routes = append(t.routes, r)
		c := &t.cells[int(r.info.SourceID)<<t.shift|int(r.info.KindID)]
		if r.info.Worker < 0 {
			c.inline = append(c.inline, r)
			continue
		}
		if r.tick != nil {
			t.ticks[r.info.Worker] = append(t.ticks[r.info.Worker], r)
		}
		c.groups = addToGroups(c.groups, r)
	}
	for i := range t.cells {
		gs := t.cells[i].groups
		for k := 1; k < len(gs); k++ {
			gs[k-1].next = gs[k]
		}
		if len(gs) > 0 {
			t.cells[i].first = gs[0]
		}
		for _, g := range gs {
			g.solo = &e.noFast
			if len(g.entries) == 1 && g.entries[0].leaf != nil {
				g.solo, g.leaf = &g.entries[0], g.entries[0].leaf
			}
		}
	}
	for _, name := range e.kinds.Names() {
		if info, ok := e.kinds.Lookup(name); ok {
			t.types = append(t.types, typeKind{t: info.Type, k: info.Kind})
		}
	}
	sort.SliceStable(t.routes, func(i, j int) bool {
		a, b := t.routes[i].info, t.routes[j].info
		if a.SourceID != b.SourceID {
			return a.SourceID < b.SourceID
		}
		return a.KindID < b.KindID
	})
	e.table.Store(t)
	return nil
}

// sameLane refuses to move a live route to another lane.
func sameLane(o, n *route) error {
	if o.info.Worker != n.info.Worker {
		return fmt.Errorf("cannot move from worker %d to %d while running (register it under a new name)", o.info.Worker, n.info.Worker)
	}
	if (o.info.Overflow == DropOldest) != (n.info.Overflow == DropOldest) {
		return fmt.Errorf("cannot change overflow %s to %s while running: they use different lanes", o.info.Overflow, n.info.Overflow)
	}
	return nil
}

// addToGroups puts r into the group of its lane, or a new one.
func addToGroups(gs []*group, r *route) []*group {
	lossy := r.info.Overflow == DropOldest
	own := r.onFull != nil || r.onPub != nil
	if !own {
		for _, g := range gs {
			if g.worker == r.info.Worker && g.lossy == lossy && g.policy == r.info.Overflow && g.onFull == nil && g.onPub == nil {
				g.routes = append(g.routes, r)
				g.entries = append(g.entries, r.entry())
				return gs
			}
		}
	}
	g := &group{
		worker: r.info.Worker, lossy: lossy, policy: r.info.Overflow, routes: []*route{r}, onFull: r.onFull,
		onPub: r.onPub, endPub: r.endPub, entries: []entry{r.entry()},
	}
	return append(gs, g)
}

// entry returns r as a group's entry.
func (r *route) entry() entry {
	en := entry{node: r.node, step: r.step, r: r}
	if l, ok := r.node.(leafFunc); ok && r.step == nil {
		en.leaf = l.rawFunc()
	}
	return en
}

// buildRoute compiles one registration.
func (e *Engine) buildRoute(reg registration) (*route, error) {
	b := &builder{eng: e, route: reg.Name}
	n, err := reg.Target.s.build(b)
	if err != nil {
		return nil, err
	}
	m := e.reg.Route(reg.Name)
	if m == nil {
		if m, err = e.reg.AddRoute(reg.Name); err != nil {
			return nil, err
		}
	}
	worker := reg.Worker
	if reg.Tier.Inline() {
		worker = -1
	}
	info := RouteInfo{
		Name: reg.Name, Source: reg.Source, Kind: reg.Kind,
		SourceID: reg.src, KindID: reg.kind,
		Tier: reg.Tier.Name(), Worker: worker,
		Overflow: reg.Overflow, Policy: reg.Overflow.String(),
		Chain: reg.Target.String(), Metrics: m, Clock: e.clock,
	}
	if enders := b.enders; len(enders) > 0 {
		info.EndChain = func() {
			for _, f := range enders {
				f()
			}
		}
	}
	if worker >= 0 {
		w := e.workers[worker]
		info.Wake = func() {
			if w.sleeping.Load() {
				w.signal()
			}
		}
	}
	binding := true
	info.Compile = func(t Target) (Step, error) {
		if !binding {
			return nil, fmt.Errorf("engine: route %q: RouteInfo.Compile called after Bind returned", reg.Name)
		}
		return e.compileSide(reg, m, t)
	}
	bind, err := reg.Tier.Bind(info, n.run)
	binding = false
	if err != nil {
		return nil, fmt.Errorf("tier %s: %w", reg.Tier.Name(), err)
	}
	r := &route{
		info: info, node: n, step: bind.Step, endBatch: bind.EndBatch, onFull: bind.OnFull, onPub: bind.OnPublish, endPub: bind.EndPublish,
		tick: bind.Tick, enders: b.enders, m: m,
	}
	if bind.OwnsEndBatch {
		r.enders = nil
	}
	r.ended = len(r.enders) > 0 || r.endBatch != nil
	return r, nil
}

// Routes lists the compiled table, by source and kind, with each route's tier, worker, overflow
// policy and chain: what `hotpath routes` prints. Empty before the first Compile. The fields
// meant for a Tier's Bind (Clock, EndChain, Wake, Compile) are left nil.
func (e *Engine) Routes() []RouteInfo {
	t := e.table.Load()
	if t == nil {
		return nil
	}
	out := make([]RouteInfo, len(t.routes))
	for i, r := range t.routes {
		out[i] = r.info
		out[i].Clock, out[i].EndChain, out[i].Wake, out[i].Compile = nil, nil, nil, nil // for Bind only
	}
	return out
}
