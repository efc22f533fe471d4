package engine

import (
	"fmt"
	"slices"
)

// Replace unregisters the routes named in remove, registers the routes in add and compiles, as
// one step under the engine's control-plane lock: either all of it takes effect, in one table
// swap, or nothing does. On any error (a name in remove that is not registered, a route Register
// would refuse, a table Compile would refuse) the registrations and the running table stay as
// they were, and the error wraps ErrRoute and names the route. It is how a configuration
// reload swaps a set of routes without a moment in which some of them are missing, and without
// another Compile seeing half of the change.
//
// Events published before the swap finish on the table they were published under; a route in
// add with the name of one in remove takes its place (and, while the engine runs, must keep its
// worker and its lane, as Compile requires). Safe for concurrent use; it allocates, and is meant
// for start-up and reloads.
func (e *Engine) Replace(remove []string, add []Route) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	saved := e.regs
	e.regs = slices.Clone(e.regs)
	restore := func(err error) error {
		e.regs = saved
		return err
	}
	for _, name := range remove {
		i := slices.IndexFunc(e.regs, func(r registration) bool { return r.Name == name })
		if i < 0 {
			return restore(fmt.Errorf("%w: no route %q", ErrRoute, name))
		}
		e.regs = slices.Delete(e.regs, i, i+1) // e.regs no longer shares saved's array
	}
	for _, r := range add {
		reg, err := e.checkRoute(r)
		if err != nil {
			return restore(err)
		}
		e.regs = append(e.regs, reg)
	}
	if err := e.compileLocked(); err != nil {
		return restore(err)
	}
	return nil
}
