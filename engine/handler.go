package engine

import (
	"fmt"
	"reflect"
	"unsafe"

	"github.com/hotpath-go/hotpath/events"
)

// Handler is the container protocol: anything with a Receive method for events of kind T. The
// event is only valid during the call (it lives in a ring slot that is reused afterwards), is
// shared with the other routes of its lane, and must be treated as read-only; copy what you
// keep. Receive runs on one goroutine at a time per route (the route's worker, or the publisher
// for inline routes).
type Handler[T any] interface {
	Receive(e *T)
}

// HandlerFunc is a plain function used as a Handler.
type HandlerFunc[T any] func(e *T)

// Receive calls f(e).
func (f HandlerFunc[T]) Receive(e *T) { f(e) }

// BatchHandler is a Handler that amortises work over a batch: after a worker has handed it the
// last of the events it took from one lane in one go (the Disruptor's end-of-batch flag), it
// calls EndBatch, on the same goroutine. A handler that flushes, commits or sends once per batch
// implements it; inline routes call EndBatch after every event.
type BatchHandler[T any] interface {
	Handler[T]
	EndBatch()
}

// node is one compiled step of a route's chain: it works on the kind-erased event (every kind is
// a view of an events.Raw, see events.As), so a chain of generic adapters compiles to a tree of
// nodes that never boxes an event, and dispatch is one interface call per node.
type node interface {
	run(c *Context, r *events.Raw) error
}

// spec is an uncompiled chain: what adapters are until Compile builds them for one route. Specs
// are immutable and may be shared by routes and engines; build makes fresh nodes.
type spec interface {
	build(b *builder) (node, error)
	describe() string
	// eventType is the Go type of the events the spec takes, or nil for kind-independent specs
	// (events.Raw level, or Emit).
	eventType() reflect.Type
}

// builder carries what compiling a route's chain needs.
type builder struct {
	eng    *Engine
	route  string
	enders []func() // EndBatch methods of the chain's BatchHandlers
}

// kindOf returns the kind registered for t.
func (b *builder) kindOf(t reflect.Type) (events.Kind, error) {
	for _, name := range b.eng.kinds.Names() {
		if info, ok := b.eng.kinds.Lookup(name); ok && info.Type == t {
			return info.Kind, nil
		}
	}
	return 0, fmt.Errorf("%w: type %s", events.ErrUnknownKind, t)
}

// specOf returns h as a spec: adapters are specs already; anything else is a leaf.
func specOf[T any](h Handler[T]) spec {
	if s, ok := h.(spec); ok {
		return s
	}
	return leaf[T]{h: h}
}

// leaf wraps a user's Handler.
type leaf[T any] struct{ h Handler[T] }

func (l leaf[T]) build(b *builder) (node, error) {
	if l.h == nil {
		return nil, fmt.Errorf("nil handler for %s", reflect.TypeFor[T]())
	}
	if bh, ok := l.h.(BatchHandler[T]); ok {
		b.enders = append(b.enders, bh.EndBatch)
	}
	if f, ok := l.h.(HandlerFunc[T]); ok {
		if f == nil {
			return nil, fmt.Errorf("nil HandlerFunc for %s", reflect.TypeFor[T]())
		}
		return funcNode[T]{f: f}, nil
	}
	return handlerNode[T](l), nil
}

func (l leaf[T]) describe() string {
	if _, ok := l.h.(HandlerFunc[T]); ok {
		return "func(*" + typeName[T]() + ")"
	}
	return fmt.Sprintf("%T", l.h)
}

func (leaf[T]) eventType() reflect.Type { return reflect.TypeFor[T]() }

type funcNode[T any] struct{ f HandlerFunc[T] }

// leafFunc is a node that is one plain function of the event.
type leafFunc interface{ rawFunc() func(*events.Raw) }

// rawFunc returns f as a function of the raw event. A func(*T) and a func(*events.Raw) take one
// pointer and are called the same way, and every kind T is a view of an events.Raw (events.As),
// so the function value is reinterpreted as is: the worker then calls the handler directly.
func (n funcNode[T]) rawFunc() func(*events.Raw) {
	f := (func(*T))(n.f)
	return *(*func(*events.Raw))(unsafe.Pointer(&f))
}

func (n funcNode[T]) run(_ *Context, r *events.Raw) error {
	n.f(events.As[T](r))
	return nil
}

type handlerNode[T any] struct{ h Handler[T] }

func (n handlerNode[T]) run(_ *Context, r *events.Raw) error {
	n.h.Receive(events.As[T](r))
	return nil
}

// typeName is the short name of T for descriptions.
func typeName[T any]() string { return reflect.TypeFor[T]().Name() }

// Target is a route's destination with its event type erased, as Route.Target takes it: a typed
// Handler wrapped by To, or a chain built by the kind-independent adapters (PipelineOf,
// BroadcastOf, FilterOf, RawFunc, EmitOf) that a configuration loader composes by name. The zero
// Target is invalid (Compile rejects it).
type Target struct{ s spec }

// To erases h's event type for Route.Target. It does not allocate per event: the chain is
// compiled once, at Compile.
func To[T any](h Handler[T]) Target { return Target{s: specOf(h)} }

// Type returns the Go type of the events the target takes, or nil if it takes any kind.
func (t Target) Type() reflect.Type {
	if t.s == nil {
		return nil
	}
	return t.s.eventType()
}

// String describes the chain, as route listings show it.
func (t Target) String() string {
	if t.s == nil {
		return "<none>"
	}
	return t.s.describe()
}

var (
	_ Handler[events.Signal] = HandlerFunc[events.Signal](nil)
	_ spec                   = leaf[events.Signal]{}
	_ node                   = funcNode[events.Signal]{}
	_ node                   = handlerNode[events.Signal]{}
	_ leafFunc               = funcNode[events.Signal]{}
)
