package engine

import (
	"errors"
	"fmt"
)

// Sentinel errors callers branch on. Errors returned at the engine's boundaries (New, Register,
// Compile, Start, Stop) wrap them with the place at fault; the hot path returns them bare, so
// that a refused publish allocates nothing.
var (
	// ErrConfig is wrapped by Config.Validate and New for a configuration value out of range.
	ErrConfig = errors.New("engine: invalid configuration")
	// ErrRoute is wrapped by Register, Unregister and Compile for a route that cannot be built;
	// the message names the route.
	ErrRoute = errors.New("engine: invalid route")
	// ErrNotStarted is returned by publishes before Start.
	ErrNotStarted = errors.New("engine: not started")
	// ErrStopped is returned by publishes once Stop has begun, and by Start after Stop.
	ErrStopped = errors.New("engine: stopped")
	// ErrClosed is returned by a Producer's publishes after its Close.
	ErrClosed = errors.New("engine: producer closed")
	// ErrFull is returned by a publish when a route with the Fail overflow policy found its
	// lane full: that route did not get the event (routes on other lanes may have).
	ErrFull = errors.New("engine: lane full")
	// ErrBacklogFull is reported to the error hook when a handler's publish found its lane full
	// and the publishing worker's backlog for that lane at its bound: the event was dropped.
	ErrBacklogFull = errors.New("engine: worker backlog full")
	// ErrDepth is returned when inline routes and transforms nest deeper than MaxDepth on one
	// goroutine (usually a route that publishes into itself).
	ErrDepth = errors.New("engine: inline nesting too deep")
	// ErrSelfBlock is returned by a publish through a Producer or a Publisher, made from a
	// handler (on a worker's goroutine), that found a Block route's lane into that same worker
	// full: only the worker could make room, and it is the one waiting, so the publish fails
	// at once (the event is counted as dropped on the route) rather than deadlock. Handlers
	// publish with the Emit and EmitOf adapters, whose events wait in the worker's backlog
	// instead. (Recognising the worker's goroutine takes its thread id: Linux only.)
	ErrSelfBlock = errors.New("engine: handler published into a full lane of its own worker")
	// ErrHandlerStuck is wrapped, with ErrUndelivered, by a Stop whose ctx ended while a
	// handler had not returned: Stop returned without that worker (see Stop).
	ErrHandlerStuck = errors.New("engine: a handler did not return")
	// ErrUndelivered is wrapped by Stop when some accepted events were not delivered.
	ErrUndelivered = errors.New("engine: events not delivered")
	// ErrPanic is wrapped by the DeliveryError of a handler that panicked.
	ErrPanic = errors.New("engine: handler panicked")
)

// DeliveryError is what the error hook (Config.OnError) receives when a route failed to handle
// an event: its handler panicked (Err wraps ErrPanic and Panic holds the value), its chain
// returned an error, or a publish from a handler was dropped (ErrBacklogFull).
type DeliveryError struct {
	Route   string // the route's name
	EventID uint64 // Header.ID of the event
	Worker  int    // the worker that ran the route, or -1 for an inline route
	Panic   any    // the recovered value, if the handler panicked
	Err     error
}

func (e *DeliveryError) Error() string {
	return fmt.Sprintf("engine: route %q, event %d, worker %d: %v", e.Route, e.EventID, e.Worker, e.Err)
}

// Unwrap returns the underlying error.
func (e *DeliveryError) Unwrap() error { return e.Err }
