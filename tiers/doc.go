// Package tiers implements the delivery tiers of hotpath routes and the wrappers around them:
// the plan's fast (batching), standard (asynchronous) and reliable (retries, dead letters,
// write-ahead-log spill) tiers, its circuit breaker and its error-handling wrapper.
//
// The building blocks here are owned by one goroutine each - a route's worker - and take time as
// an argument (nanoseconds on the engine's clock), so tests run on fixed instants:
//
//   - [Breaker]: closed / open / half-open, with gobreaker's knobs;
//   - [RetryConfig]: exponential backoff with jitter, with Watermill's knobs;
//   - [DelayQueue]: a fixed-capacity min-heap of due times in which a worker schedules retries
//     (a worker never sleeps to retry, so one failing route never stalls the others);
//   - [Rand]: a tiny jitter source.
//
// No method allocates after construction.
package tiers
