package tiers

import (
	"fmt"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/events"
)

// How a handler fails. The engine's handlers are func(*T) and Handler[T] with no error; a
// delivery fails when the chain returns an error (an engine.Fallible handler's, or a refused
// Emit) or panics. The tiers here recover the panic themselves (the engine would count it and
// move on), so that a reliable route retries a panicking handler like a failing one; the error
// then wraps engine.ErrPanic and says what the value was.

// deliver runs the chain for ev, turning a panic into an error wrapping engine.ErrPanic (with
// the recovered value in p) and releasing what the chain held of c.
func deliver(next engine.Step, c *engine.Context, ev *events.Raw) (p any, err error) {
	mark := c.Mark()
	defer func() {
		if v := recover(); v != nil {
			c.Restore(mark)
			p, err = v, panicError{v}
		}
	}()
	return nil, next(c, ev)
}

// panicError is a recovered panic as a delivery error.
type panicError struct{ v any }

func (e panicError) Error() string { return fmt.Sprintf("%v: %v", engine.ErrPanic, e.v) }
func (e panicError) Unwrap() error { return engine.ErrPanic }
