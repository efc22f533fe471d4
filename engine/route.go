package engine

import (
	"fmt"

	"github.com/hotpath-go/hotpath/events"
)

// Route is one registration: events of one kind published from one source go through Target,
// delivered by Tier on Worker. It is the plan's Register(source, event type, adapter, tier) with
// names: Source and Kind are names (interned to small integers), so a configuration loader can
// build Routes from text.
type Route struct {
	// Name identifies the route in listings, metrics and errors; unique per engine. Empty means
	// "<source>/<kind>/<n>", n counting that pair's routes from 1.
	Name string
	// Source is the name of the source whose events the route takes.
	Source string
	// Kind is the name of the event kind the route takes (as registered in Config.Kinds). It may
	// be empty when Target takes a registered Go type; when both are set they must agree.
	Kind string
	// Target is the chain the events go through: To(handler), or the kind-independent adapters.
	Target Target
	// Tier delivers the events; nil means Standard().
	Tier Tier
	// Worker is the worker an asynchronous route runs on, 0..Workers-1 (ignored for inline
	// tiers). A route keeps its worker for the life of its name: Compile refuses, while the
	// engine runs, to move a route to another worker or between inline and async, or into or
	// out of DropOldest, because events already in the old lane would race the new ones.
	Worker int
	// Overflow is what a publish does when the route's lane is full; the zero value is Block.
	Overflow Overflow
}

// registration is a Route as Register accepted it.
type registration struct {
	Route
	src  events.Source
	kind events.Kind
}

// Register adds a route; it takes effect at the next Compile (the running table does not
// change until then). It checks what can be checked alone: a source name, a known kind that
// agrees with the target's type, a valid policy and worker, a unique name. Errors wrap ErrRoute
// and name the route. Safe for concurrent use with everything.
func (e *Engine) Register(r Route) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	reg, err := e.checkRoute(r)
	if err != nil {
		return err
	}
	e.regs = append(e.regs, reg)
	return nil
}

// Unregister removes the route called name; it takes effect at the next Compile. Events already
// published to it are still delivered to it.
func (e *Engine) Unregister(name string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, r := range e.regs {
		if r.Name == name {
			e.regs = append(e.regs[:i:i], e.regs[i+1:]...)
			return nil
		}
	}
	return fmt.Errorf("%w: no route %q", ErrRoute, name)
}

// Registered returns the routes registered so far (compiled or not), in registration order.
func (e *Engine) Registered() []Route {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Route, len(e.regs))
	for i, r := range e.regs {
		out[i] = r.Route
	}
	return out
}

func (e *Engine) checkRoute(r Route) (registration, error) {
	place := func() string {
		if r.Name != "" {
			return fmt.Sprintf("route %q", r.Name)
		}
		return fmt.Sprintf("route %s/%s", r.Source, r.Kind)
	}
	fail := func(format string, a ...any) (registration, error) {
		return registration{}, fmt.Errorf("%w: %s: %s", ErrRoute, place(), fmt.Sprintf(format, a...))
	}
	if r.Target.s == nil {
		return fail("no target")
	}
	src, err := e.sourceLocked(r.Source)
	if err != nil {
		return fail("%v", err)
	}
	kind, kindName, err := e.routeKind(r)
	if err != nil {
		return fail("%v", err)
	}
	r.Kind = kindName
	if r.Tier == nil {
		r.Tier = Standard()
	}
	if r.Overflow > Fail {
		return fail("invalid overflow policy %d", r.Overflow)
	}
	if !r.Tier.Inline() && (r.Worker < 0 || r.Worker >= e.cfg.Workers) {
		return fail("worker %d out of range 0..%d", r.Worker, e.cfg.Workers-1)
	}
	if r.Name == "" {
		n := 1
		for _, o := range e.regs {
			if o.src == src && o.kind == kind {
				n++
			}
		}
		for {
			r.Name = fmt.Sprintf("%s/%s/%d", r.Source, r.Kind, n)
			if !e.nameTaken(r.Name) {
				break
			}
			n++
		}
	} else if e.nameTaken(r.Name) {
		return fail("name already registered")
	}
	return registration{Route: r, src: src, kind: kind}, nil
}

func (e *Engine) nameTaken(name string) bool {
	for _, o := range e.regs {
		if o.Name == name {
			return true
		}
	}
	return false
}

// routeKind resolves the route's kind from its Kind name and its target's type.
func (e *Engine) routeKind(r Route) (events.Kind, string, error) {
	var byName, byType events.KindInfo
	if r.Kind != "" {
		info, ok := e.kinds.Lookup(r.Kind)
		if !ok {
			return 0, "", fmt.Errorf("unknown kind %q (registered: %v)", r.Kind, e.kinds.Names())
		}
		byName = info
	}
	if t := r.Target.Type(); t != nil {
		b := builder{eng: e}
		k, err := b.kindOf(t)
		if err != nil {
			return 0, "", fmt.Errorf("target takes %s, which is not a registered kind", t)
		}
		byType, _ = e.kinds.Info(k)
	}
	switch {
	case byName.Kind != 0 && byType.Kind != 0 && byName.Kind != byType.Kind:
		return 0, "", fmt.Errorf("kind %q but the target takes %s (kind %q)", r.Kind, byType.Type, byType.Name)
	case byName.Kind != 0:
		return byName.Kind, byName.Name, nil
	case byType.Kind != 0:
		return byType.Kind, byType.Name, nil
	}
	return 0, "", fmt.Errorf("no kind: the target takes any kind, so Kind must name one")
}
