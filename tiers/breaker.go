package tiers

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// CircuitState is a circuit breaker's state; the values match engine/metrics' circuit states
// (closed 0, open 1, half-open 2).
type CircuitState int32

// Circuit states.
const (
	CircuitClosed   CircuitState = 0 // calls flow; failures are counted
	CircuitOpen     CircuitState = 1 // calls are refused until OpenDuration has passed
	CircuitHalfOpen CircuitState = 2 // a few probe calls decide whether to close or re-open
)

func (s CircuitState) String() string {
	switch s {
	case CircuitClosed:
		return "closed"
	case CircuitOpen:
		return "open"
	case CircuitHalfOpen:
		return "half-open"
	}
	return fmt.Sprintf("CircuitState(%d)", int32(s))
}

// ErrBreakerConfig is wrapped by BreakerConfig.Validate.
var ErrBreakerConfig = errors.New("tiers: invalid circuit breaker config")

// BreakerConfig configures a Breaker. Names follow gobreaker's where they exist.
type BreakerConfig struct {
	// FailureThreshold is how many consecutive failures open a closed circuit (default 5).
	FailureThreshold int
	// OpenDuration is how long an open circuit refuses calls before it lets probes through
	// (gobreaker's Timeout; default 60s, the plan's reset_timeout).
	OpenDuration time.Duration
	// HalfOpenProbes is how many calls a half-open circuit lets through; that many successes in
	// a row close it, any failure re-opens it (gobreaker's MaxRequests; default 1).
	HalfOpenProbes int
}

// DefaultBreakerConfig returns the defaults: 5 failures, 60 s open, 1 probe.
func DefaultBreakerConfig() BreakerConfig {
	return BreakerConfig{FailureThreshold: 5, OpenDuration: 60 * time.Second, HalfOpenProbes: 1}
}

// Validate reports a config that cannot work.
func (c BreakerConfig) Validate() error {
	switch {
	case c.FailureThreshold < 1:
		return fmt.Errorf("%w: failure_threshold %d must be >= 1", ErrBreakerConfig, c.FailureThreshold)
	case c.OpenDuration <= 0:
		return fmt.Errorf("%w: open_duration %v must be > 0", ErrBreakerConfig, c.OpenDuration)
	case c.HalfOpenProbes < 1:
		return fmt.Errorf("%w: half_open_probes %d must be >= 1", ErrBreakerConfig, c.HalfOpenProbes)
	}
	return nil
}

// Breaker is a circuit breaker: closed, open, half-open, as the plan's circuit_breaker and
// gobreaker define them. It is owned by one goroutine (the route's worker): Allow, Success and
// Failure must not be called concurrently. State may be read by any goroutine (for metrics).
// Time is passed in as nanoseconds on the caller's clock, so tests use fixed instants. No method
// allocates.
type Breaker struct {
	cfg       BreakerConfig
	state     atomic.Int32 // CircuitState; written by the owner, read by anyone
	failures  int          // consecutive failures while closed
	openUntil int64        // when an open circuit lets probes through
	probes    int          // probes let through while half-open
	successes int          // probe successes while half-open
	opened    uint64       // times the circuit opened
}

// NewBreaker returns a closed breaker, or the config's validation error.
func NewBreaker(cfg BreakerConfig) (*Breaker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Breaker{cfg: cfg}, nil
}

// State returns the current state; safe for concurrent use.
func (b *Breaker) State() CircuitState { return CircuitState(b.state.Load()) }

// Opened returns how many times the circuit has opened.
func (b *Breaker) Opened() uint64 { return b.opened }

// Allow reports whether a call may proceed at time now; a true answer must be followed by
// Success or Failure.
func (b *Breaker) Allow(now int64) bool {
	switch CircuitState(b.state.Load()) {
	case CircuitClosed:
		return true
	case CircuitOpen:
		if now < b.openUntil {
			return false
		}
		b.state.Store(int32(CircuitHalfOpen))
		b.probes, b.successes = 0, 0
	}
	if b.probes >= b.cfg.HalfOpenProbes {
		return false
	}
	b.probes++
	return true
}

// RetryAt returns when an open circuit will next allow a call (0 if it is not open).
func (b *Breaker) RetryAt() int64 {
	if CircuitState(b.state.Load()) != CircuitOpen {
		return 0
	}
	return b.openUntil
}

// Success records a successful call.
func (b *Breaker) Success(now int64) {
	switch CircuitState(b.state.Load()) {
	case CircuitClosed:
		b.failures = 0
	case CircuitHalfOpen:
		b.successes++
		if b.successes >= b.cfg.HalfOpenProbes {
			b.state.Store(int32(CircuitClosed))
			b.failures = 0
		}
	}
}

// Failure records a failed call at time now.
func (b *Breaker) Failure(now int64) {
	switch CircuitState(b.state.Load()) {
	case CircuitClosed:
		b.failures++
		if b.failures >= b.cfg.FailureThreshold {
			b.open(now)
		}
	case CircuitHalfOpen:
		b.open(now)
	}
}

func (b *Breaker) open(now int64) {
	b.state.Store(int32(CircuitOpen))
	b.openUntil = now + int64(b.cfg.OpenDuration)
	b.failures = 0
	b.opened++
}
