package config

import (
	"fmt"
	"strings"
	"sync"

	"github.com/hotpath-go/hotpath/engine"
)

// Reloader keeps one engine's routes in step with a configuration: Apply installs a Config and,
// later, swaps it for another while events flow. It owns the routes it installed (by name) and
// leaves the engine's other routes alone. Safe for concurrent use; Applies are serialised.
type Reloader struct {
	eng *engine.Engine
	mu  sync.Mutex
	cur *Config
}

// NewReloader returns a Reloader for eng, with no configuration applied yet.
func NewReloader(eng *engine.Engine) *Reloader { return &Reloader{eng: eng} }

// Current returns the configuration in force (the last one applied), or nil.
func (r *Reloader) Current() *Config {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cur
}

// Apply replaces the routes of the configuration in force with those of c, in one step
// (engine.Replace): the engine registers, builds and binds every route of c and compiles the
// whole table before anything changes; if any of that fails, the running table and the
// configuration in force stay as they were and the error (an *Errors wrapping ErrApply, located
// at the route at fault when the engine names one) is returned. If it succeeds the new table is
// swapped in atomically: each event is delivered according to the table in force when it was
// published, exactly once per route of that table, however the swaps fall (the engine routes
// an event once, at publish). Before the engine starts, Apply only registers and compiles.
//
// A route keeps its name across reloads (an explicit name:, or <source>/<EventType>/<n>); while
// the engine runs, a route that keeps its name must keep its worker and its lane (the engine
// refuses to move it, since events already queued would race the new ones): give it a new name
// to move it. c must have been loaded with the engine's events registry (Loader.Kinds).
func (r *Reloader) Apply(c *Config) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c == nil {
		return &Errors{List: []*Error{{Msg: "nil configuration", Err: ErrApply}}}
	}
	if c.kinds != r.eng.Kinds() {
		return &Errors{List: []*Error{{File: c.File, Msg: "configuration loaded with another events registry than the engine's; set Loader.Kinds to the engine's Kinds()", Err: ErrApply}}}
	}
	var remove []string
	if r.cur != nil {
		remove = make([]string, len(r.cur.Routes))
		for i, rt := range r.cur.Routes {
			remove[i] = rt.Name
		}
	}
	if err := r.eng.Replace(remove, c.EngineRoutes()); err != nil {
		return applyError(c, err)
	}
	r.cur = c
	return nil
}

// applyError locates an engine error at the route it names.
func applyError(c *Config, err error) error {
	e := &Error{File: c.File, Msg: err.Error(), Err: ErrApply, Cause: err}
	for i := range c.Routes {
		rt := &c.Routes[i]
		if strings.Contains(err.Error(), fmt.Sprintf("route %q", rt.Name)) {
			e.Line, e.Col, e.Path = rt.Line, rt.Col, rt.Path
			break
		}
	}
	return &Errors{List: []*Error{e}}
}

// ReloadFile loads the file at path with l and, if it has no mistake, applies it (Apply): the
// configuration in force changes only if both succeed. It is what a program calls when its
// configuration file changes (watching the file is left to the program).
func (r *Reloader) ReloadFile(l *Loader, path string) error {
	c, err := l.LoadFile(path)
	if err != nil {
		return err
	}
	return r.Apply(c)
}
