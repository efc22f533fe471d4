package tiers

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// ErrRetryConfig is wrapped by RetryConfig.Validate.
var ErrRetryConfig = errors.New("tiers: invalid retry config")

// RetryConfig is a reliable route's retry policy: exponential backoff with jitter. Names follow
// Watermill's Retry middleware.
type RetryConfig struct {
	// MaxRetries is how many times a failed delivery is retried before the event is dead-lettered
	// (attempts = MaxRetries + 1; default 3, the plan's retry_count).
	MaxRetries int
	// InitialInterval is the delay before the first retry (default 100ms).
	InitialInterval time.Duration
	// MaxInterval caps the delay (default 10s).
	MaxInterval time.Duration
	// Multiplier grows the delay after each retry (default 2).
	Multiplier float64
	// RandomizationFactor spreads each delay uniformly over [d*(1-f), d*(1+f)] (default 0.5;
	// 0 disables jitter).
	RandomizationFactor float64
}

// DefaultRetryConfig returns the defaults: 3 retries, 100ms initial, x2, 10s cap, 50% jitter.
func DefaultRetryConfig() RetryConfig {
	return RetryConfig{MaxRetries: 3, InitialInterval: 100 * time.Millisecond, MaxInterval: 10 * time.Second,
		Multiplier: 2, RandomizationFactor: 0.5}
}

// Validate reports a policy that cannot work.
func (c RetryConfig) Validate() error {
	switch {
	case c.MaxRetries < 0:
		return fmt.Errorf("%w: max_retries %d must be >= 0", ErrRetryConfig, c.MaxRetries)
	case c.InitialInterval < 0:
		return fmt.Errorf("%w: initial_interval %v must be >= 0", ErrRetryConfig, c.InitialInterval)
	case c.MaxInterval < c.InitialInterval:
		return fmt.Errorf("%w: max_interval %v is below initial_interval %v", ErrRetryConfig, c.MaxInterval, c.InitialInterval)
	case c.Multiplier < 1:
		return fmt.Errorf("%w: multiplier %v must be >= 1", ErrRetryConfig, c.Multiplier)
	case c.RandomizationFactor < 0 || c.RandomizationFactor > 1:
		return fmt.Errorf("%w: randomization_factor %v must be in [0, 1]", ErrRetryConfig, c.RandomizationFactor)
	}
	return nil
}

// Delay returns the delay before retry number retry (1 for the first retry), jittered by r, a
// uniform random number in [0, 1). It is a pure function: the caller owns the randomness.
func (c RetryConfig) Delay(retry int, r float64) time.Duration {
	d := float64(c.InitialInterval) * math.Pow(c.Multiplier, float64(max(retry-1, 0)))
	d = min(d, float64(c.MaxInterval))
	if f := c.RandomizationFactor; f > 0 {
		d = d * (1 - f + 2*f*r)
	}
	return time.Duration(d)
}

// Rand is a small, fast, non-cryptographic random source (xorshift64*) for jitter, owned by one
// goroutine. The zero value is seeded with a fixed constant.
type Rand struct{ s uint64 }

// NewRand returns a source seeded with seed (0 is replaced by a fixed constant).
func NewRand(seed uint64) *Rand { return &Rand{s: seed} }

// Float64 returns a uniform number in [0, 1).
func (r *Rand) Float64() float64 {
	if r.s == 0 {
		r.s = 0x9E3779B97F4A7C15
	}
	r.s ^= r.s >> 12
	r.s ^= r.s << 25
	r.s ^= r.s >> 27
	return float64((r.s*0x2545F4914F6CDD1D)>>11) / (1 << 53)
}
