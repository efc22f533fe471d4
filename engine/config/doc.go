// Package config loads hotpath's routing configuration from YAML, checks it completely, and
// applies it to an engine, at start-up and again while events flow (hot reload).
//
// # Schema
//
// The plan's schema, as written there: source -> event type -> tier and routes; a route is a
// pipeline (steps), a filter (condition, target) or a broadcast (targets); a step is a
// component's name or a nested route type. Route settings (overflow, worker or cpu, batch_size
// and max_wait, retry, dead_letter, circuit_breaker) may be written for an event type, as the
// default of its routes, or for a route. An optional engine section sets the workers and their
// CPUs. docs/config.md is the reference of every key, with defaults and the error messages.
//
//	routing:
//	  strategy:                         a source
//	    Signal:                         an event type of the events registry
//	      tier: standard
//	      routes:
//	        - type: filter
//	          condition: "strength > 0.7"    compiled once by package events/cond
//	          target: aggressive_risk        a component of the Registry
//
// # Names
//
// Everything a file names is resolved through registries that the embedding program fills,
// never through globals: event types through an events.Registry (the engine's), components
// through a Registry (containers, and transformers that change the event's kind), tiers through
// a Tiers registry (inline and standard from the engine; fast and reliable from package tiers
// or the program, through TierSpec). Load resolves every name and compiles every condition
// once; nothing is looked up, parsed or reflected upon per event.
//
// # Errors
//
// Load reports every mistake in a file, not only the first: an *Errors lists them in file
// order, each an *Error with the file, line and column (inside a condition, the column of the
// offending character), the path in the document, the offending text, what was expected, and
// a sentinel error for errors.Is. It never panics and returns in bounded time, whatever the
// input (FuzzLoad checks it); YAML is parsed by goccy/go-yaml, whose syntax tree the loader
// walks itself (goccy's strict decoding stops at the first mistake).
//
// # Hot reload
//
// A Reloader applies a Config to an engine, and later swaps it for another, through
// engine.Replace: the new routes are registered, built, bound to their tiers and compiled as
// a whole table before anything changes; if any of it fails the running table stays and the
// error is returned; if it succeeds the table is swapped atomically. An event is routed once,
// when it is published, so each event is delivered exactly once to each route of the table in
// force at its publish, however the swaps fall. Load and Apply allocate and are meant for
// start-up and reloads; they are safe for concurrent use.
package config
