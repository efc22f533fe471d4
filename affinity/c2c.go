package affinity

import (
	"errors"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// ErrTimeout is returned when a measurement does not finish within its
// configured time (a peer that never ran, a CPU taken offline).
var ErrTimeout = errors.New("affinity: measurement timed out")

// Method is a core-to-core hand-off protocol.
type Method uint8

// Hand-off methods measured by MeasureC2C.
const (
	// MethodCAS bounces one cache line: each side waits for the counter
	// to reach its turn and advances it with compare-and-swap, so every
	// one-way hand-off is one transfer of the line's ownership.
	MethodCAS Method = iota + 1
	// MethodTwoLine is ring style: the initiator stores a sequence on its
	// line and the responder answers on a second line; each hand-off is a
	// store to an owned line plus a read miss on the other side, as a
	// producer's publish and a consumer's read are.
	MethodTwoLine
)

// String names the method ("cas", "two-line").
func (m Method) String() string {
	switch m {
	case MethodCAS:
		return "cas"
	case MethodTwoLine:
		return "two-line"
	}
	return fmt.Sprintf("Method(%d)", uint8(m))
}

// C2CConfig sets how much MeasureC2C and MeasureLimits measure. The zero
// value is the default.
type C2CConfig struct {
	// CPUs are the CPUs to measure between; empty means the calling
	// thread's allowed set.
	CPUs CPUSet
	// Samples per pair and method (default 100); median and p99 are over
	// samples.
	Samples int
	// RoundTrips per sample (default 500); a sample's value is its time
	// divided by 2*RoundTrips, the one-way latency.
	RoundTrips int
	// Timeout bounds one pair and method (default 2s); past it the
	// measurement stops with ErrTimeout instead of spinning on.
	Timeout time.Duration
}

// Defaults for C2CConfig.
const (
	DefaultC2CSamples    = 100
	DefaultC2CRoundTrips = 500
	DefaultC2CTimeout    = 2 * time.Second
)

// Validate rejects negative counts and durations.
func (c C2CConfig) Validate() error {
	if c.Samples < 0 || c.RoundTrips < 0 || c.Timeout < 0 {
		return fmt.Errorf("affinity: c2c config: negative samples (%d), round trips (%d) or timeout (%v)", c.Samples, c.RoundTrips, c.Timeout)
	}
	return nil
}

func (c C2CConfig) withDefaults() (C2CConfig, error) {
	if err := c.Validate(); err != nil {
		return c, err
	}
	if c.Samples == 0 {
		c.Samples = DefaultC2CSamples
	}
	if c.RoundTrips == 0 {
		c.RoundTrips = DefaultC2CRoundTrips
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultC2CTimeout
	}
	if c.CPUs.IsEmpty() {
		allowed, err := ThreadAllowed()
		if err != nil && !errors.Is(err, ErrUnsupported) {
			return c, err
		}
		if allowed.IsEmpty() {
			allowed = CPURange(0, runtime.NumCPU()-1)
		}
		c.CPUs = allowed
	}
	return c, nil
}

// Latency summarises one-way hand-off samples, in nanoseconds.
type Latency struct {
	MedianNs float64 `json:"median_ns"`
	P99Ns    float64 `json:"p99_ns"`
}

// PairLatency is the measured one-way latency between CPUs A and B (A < B;
// the hand-off is symmetric to within noise).
type PairLatency struct {
	A       int     `json:"a"`
	B       int     `json:"b"`
	CAS     Latency `json:"cas"`
	TwoLine Latency `json:"two_line"`
}

// Of returns the latency for method m.
func (p PairLatency) Of(m Method) Latency {
	if m == MethodTwoLine {
		return p.TwoLine
	}
	return p.CAS
}

// C2CMatrix is core-to-core latency for every pair of a set of CPUs.
type C2CMatrix struct {
	CPUs       []int         `json:"cpus"`
	Pinned     bool          `json:"pinned"`
	Samples    int           `json:"samples"`
	RoundTrips int           `json:"round_trips"`
	Pairs      []PairLatency `json:"pairs"` // (a, b) with a < b, in order
	Notes      []string      `json:"notes"`
}

// Pair returns the measurement between a and b in either order.
func (m *C2CMatrix) Pair(a, b int) (PairLatency, bool) {
	if a > b {
		a, b = b, a
	}
	for _, p := range m.Pairs {
		if p.A == a && p.B == b {
			return p, true
		}
	}
	return PairLatency{}, false
}

// MeasureC2C measures the one-way hand-off latency, by both methods, for
// every pair of cfg.CPUs, one pair at a time, each side pinned with Pin. It
// takes about Samples*RoundTrips*2 hand-offs per pair and method. With
// fewer than two CPUs there is nothing to measure and the matrix says so.
// It needs GOMAXPROCS >= 2 for meaningful figures and notes it otherwise.
// Call it from a goroutine that is not pinned.
func MeasureC2C(cfg C2CConfig) (*C2CMatrix, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	m := &C2CMatrix{CPUs: cfg.CPUs.CPUs(), Pinned: true, Samples: cfg.Samples, RoundTrips: cfg.RoundTrips, Pairs: []PairLatency{}, Notes: []string{}}
	if len(m.CPUs) < 2 {
		m.Pinned = false
		m.Notes = append(m.Notes, fmt.Sprintf("only CPUs %s allowed: no pair to measure", cfg.CPUs))
		return m, nil
	}
	if runtime.GOMAXPROCS(0) < 2 {
		m.Notes = append(m.Notes, "GOMAXPROCS < 2: the two sides take turns on one P and the figures are scheduler latency")
	}
	for i, a := range m.CPUs {
		for _, b := range m.CPUs[i+1:] {
			p, err := measurePair(a, b, true, cfg)
			if err != nil {
				return nil, err
			}
			m.Pairs = append(m.Pairs, p)
		}
	}
	return m, nil
}

// Limits is the machine's floor for a cross-core hand-off, measured between
// two CPUs: what no queue between those two CPUs can beat. Benchmarks quote
// their results against it.
type Limits struct {
	A      int  `json:"a"`
	B      int  `json:"b"`
	Pinned bool `json:"pinned"`
	// CASNs is the median one-way latency of a CAS hand-off on one line.
	CASNs    float64 `json:"cas_ns"`
	CASP99Ns float64 `json:"cas_p99_ns"`
	// TwoLineNs is the median one-way latency of a two-line (ring style)
	// hand-off.
	TwoLineNs    float64 `json:"two_line_ns"`
	TwoLineP99Ns float64 `json:"two_line_p99_ns"`
	// Note says why the figures may not be what they seem ("" if none).
	Note string `json:"note,omitempty"`
}

// MeasureLimits measures both hand-off methods between the first two of
// cfg.CPUs (by default the allowed set), pinned. With only one CPU it
// measures two unpinned goroutines instead and says so in Note: the figure
// is then the scheduler's, not the cache's. Call it from a goroutine that is
// not pinned. With the default configuration it takes tens of milliseconds.
func MeasureLimits(cfg C2CConfig) (Limits, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return Limits{}, err
	}
	cpus := cfg.CPUs.CPUs()
	a, b, pinned := cpus[0], cpus[0], len(cpus) >= 2
	if pinned {
		b = cpus[1]
	}
	p, err := measurePair(a, b, pinned, cfg)
	if err != nil {
		return Limits{}, err
	}
	l := Limits{A: a, B: b, Pinned: pinned, CASNs: p.CAS.MedianNs, CASP99Ns: p.CAS.P99Ns, TwoLineNs: p.TwoLine.MedianNs, TwoLineP99Ns: p.TwoLine.P99Ns}
	if !pinned {
		l.Note = fmt.Sprintf("only CPU %d allowed: measured two unpinned goroutines taking turns on it", a)
	} else if runtime.GOMAXPROCS(0) < 2 {
		l.Note = "GOMAXPROCS < 2: the two sides take turns on one P"
	}
	return l, nil
}

func measurePair(a, b int, pinned bool, cfg C2CConfig) (PairLatency, error) {
	p := PairLatency{A: a, B: b}
	var err error
	if p.CAS, err = measureHandoff(MethodCAS, a, b, pinned, cfg); err != nil {
		return p, err
	}
	if p.TwoLine, err = measureHandoff(MethodTwoLine, a, b, pinned, cfg); err != nil {
		return p, err
	}
	return p, nil
}

// paddedWord is a word alone on its cache line (and the adjacent-line
// prefetcher's pair): 128 bytes of padding on each side, whatever the
// allocation's alignment.
type paddedWord struct {
	_ [128]byte
	v atomic.Uint64
	_ [128]byte
}

// handoff is the shared state of one measurement.
type handoff struct {
	line     paddedWord // MethodCAS: the counter both sides advance
	ping     paddedWord // MethodTwoLine: written by the initiator
	pong     paddedWord // MethodTwoLine: written by the responder
	abort    atomic.Bool
	deadline time.Time
}

// spinner bounds wait loops. A wait that spins patience times in a row
// yields to the Go scheduler (so that unpinned or GOMAXPROCS=1 runs still
// progress) and checks the abort flag and the deadline. Pinned sides are
// patient (a hand-off takes hundreds of spins, and a yield by a locked
// goroutine costs microseconds of futex hand-offs); unpinned ones, which
// may share a CPU with their peer, yield almost at once.
type spinner struct {
	h        *handoff
	patience uint32 // a power of two
}

func newSpinner(h *handoff, pinned bool) spinner {
	if pinned {
		return spinner{h: h, patience: 1 << 14}
	}
	return spinner{h: h, patience: 1 << 6}
}

// spin is called with the number of failed checks so far in this wait.
func (s spinner) spin(n uint32) error {
	if n&(s.patience-1) != s.patience-1 {
		return nil
	}
	return s.slow()
}

func (s spinner) slow() error {
	if s.h.abort.Load() {
		return errAborted
	}
	if time.Now().After(s.h.deadline) {
		s.h.abort.Store(true)
		return ErrTimeout
	}
	runtime.Gosched()
	return nil
}

var errAborted = errors.New("affinity: peer aborted")

// measureHandoff runs one method between a (initiator) and b (responder)
// and returns one-way latency over cfg.Samples samples.
func measureHandoff(m Method, a, b int, pinned bool, cfg C2CConfig) (Latency, error) {
	h := &handoff{deadline: time.Now().Add(cfg.Timeout)}
	samples := make([]float64, cfg.Samples)
	total := uint64(cfg.Samples+1) * uint64(cfg.RoundTrips) // one warm-up sample
	var wg sync.WaitGroup
	var errA, errB error
	wg.Add(2)
	go func() {
		defer wg.Done()
		errB = runSide(h, pinned, b, func() error { return respond(m, h, newSpinner(h, pinned), total) })
	}()
	go func() {
		defer wg.Done()
		errA = runSide(h, pinned, a, func() error { return initiate(m, h, newSpinner(h, pinned), samples, cfg.RoundTrips) })
	}()
	wg.Wait()
	for _, err := range []error{errA, errB} {
		if err != nil && !errors.Is(err, errAborted) {
			return Latency{}, fmt.Errorf("affinity: c2c %s between cpu %d and %d: %w", m, a, b, err)
		}
	}
	if errA != nil || errB != nil {
		return Latency{}, fmt.Errorf("affinity: c2c %s between cpu %d and %d: %w", m, a, b, errAborted)
	}
	return summarise(samples), nil
}

// runSide pins the calling goroutine to cpu (if pinned), runs f, unpins.
// On any failure it raises the abort flag so the other side stops.
func runSide(h *handoff, pinned bool, cpu int, f func() error) (err error) {
	defer func() {
		if err != nil {
			h.abort.Store(true)
		}
	}()
	if pinned {
		p, err := Pin(cpu)
		if err != nil {
			return err
		}
		defer func() {
			if uerr := p.Unpin(); uerr != nil && err == nil {
				err = uerr
			}
		}()
	}
	return f()
}

// initiate drives the hand-offs and times every RoundTrips of them.
func initiate(m Method, h *handoff, s spinner, samples []float64, roundTrips int) error {
	var k uint64
	if m == MethodCAS {
		// The first CAS waits for nobody; time starts after it.
		h.line.v.Store(1)
	}
	prev := time.Now()
	for i := -1; i < len(samples); i++ {
		for range roundTrips {
			k++
			switch m {
			case MethodCAS:
				for n := uint32(0); !h.line.v.CompareAndSwap(2*k, 2*k+1); n++ {
					if err := s.spin(n); err != nil {
						return err
					}
				}
			case MethodTwoLine:
				h.ping.v.Store(k)
				for n := uint32(0); h.pong.v.Load() != k; n++ {
					if err := s.spin(n); err != nil {
						return err
					}
				}
			}
		}
		now := time.Now()
		if i >= 0 {
			samples[i] = float64(now.Sub(prev).Nanoseconds()) / float64(2*roundTrips)
		}
		prev = now
		if now.After(h.deadline) {
			h.abort.Store(true)
			return ErrTimeout
		}
	}
	return nil
}

// respond answers total hand-offs.
func respond(m Method, h *handoff, s spinner, total uint64) error {
	for k := uint64(0); k < total; k++ {
		switch m {
		case MethodCAS:
			for n := uint32(0); !h.line.v.CompareAndSwap(2*k+1, 2*k+2); n++ {
				if err := s.spin(n); err != nil {
					return err
				}
			}
		case MethodTwoLine:
			for n := uint32(0); h.ping.v.Load() != k+1; n++ {
				if err := s.spin(n); err != nil {
					return err
				}
			}
			h.pong.v.Store(k + 1)
		}
	}
	return nil
}

// summarise sorts samples in place and returns median and p99.
func summarise(samples []float64) Latency {
	if len(samples) == 0 {
		return Latency{}
	}
	sort.Float64s(samples)
	return Latency{MedianNs: round1(percentile(samples, 50)), P99Ns: round1(percentile(samples, 99))}
}

// percentile returns the nearest-rank percentile of sorted values.
func percentile(sorted []float64, p float64) float64 {
	rank := int(float64(len(sorted))*p/100+0.999999) - 1
	rank = max(0, min(rank, len(sorted)-1))
	return sorted[rank]
}

func round1(v float64) float64 { return float64(int64(v*10+0.5)) / 10 }
