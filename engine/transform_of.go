package engine

import (
	"fmt"
	"reflect"
)

// TransformOf is Transform with a kind-erased next: it maps each In event to an Out event with fn
// and, when fn reports true, hands the result to next, a Target composed by name (PipelineOf,
// FilterOf, a registered component). It is how a configuration loader puts a transformer step
// (MarketData -> Signal) in front of the rest of a pipeline. It fails if next takes a type other
// than Out; a next that takes any kind (RawFunc, EmitOf) is accepted. Inside an engine it
// compiles to the same node as Transform (no allocation per event); the returned Target cannot be
// called directly.
func TransformOf[In, Out any](fn func(in *In) (out Out, ok bool), next Target) (Target, error) {
	out := reflect.TypeFor[Out]()
	switch {
	case fn == nil:
		return Target{}, fmt.Errorf("%w: TransformOf: nil function", ErrRoute)
	case next.s == nil:
		return Target{}, fmt.Errorf("%w: TransformOf: empty next target", ErrRoute)
	}
	if t := next.s.eventType(); t != nil && t != out {
		return Target{}, fmt.Errorf("%w: TransformOf: next (%s) takes %s, the transform produces %s", ErrRoute, next.s.describe(), t, out)
	}
	return To(Transform(fn, Handler[Out](targetHandler[Out]{next.s}))), nil
}

// targetHandler is a Target's chain seen as a Handler[T]: a spec (so Compile builds the chain)
// whose Receive cannot run outside an engine.
type targetHandler[T any] struct{ spec }

func (h targetHandler[T]) Receive(*T) {
	panic("engine: the chain " + h.describe() + " runs only inside an engine")
}

var (
	_ Handler[struct{}] = targetHandler[struct{}]{}
	_ spec              = targetHandler[struct{}]{}
)
