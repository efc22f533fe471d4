package config

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/tiers"
	"github.com/hotpath-go/hotpath/tiers/wal"
)

// Defaults of the route settings that the engine's and package tiers' own defaults do not
// cover. Retry and circuit-breaker defaults are tiers.DefaultRetryConfig and
// tiers.DefaultBreakerConfig.
const (
	// DefaultBatchSize is a fast route's batch_size: the plan's fast_tier(batch_size=1000).
	DefaultBatchSize = 1000
	// DefaultMaxWait is a fast route's max_wait: the plan's max_wait_ms=1.
	DefaultMaxWait = time.Millisecond
	// MaxBatchSize bounds batch_size.
	MaxBatchSize = 1 << 20
)

// Knobs is a set of route settings, as a bit set: which settings a tier uses.
type Knobs uint16

// Route settings a tier may use. A route that sets one its tier does not use is a mistake
// (ErrSetting), so that a setting never silently does nothing.
const (
	KnobWorker         Knobs = 1 << iota // worker, cpu: where the route runs
	KnobOverflow                         // overflow: what a publish does when the lane is full
	KnobBatch                            // batch_size, max_wait
	KnobRetry                            // retry
	KnobDeadLetter                       // dead_letter
	KnobCircuitBreaker                   // circuit_breaker
)

// TierSpec describes one tier to the loader: how to build it for a route, and which settings
// it uses.
type TierSpec struct {
	// Name is the name configurations use (tier: fast).
	Name string
	// New builds the tier of one route from the route's settings, defaults applied. It is
	// called once per route by Load (never per event); an error is reported at the route's
	// tier, as a mistake in the file. The Tier's Bind, called at each Compile, is where
	// per-route state belongs.
	New func(o RouteOptions) (engine.Tier, error)
	// Knobs is the settings the tier uses besides the chain.
	Knobs Knobs
	// Note, if set, is shown beside every route of the tier in listings (a stand-in tier says
	// what it does not do yet).
	Note string
}

// RouteOptions is one route's settings, as its tier's New receives them: what the file says,
// with defaults for what it does not.
type RouteOptions struct {
	// Name, Source, Kind and Tier identify the route.
	Name, Source, Kind, Tier string
	// Worker is the worker the route runs on (from worker, or from cpu through engine.cpus).
	Worker int
	// Overflow is the route's overflow policy (default engine.Block).
	Overflow engine.Overflow
	// BatchSize and MaxWait are a fast route's batching: deliver when BatchSize events have
	// gathered or MaxWait has passed since the first (defaults DefaultBatchSize,
	// DefaultMaxWait).
	BatchSize int
	MaxWait   time.Duration
	// Retry is a reliable route's retry policy (default tiers.DefaultRetryConfig).
	Retry tiers.RetryConfig
	// DeadLetter is the container that receives the events a reliable route gave up on; nil
	// when the file names none.
	DeadLetter *Component
	// CircuitBreaker is the route's circuit breaker; nil when the file configures none
	// (circuit_breaker: {} turns one on with tiers.DefaultBreakerConfig).
	CircuitBreaker *tiers.BreakerConfig
}

// Tiers is the tier registry: the tiers a configuration may name. NewTiers holds the engine's
// inline and standard tiers; package tiers (or the embedding program) adds fast and reliable
// with Register. Safe for concurrent use.
type Tiers struct {
	mu      sync.RWMutex
	specs   map[string]TierSpec
	closers []io.Closer     // tiers built by BuiltinTiers that hold files and goroutines
	backlog []reliableRoute // the reliable routes built by BuiltinTiers
	// byRoute is the reliable tier of each route name that BuiltinTiers built, kept across
	// Loads: a reloaded route keeps its tier, and so its logs, its retry queue and what they
	// hold (a new tier would open a second writer on the same logs, or lose what an in-memory
	// log held).
	byRoute map[string]reliableEntry
}

// reliableEntry is a route's reliable tier and the settings it was built with.
type reliableEntry struct {
	t        *tiers.ReliableTier
	settings string
}

// reliableRoute is one route's reliable tier, for Backlog and Drain.
type reliableRoute struct {
	t     *tiers.ReliableTier
	route string
}

// Backlog returns how many events the reliable routes built by this registry have taken and not
// yet delivered or dead-lettered (tiers.ReliableTier.Backlog: spilled to their logs, synced or
// not, or held for a retry). engine.Stop leaves that backlog in the logs, for the next start; a
// program that wants it delivered first calls Drain before Stop.
func (t *Tiers) Backlog() (uint64, error) {
	var n uint64
	for _, r := range t.reliable() {
		k, err := r.t.Backlog(r.route)
		if errors.Is(err, tiers.ErrNoRoute) {
			continue // loaded, never applied: it holds nothing
		}
		if err != nil {
			return n, err
		}
		n += k
	}
	return n, nil
}

// Drain waits until every reliable route built by this registry has delivered or dead-lettered
// every event published to it (tiers.ReliableTier.Drain), or ctx ends: what a program calls
// after closing its producers and before engine.Stop, which does not deliver a reliable route's
// backlog. Events that other routes have yet to publish into a reliable route (a handler's Emit)
// are not known to it: let the routes upstream finish first. It returns the first route's error
// (ctx's, with how many events are left; or one wrapping engine.ErrStopped once the engine has
// begun stopping). Routes loaded but never applied hold nothing and are skipped.
func (t *Tiers) Drain(ctx context.Context) error {
	for _, r := range t.reliable() {
		if err := r.t.Drain(ctx, r.route); err != nil && !errors.Is(err, tiers.ErrNoRoute) {
			return err
		}
	}
	return nil
}

// reliable returns the reliable routes built by this registry.
func (t *Tiers) reliable() []reliableRoute {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.backlog
}

// Close closes every tier the registry built that holds resources (the reliable tiers' logs).
// Call it after the engine that used them has stopped; the registry builds new ones afterwards.
func (t *Tiers) Close() error {
	t.mu.Lock()
	cs := t.closers
	t.closers, t.backlog, t.byRoute = nil, nil, nil
	t.mu.Unlock()
	var errs []error
	for _, c := range cs {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// NewTiers returns a registry holding inline (engine.Inline: no settings) and standard
// (engine.Standard: worker, cpu, overflow).
func NewTiers() *Tiers {
	t := &Tiers{specs: map[string]TierSpec{}}
	t.specs["inline"] = TierSpec{Name: "inline", New: func(RouteOptions) (engine.Tier, error) { return engine.Inline(), nil }}
	t.specs["standard"] = TierSpec{Name: "standard", New: func(RouteOptions) (engine.Tier, error) { return engine.Standard(), nil },
		Knobs: KnobWorker | KnobOverflow}
	return t
}

// Register adds a tier, or replaces the one of the same name (so a program can put its own
// standard in place). It fails for an empty name or a nil New.
func (t *Tiers) Register(s TierSpec) error {
	if s.Name == "" || s.New == nil {
		return fmt.Errorf("config: tier %q: empty name or nil New", s.Name)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.specs[s.Name] = s
	return nil
}

// Lookup returns the tier called name.
func (t *Tiers) Lookup(name string) (TierSpec, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	s, ok := t.specs[name]
	return s, ok
}

// Names lists the tiers, sorted.
func (t *Tiers) Names() []string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	s := make([]string, 0, len(t.specs))
	for n := range t.specs {
		s = append(s, n)
	}
	sort.Strings(s)
	return s
}

// using lists the tiers that use knob k, for messages.
func (t *Tiers) using(k Knobs) string {
	var s []string
	for _, n := range t.Names() {
		if sp, _ := t.Lookup(n); sp.Knobs&k != 0 {
			s = append(s, n)
		}
	}
	if len(s) == 0 {
		return "no registered tier uses it"
	}
	return "used by tier " + strings.Join(s, ", ")
}

// BuiltinTiers returns a registry of every tier hotpath ships: inline and standard (the
// engine's), fast (tiers.Fast: batches handed on when full or at the end of each lane batch the
// worker takes, so a lone event waits for nothing; batch_size bounds a batch) and reliable
// (tiers.Reliable: retries with backoff and jitter, a circuit breaker when configured, dead
// letters and spill logs under dir/<route>/). With dir == "" the reliable tier's logs live in
// memory: every behaviour but crash survival, for demos, benchmarks and listings; the listing
// says so. Close the registry after the engine has stopped: it closes the reliable tiers.
//
// The reliable tier writes the events it gives up on to the route's dead-letter log (see
// `hotpath dlq list`), with the reason, the attempts and the last error, and then hands each to
// the route's dead_letter component, if it names one, on the route's worker
// (tiers.ReliableConfig.DeadLetter). A dead_letter component that fails or panics loses nothing
// (the event is in the log); the engine reports it to its error hook and counts a panic on the
// route.
func BuiltinTiers(dir string) *Tiers {
	t := NewTiers()
	t.specs["fast"] = TierSpec{Name: "fast", Knobs: KnobWorker | KnobOverflow | KnobBatch,
		New: func(o RouteOptions) (engine.Tier, error) {
			ft, err := tiers.Fast(tiers.FastConfig{BatchSize: o.BatchSize, MaxWait: o.MaxWait})
			if err != nil {
				return nil, err
			}
			return ft, nil
		}}
	note := ""
	if dir == "" {
		note = "logs in memory: not crash-safe (give the program a directory for durable logs)"
	}
	t.specs["reliable"] = TierSpec{Name: "reliable", Note: note,
		Knobs: KnobWorker | KnobOverflow | KnobRetry | KnobDeadLetter | KnobCircuitBreaker,
		New: func(o RouteOptions) (engine.Tier, error) {
			settings := fmt.Sprintf("retry %+v, circuit_breaker %+v", o.Retry, o.CircuitBreaker)
			if o.CircuitBreaker != nil {
				settings = fmt.Sprintf("retry %+v, circuit_breaker %+v", o.Retry, *o.CircuitBreaker)
			}
			if o.DeadLetter != nil {
				settings += ", dead_letter " + o.DeadLetter.Name
			}
			t.mu.Lock()
			defer t.mu.Unlock()
			if e, ok := t.byRoute[o.Name]; ok {
				if e.settings == settings {
					return e.t, nil
				}
				if _, err := e.t.Backlog(o.Name); !errors.Is(err, tiers.ErrNoRoute) {
					return nil, fmt.Errorf("a running reliable route keeps its tier (its logs and retry queue) across a reload: changing its settings (%s, was %s) needs a restart, or a new route name", settings, e.settings)
				}
				// Loaded before but never bound (a configuration validated, not applied): the
				// new settings take its place.
				if err := e.t.Close(); err != nil {
					return nil, err
				}
				for i, c := range t.closers {
					if c == io.Closer(e.t) {
						t.closers = append(t.closers[:i], t.closers[i+1:]...)
						break
					}
				}
				for i, r := range t.backlog {
					if r.t == e.t {
						t.backlog = append(t.backlog[:i], t.backlog[i+1:]...)
						break
					}
				}
			}
			cfg := tiers.ReliableConfig{Dir: dir, Retry: o.Retry, Breaker: o.CircuitBreaker}
			if o.DeadLetter != nil {
				cfg.DeadLetter = o.DeadLetter.Target()
			}
			if dir == "" {
				cfg.Dir, cfg.FS = "/reliable", wal.NewMemFS()
			}
			rt, err := tiers.Reliable(cfg)
			if err != nil {
				return nil, err
			}
			if t.byRoute == nil {
				t.byRoute = map[string]reliableEntry{}
			}
			t.byRoute[o.Name] = reliableEntry{rt, settings}
			t.closers = append(t.closers, rt)
			t.backlog = append(t.backlog, reliableRoute{rt, o.Name})
			return rt, nil
		}}
	return t
}
