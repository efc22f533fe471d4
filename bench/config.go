package bench

import (
	"fmt"
	"time"

	"github.com/hotpath-go/hotpath/affinity"
)

// Defaults of Config.
const (
	// DefaultDuration is how long each implementation is measured (both phases): with the
	// suite's 31 implementations it takes a little over a minute.
	DefaultDuration = 2 * time.Second
	// QuickDuration is QuickConfig's duration: the suite's 31 implementations in about 7 s, so
	// that a check may build the CLI and run it twice within 20 s.
	QuickDuration = 200 * time.Millisecond
	// DefaultRate is the open loop's rate, in events per second over all producers.
	DefaultRate = 100_000
	// DefaultReps is the number of closed-loop repetitions and of open-loop segments.
	DefaultReps = 3
	// MaxRate bounds Config.Rate: 1e9 events/s is one per nanosecond.
	MaxRate = 1e9
)

// Config says what Run measures and for how long. The zero value means the defaults (see
// DefaultConfig); Validate rejects negative values.
type Config struct {
	// Duration is how long each implementation is measured: a third in the closed loop
	// (split over Reps repetitions, plus calibration), two thirds in the open loop (the first
	// tenth of it, at most 200 ms, a warm-up that is not recorded). 0 means DefaultDuration.
	Duration time.Duration
	// Rate is the open loop's rate in events per second, over all producers. 0 means
	// DefaultRate.
	Rate float64
	// Reps is the number of closed-loop repetitions and open-loop segments whose spread
	// defines a result's noise. 0 means DefaultReps.
	Reps int
	// Scenarios names the scenarios to run, in the suite's order; empty means all.
	Scenarios []string
	// NoPin disables pinning the open loop's goroutines.
	NoPin bool
	// CPUs, when set, are the CPUs the open loop pins its goroutines to, in order: producers
	// first, then consumers (a scenario pins only when there is one for each). Empty means
	// the two CPUs the core-to-core limit is measured between, then the other allowed CPUs.
	// `hotpath tune` sets it to each placement it compares. Ignored with NoPin.
	CPUs []int
	// Limits configures the core-to-core measurement (affinity.MeasureLimits); the zero value
	// is affinity's default.
	Limits affinity.C2CConfig
	// Clock paces and stamps the open loop; nil means metrics.NewClock(metrics.ClockAuto).
	Clock Clock
	// Progress, when set, is called from Run's goroutine before each phase and once at the
	// end (Done == Total).
	Progress func(Progress)
}

// Progress says how far Run is.
type Progress struct {
	Done, Total int    // phases finished, phases in all
	Scenario    string // the scenario measured next
	Impl        string // its implementation
	Phase       string // "limits", "closed loop" or "open loop"; "" at the end
}

// DefaultConfig returns the configuration `hotpath` runs with no flags.
func DefaultConfig() Config {
	return Config{Duration: DefaultDuration, Rate: DefaultRate, Reps: DefaultReps}
}

// QuickConfig returns the configuration of `hotpath -quick`: every scenario, shorter.
func QuickConfig() Config {
	c := DefaultConfig()
	c.Duration = QuickDuration
	return c
}

// Validate reports whether c is usable. Errors wrap ErrConfig and name the field.
func (c Config) Validate() error {
	switch {
	case c.Duration < 0:
		return fmt.Errorf("%w: Duration %v is negative", ErrConfig, c.Duration)
	case c.Rate < 0 || c.Rate > MaxRate || c.Rate != c.Rate:
		return fmt.Errorf("%w: Rate %g: want 0 < rate <= %g events/s", ErrConfig, c.Rate, float64(MaxRate))
	case c.Reps < 0 || c.Reps > 100:
		return fmt.Errorf("%w: Reps %d: want 1..100", ErrConfig, c.Reps)
	}
	seen := map[int]bool{}
	for i, cpu := range c.CPUs {
		if cpu < 0 || seen[cpu] {
			return fmt.Errorf("%w: CPUs[%d] = %d: want distinct CPU numbers >= 0", ErrConfig, i, cpu)
		}
		seen[cpu] = true
	}
	return c.Limits.Validate()
}

// withDefaults returns c with zero fields replaced by the defaults.
func (c Config) withDefaults() Config {
	if c.Duration == 0 {
		c.Duration = DefaultDuration
	}
	if c.Rate == 0 {
		c.Rate = DefaultRate
	}
	if c.Reps == 0 {
		c.Reps = DefaultReps
	}
	return c
}

// closedShare and openShare split Duration between the phases; warmup is the open loop's
// unrecorded start.
func (c Config) closedShare() time.Duration { return c.Duration / 3 }
func (c Config) openShare() time.Duration   { return c.Duration - c.closedShare() }
func (c Config) warmup() time.Duration      { return min(c.openShare()/10, 200*time.Millisecond) }
