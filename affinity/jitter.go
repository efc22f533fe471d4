package affinity

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"
)

// JitterConfig sets what MeasureJitter probes. The zero value is the
// default.
type JitterConfig struct {
	// CPUs to probe, one after the other; empty means the calling thread's
	// allowed set.
	CPUs CPUSet
	// Duration per CPU (default 1s).
	Duration time.Duration
	// Thresholds are the gap sizes counted as stalls, ascending (default
	// 1us, 10us, 1ms).
	Thresholds []time.Duration
	// Together probes every CPU at the same time instead of one after the
	// other: what a process whose pinned spinners fill the machine sees (a
	// host or kernel that needs a CPU must then take it from a spinner). It
	// raises GOMAXPROCS to one more than the CPUs probed while it runs.
	Together bool
}

// DefaultJitterDuration is the probe's time per CPU.
const DefaultJitterDuration = time.Second

// DefaultJitterThresholds returns the default stall thresholds: 1us, 10us
// and 1ms. It returns a new slice.
func DefaultJitterThresholds() []time.Duration {
	return []time.Duration{time.Microsecond, 10 * time.Microsecond, time.Millisecond}
}

// Validate rejects a negative duration and unordered or non-positive
// thresholds.
func (c JitterConfig) Validate() error {
	if c.Duration < 0 {
		return fmt.Errorf("affinity: jitter config: negative duration %v", c.Duration)
	}
	for i, t := range c.Thresholds {
		if t <= 0 || (i > 0 && t <= c.Thresholds[i-1]) {
			return fmt.Errorf("affinity: jitter config: thresholds must be positive and ascending, got %v", c.Thresholds)
		}
	}
	return nil
}

// Stalls counts the gaps above one threshold.
type Stalls struct {
	Threshold time.Duration `json:"threshold"`
	Count     int64         `json:"count"`
	PerSecond float64       `json:"per_second"`
}

// JitterResult is what a pinned spinner on one CPU saw: how often, and for
// how long at most, it was kept from running.
type JitterResult struct {
	CPU      int           `json:"cpu"`
	Pinned   bool          `json:"pinned"`
	Duration time.Duration `json:"duration"`
	Loops    int64         `json:"loops"`   // clock reads
	MaxGap   time.Duration `json:"max_gap"` // longest time between two reads
	Stalls   []Stalls      `json:"stalls"`  // one per threshold, ascending
	// Stalled is the time lost in gaps above the first threshold, and
	// StalledFraction that time over Duration: the share of events that a
	// latency-critical thread on this CPU would see delayed, at any rate.
	Stalled         time.Duration `json:"stalled"`
	StalledFraction float64       `json:"stalled_fraction"`
	Together        bool          `json:"together"` // probed while every other CPU was too
}

// MeasureJitter pins a spinner to each CPU in turn (as OpenHFT's
// MicroJitterSampler does) which reads the monotonic clock in a tight loop
// for cfg.Duration and counts the gaps between reads above each threshold:
// interrupts, other tasks, the Go runtime's own preemption (sysmon
// preempts a goroutine running for over 10ms), and on a VM the host. A quiet,
// isolated core shows almost none. It takes len(CPUs) * Duration (Duration
// with Together). Call it
// from a goroutine that is not pinned. Where pinning is unsupported the
// probe runs unpinned once and says so (Pinned false).
func MeasureJitter(cfg JitterConfig) ([]JitterResult, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Duration == 0 {
		cfg.Duration = DefaultJitterDuration
	}
	if len(cfg.Thresholds) == 0 {
		cfg.Thresholds = DefaultJitterThresholds()
	}
	cpus := cfg.CPUs
	if cpus.IsEmpty() {
		allowed, err := ThreadAllowed()
		switch {
		case errors.Is(err, ErrUnsupported):
			r := probe(-1, false, cfg)
			return []JitterResult{r}, nil
		case err != nil:
			return nil, err
		}
		cpus = allowed
	}
	if cfg.Together {
		return probeTogether(cpus.CPUs(), cfg)
	}
	var out []JitterResult
	for _, c := range cpus.CPUs() {
		r, err := probePinned(c, cfg)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// probeTogether runs probePinned on every CPU of cpus at once, with GOMAXPROCS raised so that
// the spinners, each holding a P, leave one for the runtime.
func probeTogether(cpus []int, cfg JitterConfig) ([]JitterResult, error) {
	prev := SetGOMAXPROCS(max(runtime.GOMAXPROCS(0), len(cpus)+1))
	defer SetGOMAXPROCS(prev)
	out := make([]JitterResult, len(cpus))
	errs := make([]error, len(cpus))
	var wg sync.WaitGroup
	for i, c := range cpus {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], errs[i] = probePinned(c, cfg)
			out[i].Together = true
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// probePinned runs probe on a fresh goroutine pinned to cpu.
func probePinned(cpu int, cfg JitterConfig) (JitterResult, error) {
	type result struct {
		r   JitterResult
		err error
	}
	done := make(chan result, 1)
	go func() {
		p, err := Pin(cpu)
		if err != nil {
			done <- result{err: err}
			return
		}
		r := probe(cpu, true, cfg)
		done <- result{r: r, err: p.Unpin()}
	}()
	res := <-done
	return res.r, res.err
}

// probe spins reading the clock for cfg.Duration.
func probe(cpu int, pinned bool, cfg JitterConfig) JitterResult {
	counts := make([]int64, len(cfg.Thresholds))
	first := cfg.Thresholds[0]
	start := time.Now()
	end := cfg.Duration
	prev := time.Duration(0)
	var maxGap, stalled time.Duration
	var loops int64
	for {
		now := time.Since(start) // monotonic
		loops++
		if gap := now - prev; gap > first {
			stalled += gap
			for i, t := range cfg.Thresholds {
				if gap > t {
					counts[i]++
				}
			}
			maxGap = max(maxGap, gap)
		} else if gap > maxGap {
			maxGap = gap
		}
		prev = now
		if now >= end {
			break
		}
	}
	elapsed := prev
	r := JitterResult{CPU: cpu, Pinned: pinned, Duration: elapsed, Loops: loops, MaxGap: maxGap, Stalled: stalled}
	if elapsed > 0 {
		r.StalledFraction = float64(stalled) / float64(elapsed)
	}
	for i, t := range cfg.Thresholds {
		r.Stalls = append(r.Stalls, Stalls{Threshold: t, Count: counts[i], PerSecond: float64(counts[i]) / elapsed.Seconds()})
	}
	return r
}
