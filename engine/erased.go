package engine

import (
	"fmt"
	"reflect"

	"github.com/hotpath-go/hotpath/events"
)

// The kind-independent adapters work on Targets and events.Raw, for code that composes routes
// from names at run time (the configuration loader): components registered as Targets, conditions
// compiled to loads at a field's offset (see events.Field). They check, when composing, that the
// typed parts agree on one event type.

// RawFunc returns a Target that calls f with every event, of any kind. name describes it in route
// listings.
func RawFunc(name string, f func(r *events.Raw)) Target { return Target{s: rawFunc{name: name, f: f}} }

// PipelineOf is Pipeline over Targets: the targets run in order, the first error stops the
// chain. It fails if two targets take different event types.
func PipelineOf(ts ...Target) (Target, error) { return seqOf("pipeline", true, ts) }

// BroadcastOf is Broadcast over Targets. It fails if two targets take different event types.
func BroadcastOf(ts ...Target) (Target, error) { return seqOf("broadcast", false, ts) }

// FilterOf is Filter over a Target with a condition on the raw event; name describes the
// condition in route listings (for example "strength > 0.7").
func FilterOf(name string, cond func(r *events.Raw) bool, t Target) Target {
	return Target{s: rawFilter{name: name, cond: cond, next: t.s}}
}

// EmitOf is Emit for events of any kind: it republishes what it receives from source.
func EmitOf(source string) Target { return Target{s: rawEmit{source: source}} }

func seqOf(name string, stop bool, ts []Target) (Target, error) {
	var typ reflect.Type
	ss := make([]spec, len(ts))
	for i, t := range ts {
		if t.s == nil {
			return Target{}, fmt.Errorf("%w: %s: target %d is empty", ErrRoute, name, i)
		}
		if tt := t.s.eventType(); tt != nil {
			if typ != nil && tt != typ {
				return Target{}, fmt.Errorf("%w: %s: target %d (%s) takes %s, target before takes %s", ErrRoute, name, i, t.s.describe(), tt, typ)
			}
			typ = tt
		}
		ss[i] = t.s
	}
	if len(ss) == 1 {
		return ts[0], nil
	}
	return Target{s: rawSeq{name: name, stop: stop, specs: ss, typ: typ}}, nil
}

type rawSeq struct {
	name  string
	stop  bool
	specs []spec
	typ   reflect.Type
}

func (s rawSeq) build(b *builder) (node, error) { return buildSeq(b, s.specs, s.stop) }
func (s rawSeq) describe() string               { return describeAll(s.name, s.specs) }
func (s rawSeq) eventType() reflect.Type        { return s.typ }

type rawFunc struct {
	name string
	f    func(*events.Raw)
}

func (s rawFunc) build(*builder) (node, error) {
	if s.f == nil {
		return nil, errNilFunc("RawFunc " + s.name)
	}
	return rawFuncNode{f: s.f}, nil
}
func (s rawFunc) describe() string        { return s.name }
func (s rawFunc) eventType() reflect.Type { return nil }

type rawFuncNode struct{ f func(*events.Raw) }

func (n rawFuncNode) run(_ *Context, r *events.Raw) error {
	n.f(r)
	return nil
}

type rawFilter struct {
	name string
	cond func(*events.Raw) bool
	next spec
}

func (s rawFilter) build(b *builder) (node, error) {
	if s.cond == nil {
		return nil, errNilFunc("FilterOf " + s.name + " condition")
	}
	if s.next == nil {
		return nil, fmt.Errorf("FilterOf %s: empty target", s.name)
	}
	next, err := s.next.build(b)
	if err != nil {
		return nil, err
	}
	return rawFilterNode{cond: s.cond, next: next}, nil
}
func (s rawFilter) describe() string {
	next := "<none>"
	if s.next != nil {
		next = s.next.describe()
	}
	return "filter(" + s.name + ", " + next + ")"
}
func (s rawFilter) eventType() reflect.Type {
	if s.next == nil {
		return nil
	}
	return s.next.eventType()
}

type rawFilterNode struct {
	cond func(*events.Raw) bool
	next node
}

func (n rawFilterNode) run(c *Context, r *events.Raw) error {
	if !n.cond(r) {
		return nil
	}
	return n.next.run(c, r)
}

type rawEmit struct{ source string }

func (s rawEmit) build(b *builder) (node, error) { return buildEmit(b, s.source) }
func (s rawEmit) describe() string               { return "emit(" + s.source + ")" }
func (rawEmit) eventType() reflect.Type          { return nil }

func errNilFunc(what string) error { return fmt.Errorf("%s is nil", what) }

var (
	_ spec = rawSeq{}
	_ spec = rawFunc{}
	_ spec = rawFilter{}
	_ spec = rawEmit{}
	_ node = rawFuncNode{}
	_ node = rawFilterNode{}
)
