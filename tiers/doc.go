// Package tiers implements the delivery tiers of hotpath routes - the plan's fast (batching),
// standard (asynchronous) and reliable (retries, dead letters, write-ahead spill) tiers - and the
// wrappers around any tier: WithErrorHandling, WithCircuitBreaker and WithMetrics. Each tier is
// an engine.Tier built by a plain constructor from a Config with defaults and Validate; the
// engine calls its Bind once per route at Compile and never imports this package.
//
// # Tiers and their guarantees
//
//	tier      runs on        delivery                 ordering (one producer, one route)
//	--------  -------------  -----------------------  ----------------------------------------
//	standard  route's worker at most once; overflow   publish order
//	                         policy when the lane is
//	                         full
//	fast      route's worker as standard, in batches  publish order
//	reliable  route's worker at least once or dead-   publish order, except that an event that
//	                         lettered; never dropped  failed is retried after the ones behind it
//
// Fast ([Fast]) collects a route's events on its worker and hands them to the route's chain in
// one go, then ends the chain's batch once (its BatchHandlers' EndBatch), when the batch is full,
// when FastConfig.MaxWait has passed since its first event, or - unless it lingers - when the
// worker's batch from the lane ends. There is no timer or goroutine per event or batch: the
// worker checks the time at the end of its lane batches and in the tier's Tick (engine.Binding),
// and naps no longer than the oldest batch's deadline.
//
// Standard ([Standard]) is the engine's own tier.
//
// Reliable ([Reliable]) takes responsibility for an event from the moment its publish returns:
//
//   - Handler failure. A delivery fails when the chain returns an error (an engine.Fallible
//     handler's, ErrCircuitOpen, a refused Emit) or panics (recovered by the tier, counted as a
//     panic, and treated as a failure). A failed event goes into the route's retry queue, a
//     DelayQueue owned by its worker, due after an exponential backoff with jitter (RetryConfig);
//     the worker fires due retries from its Tick and never sleeps, so a failing route delays
//     neither its other events nor other routes. After RetryConfig.MaxRetries retries (at once
//     for an error wrapping ErrPermanent) the event goes to the route's dead-letter log with
//     the reason, the attempts, the last error and the time, and then to its dead-letter target
//     (ReliableConfig.DeadLetter), if it has one, on its worker. Dead letters are listed and
//     replayed (ReliableTier.DeadLetters and Replay, ReadDeadLetters and ReplayDeadLetters,
//     `hotpath dlq`).
//   - Lane full, circuit open, handler down. The route spills: the publisher appends the event to
//     the route's spill log (OnFull, then OnPublish for every publish while the route spills)
//     instead of blocking or dropping it; the worker keeps the lane's remaining events, which are
//     older, in memory ahead of the log; when it can deliver again it delivers those, then the
//     log, in order, and the route goes back to its lane once the log is read. With a breaker
//     (ReliableConfig.Breaker) an open circuit makes the route spill until a probe succeeds.
//   - Crash. The logs are write-ahead logs (package wal). At start-up (the route's first Bind)
//     the route delivers, before anything new, every record past its checkpoint: the spilled
//     events it had not delivered, the events waiting for a retry (written to the log when they
//     first failed) and, after a clean Close, the events it held in memory. With
//     ReliableConfig.WriteAhead every event is appended, and durable, before its publish returns,
//     so a crash loses no acknowledged event; without it (the default, for speed) a crash loses
//     what was in memory only: the events in the lane, the one being delivered, and at most
//     ReliableConfig.SpillWindow spilled ones whose write had not reached the disk.
//
// ReliableTier.Backlog counts what a route has taken and not finished (spilled, synced or not;
// held for a retry or behind an open circuit); ReliableTier.Drain waits until a route has
// delivered or dead-lettered everything published to it, for a program to call before
// engine.Stop, which leaves a reliable backlog in the log for the next start.
//
// Delivery is at least once: a crash, or Replay, can deliver an event again (an event whose
// delivery was under way, or the records after the route's last checkpoint; an event waiting for
// a retry holds the checkpoint back). Replayed events carry events.FlagReplayed. A handler that
// must act once per event deduplicates by Header.ID: remember the IDs it has acted on (durably,
// with its own effects, for a crash), or make the action idempotent; give each run its own ID
// range with events.IDSpace.SetEpoch so that IDs stay unique across restarts.
//
// # Logs
//
// A reliable tier keeps, under ReliableConfig.Dir, one directory per route (RouteDir): spill/, a
// log of 64-byte event records (the event in little-endian, the attempts so far) that the route
// checkpoints as consumer "route", and dlq/, its dead letters (the event, attempts, reason,
// time, route and last error), checkpointed as consumer "replayed" as they are replayed. The
// record layouts are drawn in record.go; the log format in package wal.
//
// # Wrappers
//
// WithErrorHandling, WithCircuitBreaker and WithMetrics are tiers around a tier: each wraps the
// chain that the inner tier runs (every attempt, for a reliable one) and runs it as the Step of
// an inner tier that only places the route. They are the plan's with_error_handling,
// circuit_breaker and with_metrics.
//
// # Building blocks
//
// [Breaker] (closed / open / half-open, gobreaker's knobs), [RetryConfig] (Watermill's knobs),
// [DelayQueue] and [Rand] are owned by one goroutine each - a route's worker - and take time as
// an argument (nanoseconds on the engine's clock), so tests run on fixed instants.
//
// # Costs
//
// Delivering through a reliable route that keeps up touches no log and allocates nothing (a
// test checks it, process-wide); its publish costs one atomic load and one atomic add beyond the
// standard tier's. Batching allocates nothing. Spilling costs a log append per event
// (group-committed). docs/tiers.md has the measurements and the commands that reproduce them.
package tiers
