package engine

import (
	"math/bits"

	"github.com/hotpath-go/hotpath/engine/metrics"
	"github.com/hotpath-go/hotpath/events"
)

// Engine-reserved bits of Header.Flags (events reserves bits 16..31 for hotpath; bit 31 is
// events.FlagReplayed, which the engine leaves alone).
const (
	// flagTimed marks an event stamped at publish (Header.TS from the engine's Clock): its
	// worker records its publish-to-handler latency.
	flagTimed uint32 = 1 << 30
	// flagGroup marks an event whose lane slot's group changed (see spscLane); the worker
	// clears it before handlers see the event.
	flagGroup   uint32 = 1 << 29
	engineFlags        = flagTimed | flagGroup
)

// sender is the publishing side of one goroutine that owns its lanes: a dedicated Producer, or
// a worker publishing from its handlers. It has one SPSC lane to every worker, and, on first
// use, one lossy lane to a worker for DropOldest routes. It is not safe for concurrent use.
//
// Its owner writes it on every publish, so it is fenced by a line of padding on each side: no
// other object (a worker's state, say) shares a cache line with it.
type sender struct {
	_     [cacheLine]byte
	eng   *Engine
	ctx   *Context
	w     *worker     // the worker this is the outbox of; nil for a Producer
	lanes []*spscLane // by worker
	lossy []*mpmcLane // by worker, created on first use
	ids   events.IDGen
	every int // LatencyEvery; 0: never
	count int // events until the next timed one
	pubNo uint64
	wake  uint64 // workers pushed to since the last wakeAll, as a bit set
	// ends are the groups whose tier took an event (OnPublish) in the current publish call
	// and wants its EndPublish called before the call returns.
	ends []*group

	// Worker outboxes only: lanes whose backlog is not empty, and how many events wait.
	pending    []*spscLane
	backlogged int
	closed     bool
	_          [cacheLine]byte
}

// publish routes r, published from src, through the current table: the dedicated hot path.
// Outer publishes of a Producer check the engine's state before and after (see Stop).
func (s *sender) publish(src events.Source, r *events.Raw) error {
	e := s.eng
	outer := s.w == nil && s.ctx.depth == 0
	if outer {
		if st := e.state.Load(); st != stateRunning || s.closed {
			return s.stateErr(st)
		}
		s.pubNo++
	}
	mark := len(s.ends) // a nested publish (an inline route's Emit) ends only its own
	err := s.route(e.table.Load(), src, r)
	if s.wake != 0 {
		s.wakeAll()
	}
	if len(s.ends) > mark {
		err = s.endPublish(err, mark)
	}
	if outer && e.state.Load() != stateRunning {
		return s.verdict(err)
	}
	return err
}

// publishBatch is publish for many events, with one table load, one state check on each side
// and one wake-up per worker for the lot.
func (s *sender) publishBatch(src events.Source, rs []events.Raw) error {
	e := s.eng
	outer := s.w == nil && s.ctx.depth == 0
	if outer {
		if st := e.state.Load(); st != stateRunning || s.closed {
			return s.stateErr(st)
		}
		s.pubNo++
	}
	mark := len(s.ends)
	t := e.table.Load()
	var err error
	for i := range rs {
		if e1 := s.route(t, src, &rs[i]); e1 != nil && err == nil {
			err = e1
		}
	}
	if s.wake != 0 {
		s.wakeAll()
	}
	if len(s.ends) > mark {
		err = s.endPublish(err, mark)
	}
	if outer && e.state.Load() != stateRunning {
		return s.verdict(err)
	}
	return err
}

// endPublish calls the EndPublish of every group noted in this publish call (s.ends from
// mark on: an outer call's are below it), once each, and returns err or the first of their
// errors.
//
//go:noinline
func (s *sender) endPublish(err error, mark int) error {
	for i := mark; i < len(s.ends); i++ {
		if e1 := s.ends[i].endPub(s.ctx); e1 != nil && err == nil {
			err = e1
		}
		s.ends[i] = nil
	}
	s.ends = s.ends[:mark]
	return err
}

// noteEnd notes that group g's tier took an event in this publish call. A group that an outer
// call of this sender (an inline route's Emit runs inside its publisher's call) has noted
// already is left to that call, which ends after this one.
func (s *sender) noteEnd(g *group) {
	for _, x := range s.ends {
		if x == g {
			return
		}
	}
	s.ends = append(s.ends, g)
}

func (s *sender) stateErr(st int32) error {
	if s.closed {
		return ErrClosed
	}
	return stateErr(st)
}

// route stamps r's header (source, ID, timing) and pushes it to every group of its cell, then
// runs the cell's inline routes.
func (s *sender) route(t *table, src events.Source, r *events.Raw) error {
	cl := t.cell(src, r.Kind)
	if cl == nil {
		s.eng.unrouted.Add(1)
		return nil
	}
	h := r.Header
	h.Source = src
	if h.ID == 0 {
		h.ID = s.ids.Next()
	}
	h.Flags &^= engineFlags
	if s.every > 0 {
		if s.count--; s.count <= 0 {
			s.count = s.every
			h.TS = s.eng.clock.Nanotime()
			h.Flags |= flagTimed
		}
	}
	var err error
	for g := cl.first; g != nil; g = g.next {
		if e1 := s.push(g, &h, &r.Payload); e1 != nil && err == nil {
			err = e1
		}
	}
	if len(cl.inline) > 0 {
		if e1 := s.eng.runInline(s.ctx, cl.inline, &h, &r.Payload); e1 != nil && err == nil {
			err = e1
		}
	}
	return err
}

// push puts one event into the lane of group g.
func (s *sender) push(g *group, h *events.Header, p *[events.PayloadSize]byte) error {
	if g.onPub != nil && offerTier(s.ctx, g.onPub, h, p) {
		if g.endPub != nil {
			s.noteEnd(g)
		}
		return nil
	}
	if g.lossy {
		return s.pushLossy(g, h, p)
	}
	l := s.lanes[g.worker]
	if s.w != nil && l.backlog.len() > 0 {
		return s.hold(l, g, h, p) // keep the lane's order: behind what already waits
	}
	pos, ok := l.ring.TryReserve(1)
	if !ok {
		var err error
		if pos, ok, err = s.full(l, g, h, p); !ok {
			return err
		}
	}
	l.put(pos, h, p, g)
	l.last, l.mark = pos, s.pubNo
	s.wake |= 1 << uint(g.worker)
	return nil
}

// full is the slow path of push: the lane has no free slot. It returns a reserved position
// (ok) or why the event does not go in.
//
//go:noinline
func (s *sender) full(l *spscLane, g *group, h *events.Header, p *[events.PayloadSize]byte) (pos uint64, ok bool, err error) {
	e := s.eng
	if g.onFull != nil && offerTier(s.ctx, g.onFull, h, p) {
		if g.endPub != nil {
			s.noteEnd(g)
		}
		return 0, false, nil
	}
	switch g.policy {
	case DropNewest:
		e.dropped(g)
		return 0, false, nil
	case Fail:
		e.dropped(g)
		return 0, false, ErrFull
	}
	if s.w != nil { // a worker never blocks: the event waits in its backlog
		return 0, false, s.hold(l, g, h, p)
	}
	if e.callerWorker() == l.w { // a handler publishing through a Producer into its own worker
		e.dropped(g)
		return 0, false, ErrSelfBlock
	}
	rw := e.roomWait(l.w)
	for {
		if pos, ok := l.ring.TryReserve(1); ok {
			return pos, true, nil
		}
		if e.abort.Load() {
			return 0, false, ErrStopped
		}
		rw.pause()
	}
}

// offerTier gives an event to the route's tier (its OnFull or OnPublish hook f); true if it
// took it.
func offerTier(c *Context, f func(*Context, *events.Raw) bool, h *events.Header, p *[events.PayloadSize]byte) bool {
	ev, ok := c.push()
	if !ok {
		return false
	}
	defer c.pop()
	ev.Header, ev.Payload = *h, *p
	return f(c, ev)
}

// hold appends the event to the worker's backlog for lane l, or drops it when the backlog is at
// its bound.
func (s *sender) hold(l *spscLane, g *group, h *events.Header, p *[events.PayloadSize]byte) error {
	if l.backlog.len() >= s.eng.cfg.Backlog {
		s.eng.dropped(g)
		s.eng.report(&DeliveryError{Route: g.routes[0].info.Name, EventID: h.ID, Worker: s.w.id, Err: ErrBacklogFull})
		return ErrBacklogFull
	}
	if l.backlog.len() == 0 {
		s.pending = append(s.pending, l)
	}
	it := item{ev: events.Raw{Header: *h, Payload: *p}, g: g}
	l.backlog.add(&it)
	s.backlogged++
	return nil
}

// flush moves backlogged events into their lanes, in order, as far as there is room; the
// worker calls it before every pass over its lanes. It returns how many moved.
func (s *sender) flush() int {
	moved := 0
	keep := s.pending[:0]
	for _, l := range s.pending {
		for l.backlog.len() > 0 {
			pos, ok := l.ring.TryReserve(1)
			if !ok {
				break
			}
			it := l.backlog.front()
			l.put(pos, &it.ev.Header, &it.ev.Payload, it.g)
			l.backlog.pop()
			s.backlogged--
			moved++
			s.wake |= 1 << uint(l.w.id)
		}
		if l.backlog.len() > 0 {
			keep = append(keep, l)
		}
	}
	clear(s.pending[len(keep):])
	s.pending = keep
	if s.wake != 0 {
		s.wakeAll()
	}
	return moved
}

// pushLossy puts the event into the lossy lane of g's worker, taking the oldest event out (and
// counting it dropped) while the lane is full.
func (s *sender) pushLossy(g *group, h *events.Header, p *[events.PayloadSize]byte) error {
	l, err := s.lossyLane(g.worker)
	if err != nil {
		return err
	}
	it := item{ev: events.Raw{Header: *h, Payload: *p}, g: g}
	if err := pushEvicting(s.eng, l, &it); err != nil {
		return err
	}
	s.wake |= 1 << uint(g.worker)
	return nil
}

// pushEvicting pushes it into the lossy lane l, evicting the oldest events while it is full.
// The worker copies its batches out of lossy lanes and releases them at once, so the oldest
// event is unclaimed, and taking it out makes room, except for the moment the worker is copying
// (then nothing can be taken, and the producer tries again).
func pushEvicting(e *Engine, l *mpmcLane, it *item) error {
	for !l.ring.TryPush(*it) {
		if l.ring.Closed() {
			return ErrStopped
		}
		if old, ok := l.ring.TryPop(); ok {
			e.dropped(old.g)
		} else {
			cpuRelax()
		}
	}
	return nil
}

func (s *sender) lossyLane(w int) (*mpmcLane, error) {
	if s.lossy != nil && s.lossy[w] != nil {
		return s.lossy[w], nil
	}
	return s.eng.addLossyLane(s, w)
}

// wakeAll wakes the parked workers this sender pushed to.
func (s *sender) wakeAll() {
	for m := s.wake; m != 0; m &= m - 1 {
		if w := s.eng.workers[bits.TrailingZeros64(m)]; w.sleeping.Load() {
			w.signal()
		}
	}
	s.wake = 0
}

// verdict decides, for a publish that saw Stop begin after pushing, whether its events made it:
// it waits for Stop to finish and compares each lane's final read position with what it pushed.
//
//go:noinline
func (s *sender) verdict(err error) error {
	if s.eng.callerWorker() != nil {
		// A handler's publish: Stop waits for this worker before it finishes, so waiting for
		// Stop here would deadlock. The drain goes on after the handler returns and takes the
		// events with the rest; if Stop's ctx ends first, Stop counts them as undelivered.
		if s.eng.abort.Load() && err == nil {
			return ErrStopped
		}
		return err
	}
	<-s.eng.done
	for _, l := range s.lanes {
		if l.mark == s.pubNo && l.last >= l.final.Load() {
			return ErrStopped
		}
	}
	return err
}

// dropped counts one event refused or evicted on each route of g.
func (e *Engine) dropped(g *group) {
	for _, r := range g.routes {
		c := r.m.Counters(0)
		c.Inc(metrics.EventPublished)
		c.Inc(metrics.EventDropped)
	}
}
