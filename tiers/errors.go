package tiers

import "errors"

// Sentinel errors. Errors at the package's boundaries (constructors, Bind, opening logs, reading
// dead letters) wrap them with the place at fault; branch with errors.Is.
var (
	// ErrFastConfig is wrapped by FastConfig.Validate.
	ErrFastConfig = errors.New("tiers: invalid fast tier config")

	// ErrReliableConfig is wrapped by ReliableConfig.Validate and by the reliable tier's Bind
	// for a route it cannot serve (an inline route, or an overflow policy that drops events).
	ErrReliableConfig = errors.New("tiers: invalid reliable tier config")

	// ErrPermanent marks a handler's error as not worth retrying: a reliable route dead-letters
	// an event whose delivery failed with an error wrapping it at once, with ReasonPermanent.
	ErrPermanent = errors.New("tiers: permanent failure")

	// ErrCircuitOpen is the delivery error of an event that a circuit breaker refused
	// (WithCircuitBreaker); a reliable route with its own breaker spills instead.
	ErrCircuitOpen = errors.New("tiers: circuit open")

	// ErrRecord reports a log record that is not what the reliable tier writes (a record of
	// another type, or of the wrong size, in a spill or dead-letter log).
	ErrRecord = errors.New("tiers: malformed record")

	// ErrClosed reports a call on a reliable tier after Close.
	ErrClosed = errors.New("tiers: tier closed")

	// ErrNoRoute reports a route name the tier has never bound.
	ErrNoRoute = errors.New("tiers: no such route")
)
