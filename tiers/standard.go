package tiers

import "github.com/hotpath-go/hotpath/engine"

// Standard returns the standard tier, the engine's own (engine.Standard): the route runs on its
// worker, which takes its events from its lanes in batches; publishing is a bounded,
// asynchronous hand-off through the worker's ring, and when the ring is full the route's
// overflow policy applies (block, drop-newest, drop-oldest or fail). Delivery is at most once:
// a handler's failure is counted and reported (engine.Config.OnError), not retried. It is here
// so that the three tiers of the plan come from one package; wrap it (WithErrorHandling,
// WithCircuitBreaker, WithMetrics) like any tier.
func Standard() engine.Tier { return engine.Standard() }
