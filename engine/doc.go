// Package engine is hotpath's router: it takes events from producers and delivers each to the
// routes registered for its (source, kind), through compiled tables, on pinned workers, without
// allocating, boxing or looking anything up by name per event.
//
// # Model
//
// A source is where events come from ("feed", "strategy", "risk"); a kind is an event type
// registered in an events.Registry (MarketData, Signal, Order, or the application's own). Both
// are names at registration and small integers (events.Source, events.Kind) everywhere else. A
// route takes the events of one (source, kind) through a chain of adapters and containers (its
// Target) and is delivered by a Tier: inline, on the publisher's goroutine, or on one of the
// engine's workers. Register adds routes by name; Compile turns all of them into a table: a flat
// array of cells indexed by source*kinds+kind, each listing its inline routes and its
// asynchronous routes grouped by the lane they travel in. The table is immutable and swapped in
// with one atomic store; Register and Compile may run while events flow.
//
//	producer goroutine                                   worker goroutine (locked, maybe pinned)
//	  Publish(p, &md) --> table[src][kind] --> groups --> lane (SPSC ring, one 64-byte slot per
//	  (dedicated or shared)       |              |         event, the group beside it) --+
//	                              |              +-> lossy lane (DropOldest)   ----------+
//	                              +--> inline routes, run here                           |
//	                                                            drain batches  <---------+
//	                                                            group -> entries -> chain -> Receive
//	                                                            chain may Emit -> the worker's own
//	                                                            lanes (never block; backlog)
//
// # Containers and adapters
//
// A container is a Handler[T] (anything with Receive(*T)) or a HandlerFunc; a BatchHandler is
// also told when a batch ends; a Fallible handler returns an error that fails the delivery (a
// reliable tier retries it). Adapters compose them and are Handlers themselves: Pipeline,
// Broadcast, Filter, Transform (which changes the kind) and Emit (which publishes into the engine
// again: how a container emits). The kind-independent forms (PipelineOf, BroadcastOf, FilterOf,
// RawFunc, EmitOf) work on Targets, for loaders that build routes from text. At Compile every
// chain becomes a tree of kind-erased steps over events.Raw (every kind is a view of one, see
// events.As), so dispatch is an interface call per step and never boxes an event.
//
// # Ordering and delivery guarantees
//
//   - Events published by one producer to one route are delivered to it in publish order. A
//     route runs on one goroutine at a time (its worker, or the publisher for inline routes), so
//     its handlers need no locks of their own. Events of different producers, or of one producer
//     to different routes, have no order between them. Routes are placed on workers explicitly
//     (Route.Worker), not by a key; to spread one source's events over workers by symbol,
//     register one route per worker with a Filter on the symbol: each keeps its own order.
//   - Each event is routed once, when it is published, against the table current at that moment:
//     it is delivered exactly once to each route of that table (unless the route's overflow
//     policy dropped it, which is counted), however many swaps happen while it waits in a lane.
//     A route's name keeps its worker and lane while the engine runs, so a swap never reorders it.
//   - Publish returns once the event is in every lane (or refused, per policy); it is then
//     delivered unless Stop gives up on it, which Stop reports.
//
// # Overflow
//
// When a lane is full, the route's Overflow decides: Block (wait, with Config.PublishWait),
// DropNewest, DropOldest (the producer evicts the oldest event of its lossy lane) or Fail (the
// publish returns ErrFull). Every refused or evicted event is counted on its route
// (metrics.EventDropped). Each route's own policy decides for it: routes of one source and kind
// on one worker share a lane slot per event only when their policies are the same. A
// Tier may take the event first (Binding.OnFull: spill it to a write-ahead log, say), or take
// every event before it reaches a lane (Binding.OnPublish: a write-ahead tier); the work such a
// tier holds is done by its Binding.Tick, which the route's worker calls after every pass.
//
// Publishes from handlers (Emit) go out through the running worker's own lanes and never block:
// a full lane's events wait, in order, in the worker's backlog for that lane (at most
// Config.Backlog; beyond that they are dropped and reported with ErrBacklogFull), and the worker
// moves them on before each pass over its lanes. While it has a backlog, a worker takes nothing
// new from Producers' lanes (so back-pressure reaches the producers, which block or drop by their
// routes' policies) but keeps draining the lanes from other workers. A worker therefore never
// waits for another, and cycles of routes cannot deadlock. DropNewest and Fail apply at once, as
// for any publisher.
//
// # Threads
//
// Start runs Config.Workers goroutines, each locked to its OS thread and, with Config.CPUs,
// pinned to a CPU (affinity.Pin); pinned, GOMAXPROCS is raised to at least the pinned workers
// plus one and set explicitly, since Go recomputes it from the affinity mask otherwise. A
// worker takes up to Config.Batch events from each of its lanes in turn; idle, it spins, yields
// and parks as Config.Wait says. A handler that panics is recovered: the panic is counted on its
// route (metrics.EventPanic), reported to Config.OnError with the route's name and the event's
// ID, and the worker goes on with the next route. Stop(ctx) stops intake, drains every accepted
// event (including those handlers publish while draining), and joins the workers; past ctx's
// deadline it returns an error that says how many events were not delivered.
//
// # Costs
//
// Publish and dispatch allocate nothing (tests check it with testing.AllocsPerRun). Counters are
// kept per route in the worker's own fields and added to the route's metrics once per batch; the
// publish-to-handler latency of every Config.LatencyEvery-th event of each producer is recorded
// in the route's HDR histogram. docs/engine.md has the design, the measurements and how to
// reproduce them.
package engine
