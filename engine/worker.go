package engine

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/hotpath-go/hotpath/engine/metrics"
	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/ring"
)

// worker is one of the engine's goroutines: locked to its OS thread (pinned to a CPU when
// Config.CPUs says so), it takes events from its lanes in batches and runs their routes.
type worker struct {
	_     [cacheLine]byte
	eng   *Engine
	id    int
	cpu   int // -1: not pinned
	batch int
	lanes atomic.Pointer[[]lane] // copy-on-write, replaced under Engine.mu
	out   *sender                // this worker's own lanes, for its handlers' publishes
	wake  chan struct{}          // a producer's or Stop's nudge while parked (capacity 1)
	timer *time.Timer

	// The worker's own state, touched per event.
	job     job
	touched []*entry // routes that ran in the current batch
	lost    uint64   // events claimed but not run because Stop aborted
	items   []item   // where batches from lossy lanes are copied
	ctx     Context
	next    int64        // the earliest deadline the ticks of the last pass asked for; 0: none
	tid     atomic.Int32 // the worker's OS thread id while it runs (0: not running, or unknown)
	exited  atomic.Bool  // the goroutine has returned (Stop's report of stuck workers)

	_ [cacheLine]byte
	// sleeping is read by every publish to this worker, written when the worker parks and
	// wakes: its own line.
	sleeping atomic.Bool
	_        [cacheLine - 1]byte
	quiet    atomic.Uint64 // the last Stop round in which the worker found nothing to do
	activity atomic.Uint64 // batches taken since Stop began
}

// job is where the worker is in the batch it is handling, kept in the worker so that after a
// handler panics the batch goes on from the next route.
type job struct {
	pos, end uint64 // positions left in the batch
	route    int    // index, in the event's group, of the route being run
	g        *group // the group of the current run of events (never nil)
	run      uint64 // where the current run started (see account)
	lane     lane   // the lane the batch came from
	items    []item // or the batch, copied out of a lossy lane
}

func newWorker(e *Engine, id int) *worker {
	// touched gets room for 64 routes up front: a small backing array would come from the tiny
	// allocator and could share a cache line with something a producer reads.
	w := &worker{eng: e, id: id, cpu: -1, batch: e.cfg.Batch, wake: make(chan struct{}, 1), touched: make([]*entry, 0, 64)}
	if len(e.cfg.CPUs) > 0 {
		w.cpu = e.cfg.CPUs[id]
	}
	w.timer = time.NewTimer(time.Hour)
	w.timer.Stop()
	w.lanes.Store(new([]lane))
	w.ctx = Context{eng: e, worker: id}
	return w
}

// run is the worker goroutine.
func (w *worker) run(ready chan<- error) {
	defer w.eng.wg.Done()
	defer w.exited.Store(true)
	if w.cpu >= 0 {
		unpin, err := w.eng.pin(w.cpu)
		if err != nil {
			ready <- fmt.Errorf("worker %d: %w", w.id, err)
			return
		}
		// A failed unpin leaves the goroutine locked: its thread then dies with it rather than
		// go back to the scheduler pinned (see affinity.Pinning).
		defer func() { _ = unpin() }()
	} else {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
	}
	w.tid.Store(threadID()) // locked to its thread from here on (pinned or not)
	defer w.tid.Store(0)
	ready <- nil
	w.loop()
}

// loop takes batches until Stop says to exit. When a pass over every lane finds nothing it
// waits with Config.Wait: spin, yield, then park (announce sleeping, look once more, sleep until
// woken or MaxNap). While Stop is draining it reports quiet passes and counts busy ones.
func (w *worker) loop() {
	e := w.eng
	s := e.cfg.Wait
	idle := 0
	var idleFrom int64       // when the current idle stretch began (time-bounded waits only)
	var waited time.Duration // how long it has lasted, refreshed every 16 empty passes
	for !e.abort.Load() {
		round := e.round.Load()
		stage := s.Stage(idle, waited)
		parking := stage == ring.StagePark && w.out.backlogged == 0
		if parking {
			w.sleeping.Store(true)
		}
		if n := w.pass(); n > 0 {
			if parking {
				w.sleeping.Store(false)
			}
			if e.state.Load() >= stateStopping {
				w.activity.Add(1)
			}
			idle, waited = 0, 0
			continue
		}
		if e.exit.Load() {
			return
		}
		if round != 0 && w.out.backlogged == 0 && w.quiet.Load() < round {
			w.quiet.Store(round)
			select {
			case e.quietCh <- struct{}{}:
			default:
			}
		}
		if parking {
			nap := e.cfg.MaxNap
			if w.next != 0 {
				d := time.Duration(w.next - e.clock.Nanotime())
				if d <= 0 {
					w.sleeping.Store(false)
					continue
				}
				nap = min(nap, d)
			}
			w.timer.Reset(nap)
			select {
			case <-w.wake:
			case <-w.timer.C:
			}
			w.sleeping.Store(false)
			continue
		}
		if stage == ring.StageSpin {
			if w.probe() > 0 {
				if e.state.Load() >= stateStopping {
					w.activity.Add(1)
				}
				idle, waited = 0, 0
				continue
			}
		} else {
			runtime.Gosched()
		}
		if s.SpinFor > 0 || s.YieldFor > 0 {
			switch {
			case idle == 0:
				idleFrom, waited = e.clock.Nanotime(), 0
			case idle&15 == 0:
				waited = time.Duration(e.clock.Nanotime() - idleFrom)
			}
		}
		idle++
	}
}

// probeSpins is how many times an idle worker checks its lanes between two passes.
const probeSpins = 32

// probe is the idle worker's spin: it tries to drain each lane in turn (one batch, as pass
// would), up to probeSpins times, and returns as soon as one gave events. On an empty lane a try
// is a load or two of lines that stay in this core's cache until a producer writes them, so the
// worker starts on an event within one try of its publication, rather than within one whole
// pass (its bookkeeping, plus the PAUSE this loop used to make); the pass's bookkeeping (stop
// flags, backlog, retired lanes, tier ticks, drain rounds) still runs after every batch and
// every probeSpins tries. While the worker's backlog is not empty it leaves external lanes
// alone, as pass does. No PAUSE: on the project's VMs a PAUSE costs ~26 ns, all of it added to
// the hand-off it delays, and the placement gives spinning workers whole cores (no SMT twin to
// yield to). Measured in alternating runs (BenchmarkLatency/hotpath p50): 136-160 ns with the
// PAUSE, 115-131 probing with a separate readiness check, 110-115 draining directly.
func (w *worker) probe() int {
	lanes := *w.lanes.Load()
	throttled := w.out.backlogged > 0
	for range probeSpins {
		for _, l := range lanes {
			if throttled && l.external() {
				continue
			}
			if n := l.drain(w); n > 0 {
				return n
			}
		}
	}
	return 0
}

// signal wakes the worker if it is parked.
func (w *worker) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// pass moves the worker's backlog on, then takes one batch from every lane. While a backlog
// remains, it takes nothing from external lanes (Producers'): that pushes back on the producers
// (which block, or drop, by their routes' policies) instead of growing the backlog, while the
// lanes from workers are still drained, so that cycles between workers cannot deadlock.
func (w *worker) pass() int {
	n := 0
	throttled := false
	if w.out.backlogged > 0 {
		n += w.out.flush()
		throttled = w.out.backlogged > 0
	}
	for _, l := range *w.lanes.Load() {
		if throttled && l.external() {
			continue
		}
		k := l.drain(w)
		if k == 0 && l.retired() {
			w.eng.removeLane(w, l)
		}
		n += k
	}
	if ticks := w.eng.table.Load().ticks[w.id]; len(ticks) > 0 {
		n += w.tick(ticks)
	}
	return n
}

// tick calls the Tick of the tiers of routes rs (this worker's) and keeps their earliest
// deadline for the park; it returns how many events they handled.
func (w *worker) tick(rs []*route) int {
	now := w.eng.clock.Nanotime()
	w.next = 0
	n := 0
	for _, r := range rs {
		k, next := w.tickRoute(r, now)
		n += k
		if next != 0 && (w.next == 0 || next < w.next) {
			w.next = next
		}
	}
	return n
}

// tickRoute calls one route's Tick, recovering a panic (counted and reported on the route).
func (w *worker) tickRoute(r *route, now int64) (n int, next int64) {
	defer func() {
		if v := recover(); v != nil {
			w.ctx.depth = 0
			r.m.Counters(w.id).Inc(metrics.EventPanic)
			w.eng.report(&DeliveryError{Route: r.info.Name, Worker: w.id, Panic: v, Err: ErrPanic})
			n, next = 0, 0
		}
	}()
	return r.tick(&w.ctx, now)
}

// A worker counts events per route without touching a counter per event where it can: events
// of one lane come in runs of one group (a lane mostly carries one cell's events, and a group
// change is flagged, see spscLane), and a group with a single route whose chain is one function
// (its solo entry) takes exactly the events of its runs. So the worker counts solo routes per run
// (account), when the group changes and at the end of the batch, and calls their function
// directly: per event, a flag check, a load and the call. Other groups go through deliver, which
// counts per route.

func (w *worker) drainSPSC(l *spscLane) int {
	lo, hi := l.ring.Poll(w.batch)
	if lo == hi {
		return 0
	}
	w.job = job{pos: lo, end: hi, lane: l, g: l.cg, run: lo}
	for !w.runSPSC(l) {
	}
	l.ring.Release(w.job.pos) // hi, unless Stop aborted
	w.endBatch()
	return int(hi - lo)
}

// runSPSC runs the routes of the batch's events; false after a handler panicked (recovered,
// counted, and the batch left ready to go on from the next route).
func (w *worker) runSPSC(l *spscLane) (done bool) {
	defer func() {
		if v := recover(); v != nil {
			w.recovered(v)
		}
	}()
	j, abort := &w.job, &w.eng.abort
	for ; j.pos < j.end; j.pos++ {
		if abort.Load() {
			break
		}
		ev := l.ring.Slot(j.pos)
		if ev.Flags&(flagGroup|flagTimed) != 0 {
			if ev.Flags&flagGroup != 0 {
				w.account(j.pos)
				j.g, l.cg = l.side[j.pos&l.mask], l.side[j.pos&l.mask]
				ev.Flags &^= flagGroup
			}
			if ev.Flags&flagTimed != 0 {
				w.timed(j.g, ev)
			}
		}
		if j.route != 0 { // going on after a panic
			w.deliver(j.g, ev, j.route)
		} else if f := j.g.leaf; f != nil {
			f(ev)
		} else {
			w.deliver(j.g, ev, 0)
		}
	}
	w.account(j.pos)
	return true
}

// account counts the events of the current run, up to position upto, on its group's solo entry.
func (w *worker) account(upto uint64) {
	j := &w.job
	if en := j.g.solo; en.leaf != nil && upto > j.run {
		if en.taken == 0 {
			w.touched = append(w.touched, en)
		}
		en.taken += upto - j.run
	}
	j.run = upto
}

func (w *worker) drainMPMC(l *mpmcLane) int {
	var lo, hi uint64
	if l.ring.Closed() {
		// Closed by Stop or by its producer: wait out producers that claimed a slot before
		// the close and have not published it yet; ErrClosed once drained.
		var err error
		if lo, hi, err = l.ring.Wait(w.batch); err != nil {
			l.done = true
			return 0
		}
	} else if lo, hi = l.ring.Claim(w.batch); lo == hi {
		return 0
	}
	n := hi - lo
	if l.lossy {
		// Copy the batch out and release it at once: a producer evicting the oldest event
		// must find it unclaimed, or taking it out would not make room (the ring frees slots
		// in position order).
		if uint64(cap(w.items)) < n {
			w.items = make([]item, w.batch)
		}
		items := w.items[:n]
		for i := range items {
			items[i] = *l.ring.Slot(lo + uint64(i))
		}
		l.ring.ReleaseRange(lo, hi)
		w.job = job{pos: 0, end: n, items: items, g: &w.eng.noGroup}
		for !w.runItems(items) {
		}
		w.lost += n - w.job.pos
		w.endBatch()
		return int(n)
	}
	w.job = job{pos: lo, end: hi, lane: l, g: &w.eng.noGroup, run: lo}
	for !w.runMPMC(l) {
	}
	w.lost += hi - w.job.pos // claimed but not run: Stop aborted
	l.ring.ReleaseRange(lo, hi)
	w.endBatch()
	return int(n)
}

func (w *worker) runMPMC(l *mpmcLane) (done bool) {
	defer func() {
		if v := recover(); v != nil {
			w.recovered(v)
		}
	}()
	j, abort := &w.job, &w.eng.abort
	for ; j.pos < j.end; j.pos++ {
		if abort.Load() {
			break
		}
		w.item(l.ring.Slot(j.pos))
	}
	w.account(j.pos)
	return true
}

// runItems is runMPMC for a batch copied out of a lossy lane.
func (w *worker) runItems(items []item) (done bool) {
	defer func() {
		if v := recover(); v != nil {
			w.recovered(v)
		}
	}()
	j, abort := &w.job, &w.eng.abort
	for ; j.pos < j.end; j.pos++ {
		if abort.Load() {
			break
		}
		w.item(&items[j.pos])
	}
	w.account(j.pos)
	return true
}

// item runs the routes of one event of a multi-producer lane, whose slots carry their group.
func (w *worker) item(it *item) {
	j := &w.job
	if it.g != j.g {
		w.account(j.pos)
		j.g = it.g
	}
	if it.ev.Flags&flagTimed != 0 {
		w.timed(it.g, &it.ev)
	}
	if j.route != 0 { // going on after a panic
		w.deliver(it.g, &it.ev, j.route)
	} else if f := it.g.leaf; f != nil {
		f(&it.ev)
	} else {
		w.deliver(it.g, &it.ev, 0)
	}
}

// deliver runs the routes of group g for ev, from its route number from on: the dispatch of
// one event on a worker. Counting is in the group's entries (plain fields, this worker's alone);
// the counts reach the routes' metrics at the end of the batch.
func (w *worker) deliver(g *group, ev *events.Raw, from int) {
	es := g.entries
	for i := from; i < len(es); i++ {
		en := &es[i]
		w.job.route = i
		if en.taken == 0 {
			w.touch(en)
		}
		en.taken++
		if en.leaf != nil {
			en.leaf(ev)
			continue
		}
		var err error
		if en.step == nil {
			err = en.node.run(&w.ctx, ev)
		} else {
			err = en.step(&w.ctx, ev)
		}
		if err != nil {
			w.failed(en, ev, err)
		}
	}
	w.job.route = 0
}

// touch puts en on the list of entries whose counts go to their metrics at the end of the
// batch.
//
//go:noinline
func (w *worker) touch(en *entry) { w.touched = append(w.touched, en) }

// timed records the publish-to-handler latency of a timed event on every route of its group,
// and clears the event's flag.
func (w *worker) timed(g *group, ev *events.Raw) {
	ev.Flags &^= flagTimed
	d := w.eng.clock.Nanotime() - ev.TS
	for i := range g.entries {
		g.entries[i].r.m.Recorder(w.id).Record(d)
	}
}

//go:noinline
func (w *worker) failed(en *entry, ev *events.Raw, err error) {
	en.failed++
	w.eng.report(&DeliveryError{Route: en.r.info.Name, EventID: ev.ID, Worker: w.id, Err: err})
}

// recovered handles a panic out of the route at w.job: count it, report it, and move the job
// past that route.
func (w *worker) recovered(v any) {
	j := &w.job
	w.ctx.depth = 0
	g := j.g
	var ev *events.Raw
	switch l := j.lane.(type) {
	case nil:
		ev = &j.items[j.pos].ev
	case *spscLane:
		ev = l.ring.Slot(j.pos)
	case *mpmcLane:
		ev = &l.ring.Slot(j.pos).ev
	}
	if ev == nil || j.route >= len(g.entries) {
		panic(v) // not from a route: a bug in the engine
	}
	en := &g.entries[j.route]
	en.panics++
	w.eng.report(&DeliveryError{Route: en.r.info.Name, EventID: ev.ID, Worker: w.id, Panic: v, Err: ErrPanic})
	if j.route++; j.route >= len(g.entries) {
		j.route = 0
		j.pos++
	}
}

// endBatch calls the EndBatch hooks of the routes that ran in the batch and adds their counts
// to their metrics: a handful of atomic adds per route per batch, none per event.
func (w *worker) endBatch() {
	for _, st := range w.touched {
		r := st.r
		if r.ended {
			w.endRoute(r)
		}
		c := r.m.Counters(w.id)
		c.Add(metrics.EventPublished, st.taken)
		if d := st.taken - st.failed - st.panics; d > 0 {
			c.Add(metrics.EventDelivered, d)
		}
		if st.failed > 0 {
			c.Add(metrics.EventDropped, st.failed)
		}
		if st.panics > 0 {
			c.Add(metrics.EventPanic, st.panics)
		}
		st.taken, st.failed, st.panics = 0, 0, 0
	}
	clear(w.touched)
	w.touched = w.touched[:0]
}

// endRoute runs a route's end-of-batch hooks, recovering their panics.
func (w *worker) endRoute(r *route) {
	defer func() {
		if v := recover(); v != nil {
			w.ctx.depth = 0
			r.m.Counters(w.id).Inc(metrics.EventPanic)
			w.eng.report(&DeliveryError{Route: r.info.Name, Worker: w.id, Panic: v, Err: ErrPanic})
		}
	}()
	for _, f := range r.enders {
		f()
	}
	if r.endBatch != nil {
		if err := r.endBatch(&w.ctx); err != nil {
			r.m.Counters(w.id).Inc(metrics.EventDropped)
			w.eng.report(&DeliveryError{Route: r.info.Name, Worker: w.id, Err: err})
		}
	}
}

// callerWorker returns the worker whose goroutine is calling, or nil: a handler (or anything
// it calls) publishing through a Producer or a Publisher rather than through its Context.
// It makes a system call; only slow paths (a full lane, a publish racing Stop) use it. Where
// threadID is unknown (not Linux) it returns nil.
func (e *Engine) callerWorker() *worker {
	tid := threadID()
	if tid == 0 {
		return nil
	}
	for _, w := range e.workers {
		if w.tid.Load() == tid {
			return w
		}
	}
	return nil
}
