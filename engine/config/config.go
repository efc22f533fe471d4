package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/events"
)

// Config is a loaded, checked routing configuration: routes ready to register, built against
// one events registry. It is immutable; Apply it to an engine (Reloader.Apply), or list it.
type Config struct {
	// File is the name the configuration was loaded under.
	File string
	// Engine is the engine section as an engine.Config (zero fields: the engine's defaults),
	// with Kinds set to the loader's registry: what engine.New needs to run this file.
	Engine engine.Config
	// Routes are the routes in file order.
	Routes []Route

	kinds *events.Registry
}

// Route is one route of a configuration.
type Route struct {
	// RouteOptions is the route's identity and settings, defaults applied.
	RouteOptions
	// Chain describes the route's steps with the file's names: pipeline(indicators, strategies).
	Chain string
	// Note is the tier's note (TierSpec.Note), if any.
	Note string
	// Line, Col and Path locate the route in the file.
	Line, Col int
	Path      string
	// Target is the route's compiled-to-be chain.
	Target engine.Target

	tier engine.Tier
}

// Engine returns the route as the engine registers it.
func (r *Route) Engine() engine.Route {
	return engine.Route{
		Name: r.Name, Source: r.Source, Kind: r.Kind, Target: r.Target, Tier: r.tier,
		Worker: r.Worker, Overflow: r.Overflow,
	}
}

// EngineRoutes returns every route as the engine registers it, in file order.
func (c *Config) EngineRoutes() []engine.Route {
	out := make([]engine.Route, len(c.Routes))
	for i := range c.Routes {
		out[i] = c.Routes[i].Engine()
	}
	return out
}

// Kinds returns the events registry the configuration was built against.
func (c *Config) Kinds() *events.Registry { return c.kinds }

// route returns the route called name.
func (c *Config) route(name string) *Route {
	for i := range c.Routes {
		if c.Routes[i].Name == name {
			return &c.Routes[i]
		}
	}
	return nil
}

// Policies describes the route's settings that its tier uses beyond placement: batching,
// retries, dead letters, circuit breaker; "" when there are none.
func (r *Route) Policies(t *Tiers) string {
	spec, _ := t.Lookup(r.Tier)
	var p []string
	if spec.Knobs&KnobBatch != 0 {
		p = append(p, fmt.Sprintf("batch_size=%d max_wait=%s", r.BatchSize, dur(r.MaxWait)))
	}
	if spec.Knobs&KnobRetry != 0 {
		rc := r.Retry
		p = append(p, fmt.Sprintf("max_retries=%d backoff=%s..%s x%g jitter=%g",
			rc.MaxRetries, dur(rc.InitialInterval), dur(rc.MaxInterval), rc.Multiplier, rc.RandomizationFactor))
	}
	if r.DeadLetter != nil {
		p = append(p, "dead_letter="+r.DeadLetter.Name)
	}
	if b := r.CircuitBreaker; b != nil {
		p = append(p, fmt.Sprintf("circuit_breaker=%d failures/%s open/%d probes", b.FailureThreshold, dur(b.OpenDuration), b.HalfOpenProbes))
	}
	return strings.Join(p, " ")
}

// Row is one line of a route listing: a compiled route as the engine has it, with what the
// configuration says about it. `hotpath routes` prints Rows.
type Row struct {
	Source   string `json:"source"`
	Kind     string `json:"kind"`
	Route    string `json:"route"`
	Tier     string `json:"tier"`
	Worker   int    `json:"worker"` // -1: inline, on the publisher's goroutine
	Overflow string `json:"overflow"`
	Chain    string `json:"chain"`
	Policies string `json:"policies,omitempty"`
	Note     string `json:"note,omitempty"`
	// At is file:line:col of the route in the configuration.
	At string `json:"at"`
}

// Rows lists the compiled routes (engine.Routes, after Apply) that come from c, in the
// engine's order (by source, then event type), with c's chain descriptions, policies and
// notes. t is the tier registry c was loaded with (nil: NewTiers()).
func (c *Config) Rows(compiled []engine.RouteInfo, t *Tiers) []Row {
	if t == nil {
		t = NewTiers()
	}
	var out []Row
	for _, ri := range compiled {
		r := c.route(ri.Name)
		if r == nil {
			continue
		}
		out = append(out, Row{
			Source: ri.Source, Kind: ri.Kind, Route: ri.Name, Tier: ri.Tier, Worker: ri.Worker,
			Overflow: ri.Policy, Chain: r.Chain, Policies: r.Policies(t), Note: r.Note,
			At: fmt.Sprintf("%s:%d:%d", c.File, r.Line, r.Col),
		})
	}
	return out
}

// dur writes a duration as a file would: 200us rather than Go's 200µs.
func dur(d time.Duration) string { return strings.ReplaceAll(d.String(), "µs", "us") }
