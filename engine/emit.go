package engine

import (
	"fmt"
	"reflect"

	"github.com/hotpath-go/hotpath/events"
)

// Emit returns a handler that publishes each event it receives into the engine again, from the
// source named source (interned at Compile): how a container emits new events (the plan's
// StrategyContainer turning MarketData into Signals is Transform(strategy, Emit[Signal]("strategy"))).
//
// The publish goes out through the lanes of whoever runs the route: on a worker, that worker's
// own lanes, which never block: when a target lane is full the event waits in the worker's
// backlog for that lane (bounded by Config.Backlog) and is moved on, in order, before the worker
// takes its next batch (a DropNewest or Fail route refuses it at once instead). While its
// backlog is not empty the worker takes nothing from Producers' lanes, which pushes back on them,
// but goes on draining the lanes from other workers, so a cycle of routes whose lanes are full
// cannot deadlock. On an inline route, the publisher's lanes, with the targets' overflow
// policies. A refused publish is the chain's error: counted on the route and reported to
// Config.OnError.
//
// Emit works only inside an engine; calling its Receive directly panics.
func Emit[T any](source string) Handler[T] { return emit[T]{source: source} }

type emit[T any] struct{ source string }

func (e emit[T]) Receive(*T) {
	panic("engine: Emit(" + e.source + ") called outside an engine")
}

func (e emit[T]) build(b *builder) (node, error) { return buildEmit(b, e.source) }
func (e emit[T]) describe() string               { return "emit(" + e.source + ")" }
func (emit[T]) eventType() reflect.Type          { return reflect.TypeFor[T]() }

func buildEmit(b *builder, source string) (node, error) {
	src, err := b.eng.sourceLocked(source) // Compile holds the engine's mutex
	if err != nil {
		return nil, fmt.Errorf("emit: %w", err)
	}
	return emitNode{src: src}, nil
}

// emitNode republishes from src through the running context's lanes.
type emitNode struct{ src events.Source }

func (n emitNode) run(c *Context, r *events.Raw) error { return c.publish(n.src, r) }

var (
	_ Handler[events.Signal] = emit[events.Signal]{}
	_ spec                   = emit[events.Signal]{}
	_ node                   = emitNode{}
)
