package bench

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// NoiseFloor is the smallest relative change Compare calls real: on a shared machine two runs
// of the same build differ by a few percent, and tails by more.
const NoiseFloor = 0.10

// Verdict says whether a change is beyond the noise, and which way.
type Verdict string

// Verdicts. Every compared figure is a cost (time per event, allocations, latency): lower is
// better.
const (
	Same   Verdict = "same"   // within the noise
	Better Verdict = "better" // lower beyond the noise
	Worse  Verdict = "worse"  // higher beyond the noise
)

// Change is one figure of one result, compared between two runs.
type Change struct {
	Name, Impl string
	Metric     string  // "ns/op", "allocs" (allocations per event), "p50" or "p99"
	Old, New   float64 // the figures (ns, or allocations per event)
	Delta      float64 // New/Old - 1: +0.25 is 25% more; 0 when Old is 0
	Noise      float64 // the threshold |Delta| must pass: see Compare; 0 for allocs
	Verdict    Verdict
}

// Comparison is the outcome of Compare.
type Comparison struct {
	Changes []Change
	// OnlyOld and OnlyNew list the "scenario/impl" results present in one run only.
	OnlyOld, OnlyNew []string
	// Notes warn about differences that make the runs hard to compare (another machine,
	// another Go, another duration, another rate).
	Notes []string
}

// Compare compares every result present in both reports, figure by figure: ns/op (closed
// loop), allocations per event where either run allocated, and, where both runs measured
// latency, p50 and p99 (open loop). Tails beyond p99 are not compared: one run holds too few
// of them to tell a change from chance.
//
// A change is beyond the noise when |Delta| exceeds Noise = max(NoiseFloor, 2*s), where s is
// the larger of the two runs' relative spread of that figure (Result.Spread: (max - min) /
// median over the closed loop's repetitions, or over the open loop's segments). The runs'
// own repetitions say how much the figure moves with nothing changed; a change has to be
// twice that, and at least 10%, to count.
//
// Allocations per event (Result.AllocsPerOp) are counted, not timed: they have no noise, and
// any increase is Worse (from 0 to 1 as much as from 3 to 4), any decrease Better.
//
// Notes name what makes the two runs hard to compare: another machine, another Go, a busy
// machine, another duration (a -quick run against a full one), another run-wide open-loop
// rate, and a scenario whose own open-loop rate (Result.Load.RatePerSec) differs.
func Compare(old, new *Report) Comparison {
	var c Comparison
	for _, o := range old.Scenarios {
		n := new.Find(o.Name, o.Impl)
		if n == nil {
			c.OnlyOld = append(c.OnlyOld, o.Name+"/"+o.Impl)
			continue
		}
		c.Changes = append(c.Changes, change(o, *n, "ns/op", o.NsPerOp, n.NsPerOp, o.Spread.NsPerOp, n.Spread.NsPerOp))
		if o.AllocsPerOp > 0 || n.AllocsPerOp > 0 {
			c.Changes = append(c.Changes, allocChange(o, *n))
		}
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
	if od, nd := old.Run.DurationNs, new.Run.DurationNs; od != nd {
		c.Notes = append(c.Notes, fmt.Sprintf("different durations: %s against %s per implementation (-quick, -duration): figures of runs of different lengths are not comparable", fmtDuration(od), fmtDuration(nd)))
	}
	runRate := old.Run.RatePerSec != new.Run.RatePerSec
	if runRate {
		c.Notes = append(c.Notes, fmt.Sprintf("different open-loop rates: %s against %s events/s: latencies are not comparable", fmtRate(old.Run.RatePerSec), fmtRate(new.Run.RatePerSec)))
	}
	c.Notes = append(c.Notes, scenarioRateNotes(old, new, runRate)...)
	return c
}

// scenarioRateNotes returns one note per scenario whose open loop ran at different rates in
// the two runs, leaving out a scenario that merely followed a change of the run-wide rate
// (runRate: the run-wide note already says so).
func scenarioRateNotes(old, new *Report, runRate bool) []string {
	type rates struct{ old, new float64 }
	var names []string
	diff := map[string][]rates{}
	for _, o := range old.Scenarios {
		n := new.Find(o.Name, o.Impl)
		if n == nil || o.Load == nil || n.Load == nil || o.Load.RatePerSec == n.Load.RatePerSec {
			continue
		}
		rr := rates{o.Load.RatePerSec, n.Load.RatePerSec}
		if runRate && rr == (rates{old.Run.RatePerSec, new.Run.RatePerSec}) {
			continue
		}
		if _, seen := diff[o.Name]; !seen {
			names = append(names, o.Name)
		}
		dup := false
		for _, d := range diff[o.Name] {
			dup = dup || d == rr
		}
		if !dup {
			diff[o.Name] = append(diff[o.Name], rr)
		}
	}
	var notes []string
	for _, name := range names {
		var parts []string
		for _, d := range diff[name] {
			parts = append(parts, fmt.Sprintf("%s against %s", fmtRate(d.old), fmtRate(d.new)))
		}
		notes = append(notes, fmt.Sprintf("%s: different open-loop rates: %s events/s: its latencies are not comparable", name, strings.Join(parts, ", ")))
	}
	return notes
}

// fmtDuration formats a run duration in nanoseconds: 300ms, 3s; "unknown" for none.
func fmtDuration(ns int64) string {
	if ns <= 0 {
		return "unknown"
	}
	return time.Duration(ns).String()
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

// allocChange compares the allocations per event of o and n: any increase is Worse, whatever
// the noise, since allocations are counted, not timed.
func allocChange(o, n Result) Change {
	ov, nv := float64(o.AllocsPerOp), float64(n.AllocsPerOp)
	ch := Change{Name: o.Name, Impl: o.Impl, Metric: "allocs", Old: ov, New: nv, Verdict: Same}
	if ov > 0 {
		ch.Delta = nv/ov - 1
	}
	switch {
	case nv > ov:
		ch.Verdict = Worse
	case nv < ov:
		ch.Verdict = Better
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
		delta, noise := fmtChange(ch.Delta), fmtNoise(ch.Noise)
		switch ch.Metric {
		case "ns/op":
		case "allocs":
			// Counted, not timed: the change is the difference in allocations, and no noise.
			old, new = fmt.Sprintf("%.0f", ch.Old), fmt.Sprintf("%.0f", ch.New)
			delta, noise = fmt.Sprintf("%+.0f", ch.New-ch.Old), "-"
		default:
			old, new = fmtNs(int64(ch.Old)), fmtNs(int64(ch.New))
		}
		fmt.Fprintf(&b, "%-24s %-6s %10s %10s %8s %7s  %s\n", ch.Name+"/"+ch.Impl, ch.Metric, old, new, delta, noise, ch.Verdict)
	}
	if len(c.OnlyOld) > 0 {
		fmt.Fprintf(&b, "only in the old run: %s\n", strings.Join(c.OnlyOld, ", "))
	}
	if len(c.OnlyNew) > 0 {
		fmt.Fprintf(&b, "only in the new run: %s\n", strings.Join(c.OnlyNew, ", "))
	}
	fmt.Fprintf(&b, "noise = max(%.0f%%, 2 x the larger run's spread of that figure); %d worse, %d better\n", 100*NoiseFloor, len(c.Regressions()), c.count(Better))
	for _, ch := range c.Changes {
		if ch.Metric == "allocs" {
			fmt.Fprintln(&b, "allocs = heap allocations per event: counted, not timed, so any increase is worse")
			break
		}
	}
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
