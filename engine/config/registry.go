package config

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"sync"

	"github.com/hotpath-go/hotpath/engine"
)

// ErrRegistry is wrapped by the Registry's Add functions for a name that is empty or taken, or
// a component that cannot be used.
var ErrRegistry = errors.New("config: invalid component")

// Registry holds the components a configuration may name: containers (handlers of one kind, or
// of any kind) and transformers (from one kind to another). The embedding program fills it at
// start-up; there is no global registry. Names are unique across both sorts. Safe for
// concurrent use; lookups happen at Load only, never per event.
type Registry struct {
	mu    sync.RWMutex
	comps map[string]*Component
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{comps: map[string]*Component{}} }

// Component is a registered component: a container, or a transformer when Out is not nil.
type Component struct {
	// Name is the name configurations use.
	Name string
	// In is the Go type of the events the component takes; nil means any kind (a container
	// registered with a kind-independent Target such as engine.RawFunc).
	In reflect.Type
	// Out is the Go type a transformer produces; nil for a container.
	Out reflect.Type

	target    engine.Target                                   // a container's chain
	transform func(next engine.Target) (engine.Target, error) // a transformer in front of next
}

// Transformer reports whether the component changes the event's kind.
func (c *Component) Transformer() bool { return c.Out != nil }

// Target returns a container's chain (the zero Target for a transformer).
func (c *Component) Target() engine.Target { return c.target }

// Then returns a transformer's Target with next after it (an error for a container, or for a
// next that takes another type than the transformer's Out).
func (c *Component) Then(next engine.Target) (engine.Target, error) {
	if c.transform == nil {
		return engine.Target{}, fmt.Errorf("%w: %s is a container, not a transformer", ErrRegistry, c.Name)
	}
	return c.transform(next)
}

// AddContainer registers a container under name: t is a typed handler (engine.To(h)), an
// adapter chain, or a kind-independent target (engine.RawFunc), which routes of any kind may
// use. It fails if the name is empty or taken, or t is the zero Target.
func (r *Registry) AddContainer(name string, t engine.Target) error {
	if t == (engine.Target{}) {
		return fmt.Errorf("%w: %q: empty target", ErrRegistry, name)
	}
	return r.add(&Component{Name: name, In: t.Type(), target: t})
}

// AddHandler registers the Handler h of events of kind T as the container name.
func AddHandler[T any](r *Registry, name string, h engine.Handler[T]) error {
	if h == nil {
		return fmt.Errorf("%w: %q: nil handler", ErrRegistry, name)
	}
	return r.AddContainer(name, engine.To(h))
}

// AddTransformer registers fn as the transformer name: in a pipeline it maps each In event to
// an Out event (dropping it when fn reports false) and the steps after it receive the Out
// events (engine.TransformOf). Out must be a registered event kind where it is used.
func AddTransformer[In, Out any](r *Registry, name string, fn func(in *In) (out Out, ok bool)) error {
	if fn == nil {
		return fmt.Errorf("%w: %q: nil function", ErrRegistry, name)
	}
	return r.add(&Component{
		Name: name, In: reflect.TypeFor[In](), Out: reflect.TypeFor[Out](),
		transform: func(next engine.Target) (engine.Target, error) { return engine.TransformOf(fn, next) },
	})
}

func (r *Registry) add(c *Component) error {
	if c.Name == "" {
		return fmt.Errorf("%w: empty name", ErrRegistry)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.comps[c.Name]; ok {
		return fmt.Errorf("%w: %q is already registered", ErrRegistry, c.Name)
	}
	r.comps[c.Name] = c
	return nil
}

// Lookup returns the component called name.
func (r *Registry) Lookup(name string) (*Component, bool) {
	if r == nil {
		return nil, false
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	c, ok := r.comps[name]
	return c, ok
}

// Names lists the registered names, sorted.
func (r *Registry) Names() []string {
	if r == nil {
		return nil
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	s := make([]string, 0, len(r.comps))
	for n := range r.comps {
		s = append(s, n)
	}
	sort.Strings(s)
	return s
}
