package engine

import (
	"reflect"
	"strings"

	"github.com/hotpath-go/hotpath/events"
)

// The adapters are plain constructors that compose (zapcore.NewTee is the model): each takes and
// returns a Handler, so they nest freely, and each collapses the trivial cases (a Pipeline or
// Broadcast of one handler is that handler; of none, a handler that does nothing). They are
// immutable; the same adapter may serve several routes. Called directly (Receive) they run
// synchronously on the caller's goroutine, which is handy in tests; inside an engine they are
// compiled, at Compile, into a tree of kind-erased steps that dispatch with one interface call
// per step and no allocation.

// Pipeline returns a handler that hands each event to steps in order, on the same goroutine.
// Inside an engine, a step that fails (an Emit whose publish is refused) stops the pipeline and
// the route reports the error; use Broadcast for independent targets. To change an event's kind
// part-way, end the pipeline with a Transform whose next handler holds the remaining steps.
func Pipeline[T any](steps ...Handler[T]) Handler[T] {
	switch len(steps) {
	case 0:
		return nop[T]{}
	case 1:
		return steps[0]
	}
	return &pipeline[T]{steps: append([]Handler[T](nil), steps...)}
}

// Broadcast returns a handler that hands each event to every target, in order, on the same
// goroutine; a failing target does not stop the others (the first error is reported). For
// targets on different workers, register one route per target instead.
func Broadcast[T any](targets ...Handler[T]) Handler[T] {
	switch len(targets) {
	case 0:
		return nop[T]{}
	case 1:
		return targets[0]
	}
	return &broadcast[T]{targets: append([]Handler[T](nil), targets...)}
}

// Filter returns a handler that hands an event to target only if cond(event) is true. cond runs
// on the route's goroutine for every event; it must not keep the pointer.
func Filter[T any](cond func(e *T) bool, target Handler[T]) Handler[T] {
	return &filter[T]{cond: cond, target: target}
}

// Transform returns a handler that maps each In event to an Out event with fn and, when fn
// reports true, hands the result to next: the plan's MarketData -> Signal -> Order. Inside an
// engine the result is built in the route's scratch space (no allocation) and the engine sets its
// Header.Kind to Out's registered kind, its Source to the input's, and its TS to the input's if
// fn left it zero; Out must be a registered kind. Called directly, Receive hands next a pointer to
// a fresh Out (which may allocate) and sets nothing.
func Transform[In, Out any](fn func(in *In) (out Out, ok bool), next Handler[Out]) Handler[In] {
	return &transform[In, Out]{fn: fn, next: next}
}

type nop[T any] struct{}

func (nop[T]) Receive(*T)                   {}
func (nop[T]) build(*builder) (node, error) { return nopNode{}, nil }
func (nop[T]) describe() string             { return "nop" }
func (nop[T]) eventType() reflect.Type      { return reflect.TypeFor[T]() }

type nopNode struct{}

func (nopNode) run(*Context, *events.Raw) error { return nil }

type pipeline[T any] struct{ steps []Handler[T] }

func (p *pipeline[T]) Receive(e *T) {
	for _, s := range p.steps {
		s.Receive(e)
	}
}

func (p *pipeline[T]) build(b *builder) (node, error) { return buildSeq(b, specsOf(p.steps), true) }
func (p *pipeline[T]) describe() string               { return describeAll("pipeline", specsOf(p.steps)) }
func (*pipeline[T]) eventType() reflect.Type          { return reflect.TypeFor[T]() }

type broadcast[T any] struct{ targets []Handler[T] }

func (p *broadcast[T]) Receive(e *T) {
	for _, s := range p.targets {
		s.Receive(e)
	}
}

func (p *broadcast[T]) build(b *builder) (node, error) {
	return buildSeq(b, specsOf(p.targets), false)
}
func (p *broadcast[T]) describe() string      { return describeAll("broadcast", specsOf(p.targets)) }
func (*broadcast[T]) eventType() reflect.Type { return reflect.TypeFor[T]() }

func specsOf[T any](hs []Handler[T]) []spec {
	s := make([]spec, len(hs))
	for i, h := range hs {
		s[i] = specOf(h)
	}
	return s
}

func describeAll(name string, ss []spec) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = s.describe()
	}
	return name + "(" + strings.Join(parts, ", ") + ")"
}

// buildSeq compiles a pipeline (stop at the first error) or a broadcast (run all, keep the
// first error). Nested sequences of the same sort are flattened, and nops dropped.
func buildSeq(b *builder, ss []spec, stop bool) (node, error) {
	var nodes []node
	for _, s := range ss {
		n, err := s.build(b)
		if err != nil {
			return nil, err
		}
		switch n := n.(type) {
		case nopNode:
			continue
		case seqNode:
			if n.stop == stop {
				nodes = append(nodes, n.nodes...)
				continue
			}
		}
		nodes = append(nodes, n)
	}
	switch len(nodes) {
	case 0:
		return nopNode{}, nil
	case 1:
		return nodes[0], nil
	}
	return seqNode{nodes: nodes, stop: stop}, nil
}

// seqNode runs its nodes in order: a pipeline (stop) or a broadcast.
type seqNode struct {
	nodes []node
	stop  bool
}

func (n seqNode) run(c *Context, r *events.Raw) error {
	var first error
	for _, s := range n.nodes {
		if err := s.run(c, r); err != nil {
			if n.stop {
				return err
			}
			if first == nil {
				first = err
			}
		}
	}
	return first
}

type filter[T any] struct {
	cond   func(*T) bool
	target Handler[T]
}

func (f *filter[T]) Receive(e *T) {
	if f.cond(e) {
		f.target.Receive(e)
	}
}

func (f *filter[T]) build(b *builder) (node, error) {
	if f.cond == nil {
		return nil, errNilFunc("Filter condition")
	}
	next, err := specOf(f.target).build(b)
	if err != nil {
		return nil, err
	}
	return &filterNode[T]{cond: f.cond, next: next}, nil
}

func (f *filter[T]) describe() string {
	return "filter(func(*" + typeName[T]() + ") bool, " + specOf(f.target).describe() + ")"
}
func (*filter[T]) eventType() reflect.Type { return reflect.TypeFor[T]() }

type filterNode[T any] struct {
	cond func(*T) bool
	next node
}

func (n *filterNode[T]) run(c *Context, r *events.Raw) error {
	if !n.cond(events.As[T](r)) {
		return nil
	}
	return n.next.run(c, r)
}

type transform[In, Out any] struct {
	fn   func(*In) (Out, bool)
	next Handler[Out]
}

func (t *transform[In, Out]) Receive(e *In) {
	if out, ok := t.fn(e); ok {
		t.next.Receive(&out)
	}
}

func (t *transform[In, Out]) build(b *builder) (node, error) {
	if t.fn == nil {
		return nil, errNilFunc("Transform function")
	}
	k, err := events.KindOf[Out](b.eng.kinds)
	if err != nil {
		return nil, err
	}
	next, err := specOf(t.next).build(b)
	if err != nil {
		return nil, err
	}
	return &transformNode[In, Out]{fn: t.fn, kind: k, next: next}, nil
}

func (t *transform[In, Out]) describe() string {
	return "transform(" + typeName[In]() + "->" + typeName[Out]() + ", " + specOf(t.next).describe() + ")"
}
func (*transform[In, Out]) eventType() reflect.Type { return reflect.TypeFor[In]() }

type transformNode[In, Out any] struct {
	fn   func(*In) (Out, bool)
	kind events.Kind
	next node
}

func (n *transformNode[In, Out]) run(c *Context, r *events.Raw) error {
	out, ok := n.fn(events.As[In](r))
	if !ok {
		return nil
	}
	o, ok := c.push()
	if !ok {
		return ErrDepth
	}
	*o = events.Raw{}
	*events.As[Out](o) = out
	o.Kind, o.Source = n.kind, r.Source
	if o.TS == 0 {
		o.TS = r.TS
	}
	o.Flags &^= engineFlags
	err := n.next.run(c, o)
	c.pop()
	return err
}

var (
	_ Handler[events.Signal] = (*pipeline[events.Signal])(nil)
	_ spec                   = (*pipeline[events.Signal])(nil)
	_ Handler[events.Signal] = (*broadcast[events.Signal])(nil)
	_ spec                   = (*broadcast[events.Signal])(nil)
	_ Handler[events.Signal] = (*filter[events.Signal])(nil)
	_ spec                   = (*filter[events.Signal])(nil)
	_ Handler[events.Signal] = (*transform[events.Signal, events.Order])(nil)
	_ spec                   = (*transform[events.Signal, events.Order])(nil)
	_ Handler[events.Signal] = nop[events.Signal]{}
	_ node                   = seqNode{}
	_ node                   = nopNode{}
	_ node                   = (*filterNode[events.Signal])(nil)
	_ node                   = (*transformNode[events.Signal, events.Order])(nil)
)
