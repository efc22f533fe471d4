package engine

import "github.com/hotpath-go/hotpath/events"

// Context is the state a route's chain runs with on one goroutine: whose goroutine it is (a
// worker, or a publisher running inline routes), the lanes that publishes from the chain (Emit)
// go out through, and scratch space for events made on the way (a Transform's output, an inline
// route's copy of the event), so that no event a chain sees lives on a Go stack and none is
// allocated. The engine hands it down every chain; a Tier's Step passes it on unchanged. A
// Context belongs to one goroutine at a time and is never retained by the engine's callers.
type Context struct {
	eng    *Engine
	snd    *sender // the dedicated lanes of this goroutine; nil on the shared path
	worker int     // the worker's index, or -1
	depth  int     // scratch events in use
	// scratch is a stack of events: one per nested transform or inline publish.
	scratch [MaxDepth]events.Raw
}

// Worker returns the index of the worker running the chain, or -1 when it runs inline on a
// publisher's goroutine.
func (c *Context) Worker() int { return c.worker }

// OnWorker reports whether the calling goroutine is one of the engine's workers: a handler,
// whether it publishes through its own Context (Emit) or through a Producer or Publisher it
// holds. Such a goroutine must not block (a durable write, a wait for room): the worker it
// would stall is the one that drains its lanes. For a publisher's Context it costs a system
// call (the engine knows its workers by thread id, on Linux; elsewhere it reports Worker() >= 0),
// so a tier asks only on the path where it would block.
func (c *Context) OnWorker() bool {
	if c.worker >= 0 {
		return true
	}
	return c.eng.callerWorker() != nil
}

// Stopping reports whether Stop has begun. A tier that holds events (a batch, retries) hands
// them on, or to durable storage, rather than wait for more: Stop ends once no worker finds
// anything to do.
func (c *Context) Stopping() bool { return c.eng.state.Load() >= stateStopping }

// Mark returns how much of the Context's scratch space is in use, for Restore.
func (c *Context) Mark() int { return c.depth }

// Restore releases the scratch space taken since Mark returned mark. A tier that recovers a
// panic out of the chain itself (to retry the event, say) calls it: a chain that panics inside a
// Transform leaves its scratch event taken, which the engine's own recovery releases.
func (c *Context) Restore(mark int) {
	if mark >= 0 && mark <= c.depth {
		c.depth = mark
	}
}

// push takes the next scratch event; false when MaxDepth are in use.
func (c *Context) push() (*events.Raw, bool) {
	if c.depth >= MaxDepth {
		return nil, false
	}
	r := &c.scratch[c.depth]
	c.depth++
	return r, true
}

// pop releases the last scratch event taken.
func (c *Context) pop() { c.depth-- }

// publish publishes r from src through this context's lanes (Emit's path).
func (c *Context) publish(src events.Source, r *events.Raw) error {
	if c.snd != nil {
		return c.snd.publish(src, r)
	}
	return c.eng.publishShared(c, src, r)
}
