package bench

import (
	"encoding/json"
	"fmt"
	"io"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// SchemaVersion is the version of the results.json schema that Report marshals to; it changes
// only when a field changes meaning or disappears (fields may be added).
const SchemaVersion = 1

// Report is the outcome of one Run: the machine, the core-to-core limit measured in the same
// run, and one Result per (scenario, implementation). Its JSON form is results.json, documented
// in docs/benchmarks.md. A Report is plain data, safe for concurrent reading.
type Report struct {
	Schema    int      `json:"schema"`
	Machine   Machine  `json:"machine"`
	Limits    Limits   `json:"limits"`
	Run       RunInfo  `json:"run"`
	Scenarios []Result `json:"scenarios"`
	Notes     []string `json:"notes,omitempty"`
}

// Machine describes where the run happened.
type Machine struct {
	CPUs        int    `json:"cpus"`       // runtime.NumCPU
	GOMAXPROCS  int    `json:"gomaxprocs"` // during the run
	GoVersion   string `json:"go_version"`
	CPUBrand    string `json:"cpu_brand"`
	OS          string `json:"os"`
	Arch        string `json:"arch"`
	Hypervisor  string `json:"hypervisor,omitempty"` // "" on bare metal
	AllowedCPUs []int  `json:"allowed_cpus"`         // the CPUs the process may run on
	Clock       string `json:"clock"`                // the open loop's clock: tsc or monotonic
	ClockNote   string `json:"clock_note,omitempty"` // why that clock
	// LoadAvg is the one-minute load average when the run started (Linux), 0 where unknown:
	// other work on the machine moves every figure, tails first.
	LoadAvg float64 `json:"load_avg"`
}

// Limits are the floors measured at the start of the run. The core-to-core hand-off limit
// (affinity.MeasureLimits, median and p99 one-way latency in nanoseconds) is what no queue
// between two cores can beat. The harness floor is the open loop's own cost: the latency of
// an event that a producer delivers to the Sink itself, with no hand-off (a clock read on
// each side and the pacing in between); every open-loop latency includes it.
type Limits struct {
	C2CCASNs        float64 `json:"c2c_cas_ns"`
	C2CCASP99Ns     float64 `json:"c2c_cas_p99_ns"`
	C2CTwoLineNs    float64 `json:"c2c_two_line_ns"`
	C2CTwoLineP99Ns float64 `json:"c2c_two_line_p99_ns"`
	CPUs            [2]int  `json:"cpus"`   // the two CPUs measured between
	Pinned          bool    `json:"pinned"` // false: one CPU only, two goroutines took turns
	HarnessP50Ns    int64   `json:"harness_p50_ns"`
	HarnessP99Ns    int64   `json:"harness_p99_ns"`
	Note            string  `json:"note,omitempty"`
	// C2CCASEndNs and C2CTwoLineEndNs are the same limit measured again after the last
	// scenario. A VM's host can move its vCPUs during a run, and the limit with them (this
	// project's VM switches between about 45 and 250 ns two-line); when the two measurements
	// disagree the report says so, and ratios to the limit mean little for that run.
	C2CCASEndNs     float64 `json:"c2c_cas_end_ns,omitempty"`
	C2CTwoLineEndNs float64 `json:"c2c_two_line_end_ns,omitempty"`
}

// limitDrift is how far apart (as a ratio) the limit measured at the start and at the end of a
// run may be before the report warns that the host changed state.
const limitDrift = 1.5

// RunInfo is the configuration the run used.
type RunInfo struct {
	DurationNs int64   `json:"duration_ns"`  // per implementation, both phases
	RatePerSec float64 `json:"rate_per_sec"` // the open loop's rate
	Reps       int     `json:"reps"`         // closed-loop repetitions, open-loop segments
}

// Result is the measurement of one implementation of one scenario.
//
// Throughput comes from the closed loop: NsPerOp is the median over the repetitions of the
// wall time per event (one event published and delivered; a multicast event counts once),
// OpsPerSec its inverse. Latency comes from the open loop, measured from each event's intended
// send time. AllocsPerOp is heap allocations per event over both phases, truncated as go test
// truncates allocs/op; Allocs is the untruncated total; AllocsClosed and AllocsOpen are each
// phase's allocations per event, untruncated.
type Result struct {
	Name     string `json:"name"`
	Impl     string `json:"impl"`
	Baseline string `json:"baseline"` // the implementation RatioToBaseline compares with

	Ops         int64   `json:"ops"` // closed-loop events over all repetitions
	OpsPerSec   float64 `json:"ops_per_sec"`
	NsPerOp     float64 `json:"ns_per_op"`
	AllocsPerOp int64   `json:"allocs_per_op"`
	Allocs      uint64  `json:"allocs"`
	// AllocsClosed and AllocsOpen are the allocations per event of each phase, not
	// truncated: the closed loop's events outnumber the open loop's a hundredfold, so an
	// allocation per event in the open loop alone would vanish from AllocsPerOp.
	AllocsClosed float64 `json:"allocs_per_op_closed"`
	AllocsOpen   float64 `json:"allocs_per_op_open"`

	Latency *Latency `json:"latency_ns,omitempty"` // nil when not measured
	Load    *Load    `json:"load,omitempty"`       // the open loop's load; nil when not run
	Spread  Spread   `json:"spread"`

	// RatioToBaseline is NsPerOp divided by the baseline's NsPerOp: 0.5 is twice as fast.
	RatioToBaseline float64 `json:"ratio_to_baseline,omitempty"`
	// RatioToC2C is Latency.P50 divided by Limits.C2CTwoLineNs: how many core-to-core
	// hand-offs the median event costs.
	RatioToC2C float64 `json:"ratio_to_c2c,omitempty"`

	Notes []string `json:"notes,omitempty"`

	// hist is the open loop's latency histogram (the recorded part), for .hgrm files and
	// plots; a Report read back from JSON has none.
	hist *hdrhistogram.Histogram
}

// Latency summarises the open loop's latencies, in nanoseconds: HDR histogram percentiles
// (3 significant digits), the exact maximum, the count and the mean.
type Latency struct {
	Count int64   `json:"count"`
	Mean  float64 `json:"mean"`
	P50   int64   `json:"p50"`
	P90   int64   `json:"p90"`
	P99   int64   `json:"p99"`
	P999  int64   `json:"p99_9"`
	P9999 int64   `json:"p99_99"`
	Max   int64   `json:"max"`
}

// Load is what the open loop asked for and got.
type Load struct {
	RatePerSec     float64 `json:"rate_per_sec"`     // the schedule's rate
	AchievedPerSec float64 `json:"achieved_per_sec"` // events sent / time to send them
	Sent           int64   `json:"sent"`             // events sent, warm-up included
	// Unsent is how many scheduled events were never sent because the producers were still
	// behind when the phase's hard end came: the implementation could not sustain the rate.
	// They are in the percentiles at a lower bound of their latency (when the producer gave
	// up, minus their intended time), which makes the percentiles lower bounds too.
	Unsent int64 `json:"unsent"`
	Pinned bool  `json:"pinned"`         // producers and consumers each on their own CPU
	CPUs   []int `json:"cpus,omitempty"` // producers' CPUs, then consumers', when pinned
}

// Spread is the relative spread, (max - min) / median, of a figure over the closed loop's
// repetitions (NsPerOp) or the open loop's segments (P50, P99): the run's own noise, which
// Compare uses to tell a change from noise.
type Spread struct {
	NsPerOp float64 `json:"ns_per_op"`
	P50     float64 `json:"p50"`
	P99     float64 `json:"p99"`
}

// Histogram returns the open loop's latency histogram, or nil when the result has none (no
// open loop, or read back from JSON).
func (r *Result) Histogram() *hdrhistogram.Histogram { return r.hist }

// Find returns the result for (name, impl), or nil.
func (r *Report) Find(name, impl string) *Result {
	for i := range r.Scenarios {
		if r.Scenarios[i].Name == name && r.Scenarios[i].Impl == impl {
			return &r.Scenarios[i]
		}
	}
	return nil
}

// WriteJSON writes r as indented JSON (results.json).
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("bench: writing results: %w", err)
	}
	return nil
}

// ReadReport reads a results.json written by WriteJSON. Errors wrap ErrSchema when the input
// is JSON but not a report of a schema this package reads.
func ReadReport(rd io.Reader) (*Report, error) {
	var r Report
	dec := json.NewDecoder(rd)
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("bench: reading results: %w", err)
	}
	if r.Schema != SchemaVersion {
		return nil, fmt.Errorf("%w: schema %d, want %d", ErrSchema, r.Schema, SchemaVersion)
	}
	return &r, nil
}
