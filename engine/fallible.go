package engine

import (
	"fmt"
	"reflect"

	"github.com/hotpath-go/hotpath/events"
)

// Fallible returns a handler that can fail: f's error fails the delivery of the event. The
// route's chain returns it (a Pipeline stops there), the engine counts it on the route
// (metrics.EventDropped) and reports it to Config.OnError in a *DeliveryError, and a tier that
// retries (package tiers' reliable tier) sees it and retries the event. Handlers that cannot fail
// stay plain Handlers; a panic in either is recovered the same way and counted as a panic.
//
// Like Emit, it is meant for routes: its Receive, called directly, panics with f's error.
func Fallible[T any](f func(e *T) error) Handler[T] { return fallible[T]{f: f} }

type fallible[T any] struct{ f func(*T) error }

func (h fallible[T]) Receive(e *T) {
	if err := h.f(e); err != nil {
		panic(err)
	}
}

func (h fallible[T]) build(*builder) (node, error) {
	if h.f == nil {
		return nil, fmt.Errorf("nil Fallible for %s", reflect.TypeFor[T]())
	}
	return fallibleNode[T](h), nil
}
func (fallible[T]) describe() string        { return "fallible(*" + typeName[T]() + ")" }
func (fallible[T]) eventType() reflect.Type { return reflect.TypeFor[T]() }

type fallibleNode[T any] struct{ f func(*T) error }

func (n fallibleNode[T]) run(_ *Context, r *events.Raw) error { return n.f(events.As[T](r)) }

var (
	_ Handler[events.Order] = fallible[events.Order]{}
	_ spec                  = fallible[events.Order]{}
	_ node                  = fallibleNode[events.Order]{}
)
