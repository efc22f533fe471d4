package affinity

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// Errors the planner returns.
var (
	// ErrBadGraph is returned for a graph with missing, duplicate or unknown
	// thread names; the error wraps it with the place.
	ErrBadGraph = errors.New("affinity: bad thread graph")
	// ErrNoFreeCPU is returned when a spinning thread finds no CPU (or, with
	// whole-core reservation, no whole core) left in the pool.
	ErrNoFreeCPU = errors.New("affinity: no free CPU")
	// ErrBadPool is returned when the configured reserved set is not usable.
	ErrBadPool = errors.New("affinity: bad reserved CPU set")
)

// Thread is one goroutine the engine will pin: a producer, a worker.
type Thread struct {
	Name string `json:"name" yaml:"name"`
	// Spin is true for a thread that busy-spins waiting for work. A
	// spinner gets a whole core (its SMT twin stays idle) and never shares
	// a logical CPU.
	Spin bool `json:"spin" yaml:"spin"`
	// Strategies is the search path relative to the thread's anchor (its
	// first placed peer); nil means DefaultStrategies.
	Strategies []Strategy `json:"strategies,omitempty" yaml:"strategies,omitempty"`
}

// Ring is a queue between two threads: From produces, To consumes.
type Ring struct {
	Name string `json:"name,omitempty" yaml:"name,omitempty"`
	From string `json:"from" yaml:"from"`
	To   string `json:"to" yaml:"to"`
}

// Graph is who talks to whom: the engine's producers and workers and the
// rings between them. Threads are placed in breadth-first order from the
// first one declared, so declare the most latency-critical first.
type Graph struct {
	Threads []Thread `json:"threads" yaml:"threads"`
	Rings   []Ring   `json:"rings" yaml:"rings"`
}

// Validate checks that names are non-empty and unique and that every ring
// joins two different known threads.
func (g Graph) Validate() error {
	seen := map[string]bool{}
	for i, th := range g.Threads {
		if th.Name == "" {
			return fmt.Errorf("%w: thread %d has no name", ErrBadGraph, i)
		}
		if seen[th.Name] {
			return fmt.Errorf("%w: thread %q declared twice", ErrBadGraph, th.Name)
		}
		seen[th.Name] = true
		for _, s := range th.Strategies {
			if _, err := s.MarshalText(); err != nil {
				return fmt.Errorf("%w: thread %q: %v", ErrBadGraph, th.Name, err)
			}
		}
	}
	for i, r := range g.Rings {
		switch {
		case !seen[r.From]:
			return fmt.Errorf("%w: ring %d (%s) from unknown thread %q", ErrBadGraph, i, r.Name, r.From)
		case !seen[r.To]:
			return fmt.Errorf("%w: ring %d (%s) to unknown thread %q", ErrBadGraph, i, r.Name, r.To)
		case r.From == r.To:
			return fmt.Errorf("%w: ring %d (%s) loops on %q", ErrBadGraph, i, r.Name, r.From)
		}
	}
	return nil
}

// PlanConfig tunes Place. The zero value is the default: the pool is the
// isolated CPUs the process may use, or else every allowed CPU but CPU 0;
// spinners get whole cores.
type PlanConfig struct {
	// Reserved is the pool to hand out, taken as given (CPU 0 included if
	// named); every CPU in it must be allowed. Empty means the default pool.
	Reserved CPUSet
	// AllowCPU0 lets the default pool include CPU 0, where the kernel
	// tends to put interrupts and housekeeping.
	AllowCPU0 bool
	// SharedCores turns off whole-core reservation: a spinner's SMT twin
	// may then be given to another thread.
	SharedCores bool
	// Exclude removes CPUs from the pool, e.g. those another engine on the
	// host holds (see LockCPU).
	Exclude CPUSet
}

// Assignment is the planner's decision for one thread.
type Assignment struct {
	Thread string `json:"thread"`
	// CPU is the logical CPU to pin to, or -1: leave the thread unpinned
	// (a non-spinning thread for which the pool had no CPU left).
	CPU  int  `json:"cpu"`
	Spin bool `json:"spin"`
	// Strategy is the step of the search path that chose CPU; zero for
	// the first thread of a group (no placed peer) and for unpinned ones.
	Strategy Strategy `json:"strategy,omitempty"`
	// Anchor is the placed peer the strategy was relative to.
	Anchor string `json:"anchor,omitempty"`
	// IdleTwins are SMT twins reserved idle for this spinner.
	IdleTwins CPUSet `json:"idle_twins"`
	// Reason explains the decision in a sentence.
	Reason string `json:"reason"`
}

// Plan is a proposed placement: one Assignment per thread, in the order
// the threads were declared.
type Plan struct {
	Pool        CPUSet       `json:"pool"`
	PoolReason  string       `json:"pool_reason"`
	Assignments []Assignment `json:"assignments"`
	// Free is what is left of the pool: for GOMAXPROCS headroom, the
	// runtime's own threads and anything unpinned.
	Free CPUSet `json:"free"`
}

// CPUOf returns the CPU assigned to the named thread (-1 if unpinned) and
// whether the plan knows the thread.
func (p *Plan) CPUOf(thread string) (int, bool) {
	for _, a := range p.Assignments {
		if a.Thread == thread {
			return a.CPU, true
		}
	}
	return -1, false
}

// WriteText writes the plan as an indented, human-readable explanation.
func (p *Plan) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "pool %s (%s)\n", p.Pool, p.PoolReason)
	for _, a := range p.Assignments {
		cpu := "unpinned"
		if a.CPU >= 0 {
			cpu = fmt.Sprintf("cpu %d", a.CPU)
		}
		fmt.Fprintf(&b, "  %-16s %-9s %s\n", a.Thread, cpu, a.Reason)
	}
	fmt.Fprintf(&b, "free %s\n", orNone(p.Free))
	_, err := io.WriteString(w, b.String())
	return err
}

func orNone(s CPUSet) string {
	if s.IsEmpty() {
		return "none"
	}
	return s.String()
}

// Place proposes a placement of g's threads on t's CPUs.
//
// Spinners are placed first, then the others, each group breadth-first from
// the first declared thread. Each thread is anchored to the nearest placed
// thread in the graph (fewest rings away; ties go to the ring declared
// first) and tries its strategies in order; the first strategy with an
// acceptable free CPU wins, lowest CPU number first among equals. A thread
// with nothing placed near it takes the best free CPU (spinners prefer
// performance cores on hybrid parts; others pack beside used CPUs).
//
// A spinner needs a whole core unless cfg.SharedCores: its twins are taken
// out of the pool and left idle. A core whose twin lies outside the pool
// (CPU 0's, say) is not whole, and is taken only when no strategy finds a
// whole core, with a note. No two threads ever share a logical CPU, so a
// producer and its consumer never do when either spins. When the pool runs
// out, a spinner is an error (ErrNoFreeCPU) and a non-spinner is left
// unpinned (CPU -1).
//
// Place is deterministic and allocation is of no concern: it runs once at
// start-up.
func Place(t *Topology, g Graph, cfg PlanConfig) (*Plan, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	pool, why, err := choosePool(t, cfg)
	if err != nil {
		return nil, err
	}
	pl := &placer{t: t, g: g, pool: pool, whole: !cfg.SharedCores, taken: map[int]string{}, idle: map[int]string{}, at: map[string]int{}, adj: adjacency(g)}
	plan := &Plan{Pool: pool, PoolReason: why}
	byName := map[string]Assignment{}
	for _, i := range placementOrder(g) {
		a, err := pl.place(g.Threads[i])
		if err != nil {
			return nil, err
		}
		byName[a.Thread] = a
	}
	for _, th := range g.Threads {
		plan.Assignments = append(plan.Assignments, byName[th.Name])
	}
	plan.Free = pool
	for c := range pl.taken {
		plan.Free = plan.Free.Remove(c)
	}
	for c := range pl.idle {
		plan.Free = plan.Free.Remove(c)
	}
	return plan, nil
}

// choosePool returns the CPUs to hand out and why those.
func choosePool(t *Topology, cfg PlanConfig) (CPUSet, string, error) {
	var pool CPUSet
	var why string
	switch iso := t.Isolated.Intersect(t.Allowed); {
	case !cfg.Reserved.IsEmpty():
		if out := cfg.Reserved.Minus(t.Allowed); !out.IsEmpty() {
			return CPUSet{}, "", fmt.Errorf("%w: CPUs %s are not in the allowed set %s", ErrBadPool, out, t.Allowed)
		}
		pool, why = cfg.Reserved, "reserved by configuration"
	case !iso.IsEmpty():
		pool, why = iso, "isolated CPUs this process may use"
	default:
		pool, why = t.Allowed, "allowed CPUs; none isolated"
	}
	if cfg.Reserved.IsEmpty() && !cfg.AllowCPU0 && pool.Contains(0) {
		pool, why = pool.Remove(0), why+", CPU 0 kept for the kernel"
	}
	if !cfg.Exclude.IsEmpty() {
		if held := pool.Intersect(cfg.Exclude); !held.IsEmpty() {
			pool, why = pool.Minus(cfg.Exclude), fmt.Sprintf("%s, minus %s held elsewhere", why, held)
		}
	}
	if pool.IsEmpty() {
		return CPUSet{}, "", fmt.Errorf("%w: nothing left to hand out (%s)", ErrBadPool, why)
	}
	return pool, why, nil
}

// adjacency lists each thread's peers (by index), in ring order.
func adjacency(g Graph) [][]int {
	idx := map[string]int{}
	for i, th := range g.Threads {
		idx[th.Name] = i
	}
	adj := make([][]int, len(g.Threads))
	for _, r := range g.Rings {
		a, b := idx[r.From], idx[r.To]
		adj[a] = append(adj[a], b)
		adj[b] = append(adj[b], a)
	}
	return adj
}

// bfs returns thread indices breadth-first from start over adj, skipping
// those already seen (and marking the ones it visits).
func bfs(adj [][]int, start int, seen []bool) []int {
	seen[start] = true
	queue := []int{start}
	var order []int
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		order = append(order, n)
		for _, m := range adj[n] {
			if !seen[m] {
				seen[m] = true
				queue = append(queue, m)
			}
		}
	}
	return order
}

// placementOrder is breadth-first over the rings from each not yet visited
// thread, in declaration order, with spinners moved (stably) to the front.
func placementOrder(g Graph) []int {
	adj := adjacency(g)
	seen := make([]bool, len(g.Threads))
	var order []int
	for s := range g.Threads {
		if !seen[s] {
			order = append(order, bfs(adj, s, seen)...)
		}
	}
	var spin, rest []int
	for _, i := range order {
		if g.Threads[i].Spin {
			spin = append(spin, i)
		} else {
			rest = append(rest, i)
		}
	}
	return append(spin, rest...)
}

// placer holds the state of one Place call.
type placer struct {
	t     *Topology
	g     Graph
	pool  CPUSet
	whole bool
	taken map[int]string // cpu -> thread
	idle  map[int]string // twin left idle -> the spinner that owns it
	at    map[string]int // placed thread -> cpu (-1 unpinned)
	adj   [][]int        // peers by thread index
}

func (pl *placer) free(c int) bool {
	_, t := pl.taken[c]
	_, i := pl.idle[c]
	return pl.pool.Contains(c) && !t && !i
}

// usable reports whether th may take cpu c, and for a spinner with whole
// cores, which twins it would leave idle and which lie outside the pool;
// strict refuses a spinner a core with a twin outside the pool.
func (pl *placer) usable(th Thread, c CPU, strict bool) (ok bool, twins, outside CPUSet) {
	if !pl.free(c.ID) {
		return false, CPUSet{}, CPUSet{}
	}
	others := c.Siblings.Remove(c.ID)
	if th.Spin && pl.whole {
		for _, s := range others.CPUs() {
			switch {
			case !pl.pool.Contains(s) && strict:
				return false, CPUSet{}, CPUSet{}
			case !pl.pool.Contains(s):
				outside = outside.Add(s)
			case !pl.free(s):
				return false, CPUSet{}, CPUSet{}
			default:
				twins = twins.Add(s)
			}
		}
		return true, twins, outside
	}
	// A non-spinner never lands beside a spinner that owns a whole core:
	// the twins of spinners are idle, hence not free, already.
	return true, CPUSet{}, CPUSet{}
}

// rank orders acceptable CPUs: lower is better. Spinners prefer cores wholly
// inside the pool and, on hybrid parts, performance cores; non-spinners pack
// onto cores already part used (or half outside the pool) so that whole
// cores stay free for spinners.
func (pl *placer) rank(th Thread, c CPU, outside CPUSet) int {
	r := 0
	if th.Spin {
		if !outside.IsEmpty() {
			r += 2
		}
		if c.CoreType == CoreEfficiency {
			r++
		}
		return r
	}
	packed := false
	for _, s := range c.Siblings.Remove(c.ID).CPUs() {
		if _, used := pl.taken[s]; used || !pl.pool.Contains(s) {
			packed = true
		}
	}
	if !packed && c.Siblings.Len() > 1 {
		r += 2
	}
	if c.CoreType == CorePerformance {
		r++ // leave performance cores to spinners when there is a choice
	}
	return r
}

type candidate struct {
	cpu     CPU
	twins   CPUSet
	outside CPUSet
	rank    int
}

// pick returns the best acceptable CPU satisfying admit.
func (pl *placer) pick(th Thread, admit func(CPU) bool, strict bool) (candidate, bool) {
	var best candidate
	found := false
	for _, c := range pl.t.CPUs {
		if !admit(c) {
			continue
		}
		ok, twins, outside := pl.usable(th, c, strict)
		if !ok {
			continue
		}
		r := pl.rank(th, c, outside)
		if !found || r < best.rank {
			best, found = candidate{cpu: c, twins: twins, outside: outside, rank: r}, true
		}
	}
	return best, found
}

// anchor returns the placed, pinned thread nearest to th in the graph.
func (pl *placer) anchor(th Thread) (string, CPU, bool) {
	start := -1
	for i, x := range pl.g.Threads {
		if x.Name == th.Name {
			start = i
		}
	}
	for _, i := range bfs(pl.adj, start, make([]bool, len(pl.g.Threads)))[1:] {
		peer := pl.g.Threads[i].Name
		if cpu, ok := pl.at[peer]; ok && cpu >= 0 {
			c, _ := pl.t.CPU(cpu)
			return peer, c, true
		}
	}
	return "", CPU{}, false
}

func (pl *placer) place(th Thread) (Assignment, error) {
	a := Assignment{Thread: th.Name, CPU: -1, Spin: th.Spin}
	var tried []string
	var got candidate
	found := false
	peer, anchor, anchored := pl.anchor(th)
	// Two passes: whole cores only, then (spinners) cores with a twin
	// outside the pool.
	for _, strict := range []bool{true, false} {
		tried = tried[:0]
		if anchored {
			a.Anchor = peer
			strategies := th.Strategies
			if len(strategies) == 0 {
				strategies = DefaultStrategies()
			}
			for _, s := range strategies {
				if got, found = pl.pick(th, func(c CPU) bool { return s.admits(pl.t, anchor, c) }, strict); found {
					a.Strategy = s
					break
				}
				tried = append(tried, s.String())
			}
		} else {
			got, found = pl.pick(th, func(CPU) bool { return true }, strict)
		}
		if found || !th.Spin || !pl.whole {
			break
		}
	}
	if !found {
		what := "CPU"
		if th.Spin && pl.whole {
			what = "whole core"
		}
		if th.Spin {
			return a, fmt.Errorf("%w: spinning thread %q needs a %s and the pool %s has none left", ErrNoFreeCPU, th.Name, what, pl.pool)
		}
		pl.at[th.Name] = -1
		a.Reason = "left unpinned: no free CPU left in the pool; it will float over the CPUs not pinned"
		return a, nil
	}
	c := got.cpu
	a.CPU, a.IdleTwins = c.ID, got.twins
	pl.taken[c.ID] = th.Name
	for _, s := range got.twins.CPUs() {
		pl.idle[s] = th.Name
	}
	pl.at[th.Name] = c.ID
	a.Reason = pl.explain(th, a, c, anchor, tried, got.outside)
	return a, nil
}

// explain builds the one-sentence reason for an assignment.
func (pl *placer) explain(th Thread, a Assignment, c CPU, anchor CPU, tried []string, outside CPUSet) string {
	var parts []string
	where := fmt.Sprintf("core %d", c.Core)
	if pl.t.Packages > 1 {
		where = fmt.Sprintf("socket %d %s", c.Package, where)
	}
	if c.CoreType != "" {
		where += " (" + c.CoreType + ")"
	}
	if a.Anchor == "" {
		parts = append(parts, fmt.Sprintf("%s, the best free CPU (nothing placed near it yet)", where))
	} else {
		rel := pl.t.Relation(anchor.ID, c.ID)
		s := fmt.Sprintf("%s, %s as %q (cpu %d): %s", where, a.Strategy, a.Anchor, anchor.ID, describeRelation(pl.t, anchor.ID, c.ID, rel))
		if len(tried) > 0 {
			s += " (nothing free for " + strings.Join(tried, ", ") + ")"
		}
		parts = append(parts, s)
	}
	if th.Spin {
		switch {
		case !pl.whole:
			parts = append(parts, "spins (whole-core reservation off)")
		case !a.IdleTwins.IsEmpty():
			parts = append(parts, fmt.Sprintf("spins: whole core, twin %s left idle", a.IdleTwins))
		default:
			parts = append(parts, "spins: whole core")
		}
		if !outside.IsEmpty() {
			parts = append(parts, fmt.Sprintf("no whole core left: twin %s is outside the pool and may run other tasks", outside))
		}
	}
	return strings.Join(parts, "; ")
}

// describeRelation names what two CPUs share, with the cache size.
func describeRelation(t *Topology, a, b int, rel Relation) string {
	switch rel {
	case RelSMT:
		return "one physical core, L1 and L2"
	case RelL2, RelL3:
		level := 2
		if rel == RelL3 {
			level = 3
		}
		if k, ok := t.SharedCache(a, b, level); ok {
			return fmt.Sprintf("sharing a %s L%d with CPUs %s", FormatBytes(k.SizeBytes), level, k.CPUs)
		}
		return fmt.Sprintf("sharing an L%d", level)
	case RelNode:
		return "same NUMA node, no shared cache"
	case RelPackage:
		return "same socket, no shared cache"
	}
	return "another socket"
}

// NamedPlan is one candidate placement for a comparison run.
type NamedPlan struct {
	Name string `json:"name"`
	// Plan is nil when the alternative could not be built; Err says why.
	Plan *Plan  `json:"plan"`
	Err  string `json:"error,omitempty"`
}

// Alternatives returns the placements a tuning run should compare: the
// planner's own ("planned"), everything on the one L3 with the most pool
// CPUs ("one-l3"), threads spread over sockets and cores ("spread"), spinners
// without whole-core reservation ("shared-cores", only with SMT) and no
// pinning at all ("unpinned"). This is the seam for `hotpath tune`, which
// runs the engine's latency scenario under each and compares percentiles.
func Alternatives(t *Topology, g Graph, cfg PlanConfig) []NamedPlan {
	var out []NamedPlan
	add := func(name string, p *Plan, err error) {
		np := NamedPlan{Name: name, Plan: p}
		if err != nil {
			np.Err = err.Error()
		}
		out = append(out, np)
	}
	p, err := Place(t, g, cfg)
	add("planned", p, err)

	if pool, _, err := choosePool(t, cfg); err == nil {
		var best CPUSet
		for _, k := range t.Caches {
			if k.Level >= 3 {
				if in := k.CPUs.Intersect(pool); in.Len() > best.Len() {
					best = in
				}
			}
		}
		if !best.IsEmpty() && !best.Equal(pool) {
			c := cfg
			c.Reserved, c.Exclude = best, CPUSet{}
			p, err := Place(t, g, c)
			add("one-l3", p, err)
		}
	}

	spread := g
	spread.Threads = make([]Thread, len(g.Threads))
	for i, th := range g.Threads {
		th.Strategies = []Strategy{DifferentSocket, DifferentCore, AnyCPU}
		spread.Threads[i] = th
	}
	p, err = Place(t, spread, cfg)
	add("spread", p, err)

	if t.SMT && !cfg.SharedCores {
		c := cfg
		c.SharedCores = true
		p, err := Place(t, g, c)
		add("shared-cores", p, err)
	}

	un := &Plan{PoolReason: "no pinning"}
	for _, th := range g.Threads {
		un.Assignments = append(un.Assignments, Assignment{Thread: th.Name, CPU: -1, Spin: th.Spin, Reason: "unpinned: the Go scheduler and the kernel decide"})
	}
	un.Pool, un.Free = t.Allowed, t.Allowed
	add("unpinned", un, nil)
	return out
}
