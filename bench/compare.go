package bench

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// NoiseFloor is the smallest relative change Compare calls real: on a shared machine two runs
// of the same build differ by a few percent, and tails by more.
const NoiseFloor = 0.10

// Verdict says whether a change is beyond the noise, and which way.
type Verdict string

// Verdicts. Every compared figure is a cost (time per event, latency): lower is better.
const (
	Same   Verdict = "same"   // within the noise
	Better Verdict = "better" // lower beyond the noise
	Worse  Verdict = "worse"  // higher beyond the noise
)

// Change is one figure of one result, compared between two runs.
type Change struct {
	Name, Impl string
	Metric     string  // "ns/op", "p50" or "p99"
	Old, New   float64 // the figures (ns)
	Delta      float64 // New/Old - 1: +0.25 is 25% more
	Noise      float64 // the threshold |Delta| must pass: see Compare
	Verdict    Verdict
}

// Comparison is the outcome of Compare.
type Comparison struct {
	Changes []Change
	// OnlyOld and OnlyNew list the "scenario/impl" results present in one run only.
	OnlyOld, OnlyNew []string
	// Notes warn about differences that make the runs hard to compare (another machine,
	// another Go, another rate).
	Notes []string
}

// Compare compares every result present in both reports, figure by figure: ns/op (closed
// loop) and, where both runs measured latency, p50 and p99 (open loop). Tails beyond p99 are
// not compared: one run holds too few of them to tell a change from chance.
//
// A change is beyond the noise when |Delta| exceeds Noise = max(NoiseFloor, 2*s), where s is
// the larger of the two runs' relative spread of that figure (Result.Spread: (max - min) /
// median over the closed loop's repetitions, or over the open loop's segments). The runs'
// own repetitions say how much the figure moves with nothing changed; a change has to be
// twice that, and at least 10%, to count.
func Compare(old, new *Report) Comparison {
	var c Comparison
	for _, o := range old.Scenarios {
		n := new.Find(o.Name, o.Impl)
		if n == nil {
			c.OnlyOld = append(c.OnlyOld, o.Name+"/"+o.Impl)
			continue
		}
		c.Changes = append(c.Changes, change(o, *n, "ns/op", o.NsPerOp, n.NsPerOp, o.Spread.NsPerOp, n.Spread.NsPerOp))
		if o.Latency != nil && n.Latency != nil {
			c.Changes = append(c.Changes,
				change(o, *n, "p50", float64(o.Latency.P50), float64(n.Latency.P50), o.Spread.P50, n.Spread.P50),
				change(o, *n, "p99", float64(o.Latency.P99), float64(n.Latency.P99), o.Spread.P99, n.Spread.P99))
		}
	}
	for _, n := range new.Scenarios {
		if old.Find(n.Name, n.Impl) == nil {
			c.OnlyNew = append(c.OnlyNew, n.Name+"/"+n.Impl)
		}
	}
	om, nm := old.Machine, new.Machine
	if om.CPUBrand != nm.CPUBrand || om.CPUs != nm.CPUs {
		c.Notes = append(c.Notes, fmt.Sprintf("different machines: %d x %q against %d x %q", om.CPUs, om.CPUBrand, nm.CPUs, nm.CPUBrand))
	}
	if om.GoVersion != nm.GoVersion {
		c.Notes = append(c.Notes, fmt.Sprintf("different Go: %s against %s", om.GoVersion, nm.GoVersion))
	}
	if busy(old) || busy(new) {
		c.Notes = append(c.Notes, fmt.Sprintf("load average at the start: %.2f against %.2f on %d and %d CPUs: a busy machine moves every figure", om.LoadAvg, nm.LoadAvg, om.CPUs, nm.CPUs))
	}
	if old.Run.RatePerSec != new.Run.RatePerSec {
		c.Notes = append(c.Notes, fmt.Sprintf("different open-loop rates: %s against %s events/s: latencies are not comparable", fmtRate(old.Run.RatePerSec), fmtRate(new.Run.RatePerSec)))
	}
	return c
}

// busy reports whether r's machine had a load average above half its CPUs at the start.
func busy(r *Report) bool { return r.Machine.LoadAvg > float64(r.Machine.CPUs)/2 }

func change(o, n Result, metric string, ov, nv, os, ns float64) Change {
	ch := Change{Name: o.Name, Impl: o.Impl, Metric: metric, Old: ov, New: nv, Noise: math.Max(NoiseFloor, 2*math.Max(os, ns)), Verdict: Same}
	if ov > 0 {
		ch.Delta = nv/ov - 1
	}
	switch {
	case ov <= 0 || math.Abs(ch.Delta) <= ch.Noise:
	case ch.Delta < 0:
		ch.Verdict = Better
	default:
		ch.Verdict = Worse
	}
	return ch
}

// Regressions returns the changes that are Worse.
func (c Comparison) Regressions() []Change {
	var out []Change
	for _, ch := range c.Changes {
		if ch.Verdict == Worse {
			out = append(out, ch)
		}
	}
	return out
}

// WriteText writes the comparison as a table, one line per figure, then the notes.
func (c Comparison) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%-24s %-6s %10s %10s %8s %7s  %s\n", "scenario/impl", "figure", "old", "new", "change", "noise", "verdict")
	for _, ch := range c.Changes {
		old, new := fmt.Sprintf("%.1f", ch.Old), fmt.Sprintf("%.1f", ch.New)
		if ch.Metric != "ns/op" {
			old, new = fmtNs(int64(ch.Old)), fmtNs(int64(ch.New))
		}
		fmt.Fprintf(&b, "%-24s %-6s %10s %10s %8s %7s  %s\n", ch.Name+"/"+ch.Impl, ch.Metric, old, new, fmtChange(ch.Delta), fmtNoise(ch.Noise), ch.Verdict)
	}
	if len(c.OnlyOld) > 0 {
		fmt.Fprintf(&b, "only in the old run: %s\n", strings.Join(c.OnlyOld, ", "))
	}
	if len(c.OnlyNew) > 0 {
		fmt.Fprintf(&b, "only in the new run: %s\n", strings.Join(c.OnlyNew, ", "))
	}
	fmt.Fprintf(&b, "noise = max(%.0f%%, 2 x the larger run's spread of that figure); %d worse, %d better\n", 100*NoiseFloor, len(c.Regressions()), c.count(Better))
	for _, n := range c.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// fmtChange formats a relative change: +4.0%, or as a factor (x12, /12) when it is ten-fold or
// more.
func fmtChange(d float64) string {
	switch {
	case d >= 9:
		return fmt.Sprintf("x%.0f", d+1)
	case d <= -0.9:
		return fmt.Sprintf("/%.0f", 1/(d+1))
	}
	return fmt.Sprintf("%+.1f%%", 100*d)
}

// fmtNoise formats a noise threshold: 10%, or >999%.
func fmtNoise(n float64) string {
	if n >= 10 {
		return ">999%"
	}
	return fmt.Sprintf("%.0f%%", 100*n)
}

func (c Comparison) count(v Verdict) int {
	n := 0
	for _, ch := range c.Changes {
		if ch.Verdict == v {
			n++
		}
	}
	return n
}
