package metrics

import (
	"fmt"
	"time"
)

// Histogram defaults. The lowest discernible value is always 1 ns.
const (
	// DefaultHighestNs is the largest latency a histogram tracks unless
	// configured otherwise: one minute. Larger values are clamped to it and
	// counted (Snapshot.Clamped).
	DefaultHighestNs = int64(time.Minute)
	// DefaultDigits is the default number of significant decimal digits a
	// histogram keeps: 3, that is a relative error under 0.1%.
	DefaultDigits = 3
	// DefaultWorkers is the number of writer slots per route when
	// Config.Workers is zero.
	DefaultWorkers = 1
	// MaxWorkers bounds Config.Workers.
	MaxWorkers = 4096
)

// HistogramConfig is the range and precision of every histogram a Recorder
// keeps. The zero value means the defaults.
//
// Memory: one histogram of 3 digits up to one minute is about 216 KiB
// (2 digits: about 30 KiB); a Recorder keeps four (active, spare, interval,
// since start), so about 0.9 MiB at the defaults.
type HistogramConfig struct {
	// HighestNs is the largest value tracked, in nanoseconds; larger values
	// are clamped to it and counted. Zero means DefaultHighestNs.
	HighestNs int64
	// Digits is the number of significant decimal digits, 1 to 5. Zero
	// means DefaultDigits.
	Digits int
}

// withDefaults returns c with zero fields replaced by their defaults.
func (c HistogramConfig) withDefaults() HistogramConfig {
	if c.HighestNs == 0 {
		c.HighestNs = DefaultHighestNs
	}
	if c.Digits == 0 {
		c.Digits = DefaultDigits
	}
	return c
}

// Validate reports whether c, after defaults, is usable: HighestNs at least
// 2 and Digits within 1..5. Errors wrap ErrConfig.
func (c HistogramConfig) Validate() error {
	c = c.withDefaults()
	if c.HighestNs < 2 {
		return fmt.Errorf("%w: HistogramConfig.HighestNs = %d, want >= 2", ErrConfig, c.HighestNs)
	}
	if c.Digits < 1 || c.Digits > 5 {
		return fmt.Errorf("%w: HistogramConfig.Digits = %d, want 1..5", ErrConfig, c.Digits)
	}
	return nil
}

// Config configures a Registry. The zero value means the defaults: one
// worker per route and the default histogram.
type Config struct {
	// Workers is the number of writer slots each route gets: one Recorder
	// and one Counters per worker. Zero means DefaultWorkers.
	Workers int
	// Histogram is the range and precision of every Recorder.
	Histogram HistogramConfig
}

// withDefaults returns c with zero fields replaced by their defaults.
func (c Config) withDefaults() Config {
	if c.Workers == 0 {
		c.Workers = DefaultWorkers
	}
	c.Histogram = c.Histogram.withDefaults()
	return c
}

// Validate reports whether c, after defaults, is usable. Errors wrap
// ErrConfig and name the field.
func (c Config) Validate() error {
	c = c.withDefaults()
	if c.Workers < 1 || c.Workers > MaxWorkers {
		return fmt.Errorf("%w: Config.Workers = %d, want 1..%d", ErrConfig, c.Workers, MaxWorkers)
	}
	return c.Histogram.Validate()
}
