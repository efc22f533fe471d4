package engine

import (
	"runtime"
	"time"

	"github.com/hotpath-go/hotpath/engine/metrics"
	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/ring"
)

// runInline runs inline routes rs for one event on the calling goroutine, with c's scratch
// space holding the event (with its stamped header) so that nothing escapes to the heap.
func (e *Engine) runInline(c *Context, rs []*route, h *events.Header, p *[events.PayloadSize]byte) error {
	ev, ok := c.push()
	if !ok {
		return ErrDepth
	}
	ev.Header, ev.Payload = *h, *p
	ev.Flags &^= engineFlags // inline routes are not timed
	var err error
	for _, r := range rs {
		if e1 := e.runInlineRoute(c, r, ev); e1 != nil && err == nil {
			err = e1
		}
	}
	c.pop()
	return err
}

// runInlineRoute runs one inline route, counting it (atomically: inline routes run on any
// goroutine) and recovering a panic, which it reports and returns as a *DeliveryError.
func (e *Engine) runInlineRoute(c *Context, r *route, ev *events.Raw) (err error) {
	ctr := r.m.Counters(0)
	depth := c.depth
	defer func() {
		if v := recover(); v != nil {
			c.depth = depth
			ctr.Inc(metrics.EventPublished)
			ctr.Inc(metrics.EventPanic)
			de := &DeliveryError{Route: r.info.Name, EventID: ev.ID, Worker: -1, Panic: v, Err: ErrPanic}
			e.report(de)
			err = de
		}
	}()
	if r.step == nil {
		err = r.node.run(c, ev)
	} else {
		err = r.step(c, ev)
	}
	if r.ended {
		for _, f := range r.enders {
			f()
		}
		if r.endBatch != nil && err == nil {
			err = r.endBatch(c)
		}
	}
	ctr.Inc(metrics.EventPublished)
	if err != nil {
		ctr.Inc(metrics.EventDropped)
		return err
	}
	ctr.Inc(metrics.EventDelivered)
	return nil
}

// publishShared is the shared publishers' path: any goroutine, multi-producer lanes. c is nil
// for an outer publish, or the Context of the inline chain publishing (Emit).
func (e *Engine) publishShared(c *Context, src events.Source, r *events.Raw) error {
	if c == nil {
		if st := e.state.Load(); st != stateRunning {
			return stateErr(st)
		}
	}
	cl := e.table.Load().cell(src, r.Kind)
	if cl == nil {
		e.unrouted.Add(1)
		return nil
	}
	h := r.Header
	h.Source = src
	h.Flags &^= engineFlags
	if e.cfg.LatencyEvery == 1 {
		h.TS = e.clock.Nanotime()
		h.Flags |= flagTimed
	}
	var err error
	for g := cl.first; g != nil; g = g.next {
		if e1 := e.pushShared(c, g, &h, &r.Payload); e1 != nil && err == nil {
			err = e1
		}
	}
	if len(cl.inline) > 0 {
		if c == nil {
			c = e.ctxPool.Get().(*Context)
			defer e.ctxPool.Put(c)
		}
		if e1 := e.runInline(c, cl.inline, &h, &r.Payload); e1 != nil && err == nil {
			err = e1
		}
	}
	return err
}

// pushShared puts one event into group g's shared lane.
func (e *Engine) pushShared(c *Context, g *group, h *events.Header, p *[events.PayloadSize]byte) error {
	if g.onPub != nil {
		if took, err := e.offerShared(c, g, h, p); took {
			return err
		}
	}
	it := item{ev: events.Raw{Header: *h, Payload: *p}, g: g}
	w := e.workers[g.worker]
	if g.lossy {
		if err := pushEvicting(e, e.sharedLossy[g.worker], &it); err != nil {
			return err
		}
	} else if l := e.shared[g.worker]; !l.ring.TryPush(it) {
		if pushed, err := e.sharedFull(c, l, g, &it); !pushed {
			return err
		}
	}
	if w.sleeping.Load() {
		w.signal()
	}
	return nil
}

// offerShared is offerTier on the shared path, where an outer publish has no Context of its
// own (c == nil), for group g's OnPublish; when the tier took the event it also calls the
// group's EndPublish (a shared publisher has no per-call state to batch it in) and returns its
// error.
//
//go:noinline
func (e *Engine) offerShared(c *Context, g *group, h *events.Header, p *[events.PayloadSize]byte) (took bool, err error) {
	if c == nil {
		c = e.ctxPool.Get().(*Context)
		defer e.ctxPool.Put(c)
	}
	if !offerTier(c, g.onPub, h, p) {
		return false, nil
	}
	if g.endPub != nil {
		err = g.endPub(c)
	}
	return true, err
}

// sharedFull is the slow path of pushShared: the shared lane is full. It pushes the item
// (waiting, for Block) or says why not.
//
//go:noinline
func (e *Engine) sharedFull(c *Context, l *mpmcLane, g *group, it *item) (pushed bool, err error) {
	if l.ring.Closed() {
		return false, ErrStopped
	}
	if g.onFull != nil {
		if c == nil {
			c = e.ctxPool.Get().(*Context)
			defer e.ctxPool.Put(c)
		}
		if offerTier(c, g.onFull, &it.ev.Header, &it.ev.Payload) {
			if g.endPub != nil {
				return false, g.endPub(c)
			}
			return false, nil
		}
	}
	switch g.policy {
	case DropNewest:
		e.dropped(g)
		return false, nil
	case Fail:
		e.dropped(g)
		return false, ErrFull
	}
	if e.callerWorker() == l.w { // a handler publishing through a Publisher into its own worker
		e.dropped(g)
		return false, ErrSelfBlock
	}
	return e.waitShared(l, it)
}

// waitShared pushes it into the shared lane l, waiting while the lane is full as a dedicated
// producer does (sender.full, roomWait) until there is room, the lane closes (Stop) or Stop
// aborts.
func (e *Engine) waitShared(l *mpmcLane, it *item) (pushed bool, err error) {
	rw := e.roomWait(l.w)
	for {
		if l.ring.TryPush(*it) {
			return true, nil
		}
		if l.ring.Closed() || e.abort.Load() {
			return false, ErrStopped
		}
		rw.pause()
	}
}

// roomWaiter is a publisher's wait for room in a full lane of worker w, between two tries:
// Config.PublishWait's stages (spin, yield, then naps doubling up to MaxNap), waking the worker
// if it is parked. Off the hot path: a publish takes it only when the lane is full.
type roomWaiter struct {
	w      *worker
	wt     ring.Wait
	maxNap time.Duration
	nap    time.Duration
	timed  bool // the stages are bounded by time: waited is kept
	start  time.Time
	waited time.Duration
	i      int
}

// roomWait starts a wait for room in a lane of w.
func (e *Engine) roomWait(w *worker) roomWaiter {
	rw := roomWaiter{w: w, wt: e.cfg.PublishWait, maxNap: e.cfg.MaxNap, nap: time.Microsecond}
	if rw.timed = rw.wt.SpinFor > 0 || rw.wt.YieldFor > 0; rw.timed {
		rw.start = time.Now()
	}
	return rw
}

// pause waits once, by the stage the wait has reached.
func (rw *roomWaiter) pause() {
	if rw.w.sleeping.Load() {
		rw.w.signal()
	}
	if rw.i&63 == 63 && rw.timed {
		rw.waited = time.Since(rw.start)
	}
	switch rw.wt.Stage(rw.i, rw.waited) {
	case ring.StageSpin:
		cpuRelax()
	case ring.StageYield:
		runtime.Gosched()
	default:
		time.Sleep(rw.nap)
		rw.nap = min(2*rw.nap, rw.maxNap)
	}
	rw.i++
}
