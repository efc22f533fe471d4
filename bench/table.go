package bench

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteTable writes r as the suite's text table: a header with the machine and the
// core-to-core limit, one row per result (scenario, implementation, throughput, allocations,
// latency percentiles, ratio to the baseline's ns/op and of the median latency to the
// two-line core-to-core limit), then the results' notes.
func (r *Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	m := r.Machine
	fmt.Fprintf(&b, "hotpath suite: %d CPUs (%s), GOMAXPROCS %d, %s %s/%s", m.CPUs, orDash(m.CPUBrand), m.GOMAXPROCS, m.GoVersion, m.OS, m.Arch)
	if m.Hypervisor != "" {
		fmt.Fprintf(&b, ", %s guest", m.Hypervisor)
	}
	fmt.Fprintf(&b, "; clock %s\n", orDash(m.Clock))
	l := r.Limits
	pin := "pinned"
	if !l.Pinned {
		pin = "not pinned"
	}
	fmt.Fprintf(&b, "core-to-core limit, CPUs %d-%d (%s): CAS %.1f ns, two-line %.1f ns one way (median)", l.CPUs[0], l.CPUs[1], pin, l.C2CCASNs, l.C2CTwoLineNs)
	if l.C2CTwoLineEndNs > 0 {
		fmt.Fprintf(&b, "; at the end %.1f / %.1f ns", l.C2CCASEndNs, l.C2CTwoLineEndNs)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "harness floor (open loop, no hand-off): p50 %s, p99 %s\n", fmtNs(l.HarnessP50Ns), fmtNs(l.HarnessP99Ns))
	fmt.Fprintf(&b, "per implementation: closed loop %d reps, then open loop at %s events/s (latency from intended send time)\n\n",
		r.Run.Reps, fmtRate(r.Run.RatePerSec))
	fmt.Fprintf(&b, "%-19s %-12s %8s %7s %6s %8s %8s %8s %8s %8s %4s %8s %7s\n",
		"scenario", "impl", "Mev/s", "ns/op", "allocs", "p50", "p99", "p99.9", "p99.99", "max", "pin", "vs base", "vs c2c")
	var notes []string
	for _, s := range r.Scenarios {
		p50, p99, p999, p9999, mx, pinned := "-", "-", "-", "-", "-", "-"
		if s.Latency != nil {
			p50, p99, p999, p9999, mx = fmtNs(s.Latency.P50), fmtNs(s.Latency.P99), fmtNs(s.Latency.P999), fmtNs(s.Latency.P9999), fmtNs(s.Latency.Max)
		}
		if s.Load != nil {
			pinned = "no"
			if s.Load.Pinned {
				pinned = "yes"
			}
		}
		fmt.Fprintf(&b, "%-19s %-12s %8.2f %7.1f %6d %8s %8s %8s %8s %8s %4s %8s %7s\n",
			s.Name, s.Impl, s.OpsPerSec/1e6, s.NsPerOp, s.AllocsPerOp, p50, p99, p999, p9999, mx, pinned,
			fmtRatio(s.RatioToBaseline), fmtRatio(s.RatioToC2C))
		for _, n := range s.Notes {
			notes = append(notes, s.Name+"/"+s.Impl+": "+n)
		}
	}
	b.WriteString("\nvs base: ns/op over the baseline's (chan for the rings; lower is faster); vs c2c: p50 over the two-line limit\n")
	for _, n := range append(r.Notes, notes...) {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// fmtNs formats a latency in nanoseconds with a unit that keeps it short: 850ns, 12.3us,
// 4.5ms, 1.20s.
func fmtNs(ns int64) string {
	switch {
	case ns < 1_000:
		return fmt.Sprintf("%dns", ns)
	case ns < 1_000_000:
		return fmt.Sprintf("%.1fus", float64(ns)/1e3)
	case ns < 1_000_000_000:
		return fmt.Sprintf("%.1fms", float64(ns)/1e6)
	}
	return fmt.Sprintf("%.2fs", float64(ns)/1e9)
}

// fmtAxisNs formats an axis tick in nanoseconds with as few digits as it needs: 500ns, 1us,
// 2.5us, 10ms.
func fmtAxisNs(v float64) string {
	switch {
	case v < 1e3:
		return strconv.FormatFloat(v, 'g', 4, 64) + "ns"
	case v < 1e6:
		return strconv.FormatFloat(v/1e3, 'g', 4, 64) + "us"
	case v < 1e9:
		return strconv.FormatFloat(v/1e6, 'g', 4, 64) + "ms"
	}
	return strconv.FormatFloat(v/1e9, 'g', 4, 64) + "s"
}

// fmtRatio formats a ratio as 0.42x, or "-" for none.
func fmtRatio(v float64) string {
	if v == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", v)
}

// fmtRate formats events per second: 100k, 1.5M.
func fmtRate(r float64) string {
	switch {
	case r >= 1e6:
		return trimZero(fmt.Sprintf("%.2f", r/1e6)) + "M"
	case r >= 1e3:
		return trimZero(fmt.Sprintf("%.2f", r/1e3)) + "k"
	}
	return trimZero(fmt.Sprintf("%.2f", r))
}

func trimZero(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
