package engine

import (
	"fmt"

	"github.com/hotpath-go/hotpath/engine/metrics"
	"github.com/hotpath-go/hotpath/events"
)

// compileSide compiles t for route reg as a side chain (RouteInfo.Compile). The engine's lock is
// held: building interns the sources that t publishes from.
func (e *Engine) compileSide(reg registration, m *metrics.Route, t Target) (Step, error) {
	if t.s == nil {
		return nil, fmt.Errorf("engine: route %q: compile: empty target", reg.Name)
	}
	if typ := t.Type(); typ != nil {
		b := builder{eng: e}
		if k, err := b.kindOf(typ); err != nil || k != reg.kind {
			return nil, fmt.Errorf("engine: route %q: compile %s: it takes %s, but the route's events are %s", reg.Name, t, typ, reg.Kind)
		}
	}
	b := &builder{eng: e, route: reg.Name}
	n, err := t.s.build(b)
	if err != nil {
		return nil, fmt.Errorf("engine: route %q: compile %s: %w", reg.Name, t, err)
	}
	sc := &sideChain{eng: e, route: reg.Name, node: n, enders: b.enders, m: m}
	return sc.run, nil
}

// sideChain is a chain a tier runs beside a route's own (RouteInfo.Compile), with the engine's
// failure accounting. Immutable once compiled; it runs on the route's goroutine.
type sideChain struct {
	eng    *Engine
	route  string
	node   node
	enders []func() // EndBatch of the chain's BatchHandlers, after every event
	m      *metrics.Route
}

// run delivers ev to the side chain. A panic is recovered, counted and reported; an error is
// reported; either comes back as a *DeliveryError.
func (s *sideChain) run(c *Context, ev *events.Raw) (err error) {
	mark := c.depth
	defer func() {
		if v := recover(); v != nil {
			c.depth = mark
			s.m.Counters(max(c.worker, 0)).Inc(metrics.EventPanic)
			err = s.fail(c, ev, v, ErrPanic)
		}
	}()
	err = s.node.run(c, ev)
	for _, f := range s.enders {
		f()
	}
	if err != nil {
		return s.fail(c, ev, nil, err)
	}
	return nil
}

// fail reports a failure of the side chain and returns it.
//
//go:noinline
func (s *sideChain) fail(c *Context, ev *events.Raw, v any, err error) error {
	de := &DeliveryError{Route: s.route, EventID: ev.ID, Worker: c.worker, Panic: v, Err: err}
	s.eng.report(de)
	return de
}
