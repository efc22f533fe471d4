package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hotpath-go/hotpath/affinity"
	"github.com/hotpath-go/hotpath/bench"
	"github.com/hotpath-go/hotpath/engine/config"
	"github.com/hotpath-go/hotpath/engine/config/demo"
)

// Defaults of `hotpath tune`.
const (
	tuneDuration = 2 * time.Second // per placement, both phases
	// tuneTie is how close two placements' p99 must be (relative) for the p50 to decide.
	tuneTie = 0.10
)

// tuneUsage is the help text of `hotpath tune`.
const tuneUsage = `usage: hotpath tune [-config FILE] [-duration D] [-rate N]

tune runs the engine's latency scenario (route-e2e, or with -config the routing of FILE with
the demo components, as hotpath -config runs it) under the planner's placement
(affinity.Place) and its alternatives (affinity.Alternatives: all on one L3, spread over
sockets and cores, SMT twins shared, unpinned), prints each one's latency percentiles side by
side, recommends one, and prints the engine section that applies it.
`

// cmdTune implements `hotpath tune [-config FILE] [-duration D] [-rate N]`: see tuneUsage.
// Placements whose CPUs are those of one already measured are listed, not measured again; on
// a machine with few CPUs, where the planner's pool (every allowed CPU but CPU 0) cannot hold
// a spinning producer and its workers, CPU 0 is added to the pool and the output says so.
func cmdTune(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tune", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("config", "", "tune the routing configuration in `FILE` (its engine section's workers) instead of route-e2e")
	duration := fs.Duration("duration", tuneDuration, "time per placement (closed loop, then open loop)")
	rate := fs.Float64("rate", bench.DefaultRate, "open-loop rate in events/s")
	fs.Usage = func() {
		fmt.Fprint(stderr, tuneUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "tune: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if cfg := (bench.Config{Duration: *duration, Rate: *rate}); *duration <= 0 || cfg.Validate() != nil {
		fmt.Fprintf(stderr, "tune: -duration %v, -rate %g: want a positive duration and 0 < rate <= %g\n", *duration, *rate, float64(bench.MaxRate))
		return 2
	}

	s := bench.RouteE2E()
	s.Impls = s.Impls[:1] // hotpath only: the engine is what is placed
	workers := 1
	if *file != "" {
		var err error
		if s, err = bench.ConfigScenario(*file); err != nil {
			fmt.Fprintf(stderr, "tune: -config: %v\n", err)
			return 1
		}
		if workers, err = configWorkers(*file); err != nil {
			fmt.Fprintf(stderr, "tune: -config: %v\n", err)
			return 1
		}
	}
	topo, err := affinity.Detect()
	if err != nil {
		fmt.Fprintf(stderr, "tune: %v\n", err)
		return 1
	}
	alts, notes := tunePlacements(topo, workers)

	w := &strings.Builder{}
	fmt.Fprintf(w, "hotpath tune: %s, %v per placement, open loop at %s events/s\n", s.Name, *duration, fmtRate(*rate))
	fmt.Fprintf(w, "machine: %s\n", topo.Summary())
	for _, n := range notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	fmt.Fprintln(w)
	if _, err := io.WriteString(stdout, w.String()); err != nil {
		return 1
	}

	var rows []tuneRow
	for _, a := range alts {
		row := tuneRow{alt: a}
		if a.err == "" && a.same == "" {
			fmt.Fprintf(stderr, "tune: %s: %s\n", a.name, a.describe())
			row.res, row.lim, err = tuneRun(s, a, *duration, *rate)
			if err != nil {
				fmt.Fprintf(stderr, "tune: %s: %v\n", a.name, err)
				return 1
			}
		}
		rows = append(rows, row)
	}
	best := recommend(rows)
	if err := writeTune(stdout, rows, best, workers, *file); err != nil {
		fmt.Fprintf(stderr, "tune: %v\n", err)
		return 1
	}
	return 0
}

// configWorkers returns the number of workers the routing configuration at path asks for
// (its engine section), loaded as the config scenario loads it.
func configWorkers(path string) (int, error) {
	comps := config.NewRegistry()
	if err := demo.New().Register(comps); err != nil {
		return 0, err
	}
	ts := demo.Tiers()
	defer func() { _ = ts.Close() }()
	l := config.Loader{Components: comps, Tiers: ts}
	cfg, err := l.LoadFile(path)
	if err != nil {
		return 0, err
	}
	return max(cfg.Engine.Workers, 1), nil
}

// tuneAlt is one placement to measure: the producer's CPU and each worker's, or none.
type tuneAlt struct {
	name     string
	producer int   // -1: unpinned
	workers  []int // by worker; nil when unpinned
	err      string
	same     string // the earlier placement with the same CPUs
}

func (a tuneAlt) pinned() bool { return a.producer >= 0 }

// cpus is the harness's pinning order: the producer, then the workers.
func (a tuneAlt) cpus() []int { return append([]int{a.producer}, a.workers...) }

func (a tuneAlt) describe() string {
	if !a.pinned() {
		return "unpinned"
	}
	return fmt.Sprintf("producer on CPU %d, workers on %s", a.producer, intList(a.workers))
}

// tuneGraph is the engine's thread graph for the planner: the publishing goroutine and the
// workers, all spinning, the producer feeding every worker and the workers feeding each other
// (handlers publish).
func tuneGraph(workers int) affinity.Graph {
	g := affinity.Graph{Threads: []affinity.Thread{{Name: "producer", Spin: true}}}
	for i := range workers {
		g.Threads = append(g.Threads, affinity.Thread{Name: fmt.Sprintf("worker-%d", i), Spin: true})
		g.Rings = append(g.Rings, affinity.Ring{From: "producer", To: fmt.Sprintf("worker-%d", i)})
	}
	for i := range workers {
		for j := range workers {
			if i != j {
				g.Rings = append(g.Rings, affinity.Ring{From: fmt.Sprintf("worker-%d", i), To: fmt.Sprintf("worker-%d", j)})
			}
		}
	}
	return g
}

// tunePlacements lists the placements to compare for a producer and workers workers on t, with
// notes on what the machine left out. When the planner cannot place every spinner without CPU
// 0 (a small machine), it plans again with CPU 0 in the pool.
func tunePlacements(t *affinity.Topology, workers int) ([]tuneAlt, []string) {
	g := tuneGraph(workers)
	var notes []string
	named := affinity.Alternatives(t, g, affinity.PlanConfig{})
	if named[0].Plan == nil {
		with0 := affinity.Alternatives(t, g, affinity.PlanConfig{AllowCPU0: true})
		if with0[0].Plan != nil {
			notes = append(notes, fmt.Sprintf("%d allowed CPUs (%s): the planner's pool keeps CPU 0 for the kernel, which leaves too few for %d spinning threads (%s); CPU 0 is in the pool here",
				t.Allowed.Len(), t.Allowed, len(g.Threads), named[0].Err))
			named = with0
		}
	}
	var alts []tuneAlt
	for _, np := range named {
		a := tuneAlt{name: np.Name, producer: -1}
		if np.Plan == nil {
			a.err = np.Err
			alts = append(alts, a)
			continue
		}
		cpu := func(th string) int { c, _ := np.Plan.CPUOf(th); return c }
		if p := cpu("producer"); p >= 0 {
			a.producer = p
			for i := range workers {
				c := cpu(fmt.Sprintf("worker-%d", i))
				if c < 0 {
					a.producer, a.workers = -1, nil
					a.err = "the plan leaves a worker unpinned; the suite pins all or none"
					break
				}
				a.workers = append(a.workers, c)
			}
		}
		for _, o := range alts {
			if o.err == "" && o.same == "" && o.producer == a.producer && slices.Equal(o.workers, a.workers) {
				a.same = o.name
				break
			}
		}
		alts = append(alts, a)
	}
	distinct, pinned := 0, 0
	for _, a := range alts {
		if a.err == "" && a.same == "" {
			distinct++
			if a.pinned() {
				pinned++
			}
		}
	}
	if pinned == 0 {
		notes = append(notes, fmt.Sprintf("%d spinning threads (the producer and %s) need a CPU each and %d are allowed (%s): only the unpinned placement can run here",
			len(g.Threads), plural(workers, "worker"), t.Allowed.Len(), t.Allowed))
	}
	if distinct < len(alts) {
		notes = append(notes, fmt.Sprintf("%d placements, %d distinct on this machine (%d CPUs, %s, %s)",
			len(alts), distinct, t.Allowed.Len(), plural(t.Packages, "socket"), smtWord(t.SMT)))
	}
	return alts, notes
}

func smtWord(smt bool) string {
	if smt {
		return "SMT"
	}
	return "no SMT"
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// tuneRun measures scenario s under placement a and returns the result and the core-to-core
// limit measured between the producer's CPU and the first worker's.
func tuneRun(s bench.Scenario, a tuneAlt, d time.Duration, rate float64) (bench.Result, bench.Limits, error) {
	cfg := bench.Config{Duration: d, Rate: rate, Scenarios: []string{s.Name}, NoPin: !a.pinned()}
	if a.pinned() {
		cfg.CPUs = a.cpus()
		if a.workers[0] != a.producer {
			cfg.Limits.CPUs = affinity.NewCPUSet(a.producer, a.workers[0])
		}
	}
	rep, err := bench.Run(context.Background(), cfg, []bench.Scenario{s})
	if err != nil {
		return bench.Result{}, bench.Limits{}, err
	}
	if len(rep.Scenarios) == 0 {
		return bench.Result{}, rep.Limits, errors.New("no result")
	}
	return rep.Scenarios[0], rep.Limits, nil
}

// tuneRow is one placement's line.
type tuneRow struct {
	alt tuneAlt
	res bench.Result
	lim bench.Limits
}

func (r tuneRow) measured() bool { return r.res.Latency != nil }

// recommend returns the index of the measured row with the lowest p99 (the tail is what a
// placement changes most); among rows within tuneTie of that p99, the lowest p50. -1 if none
// was measured.
func recommend(rows []tuneRow) int {
	best := -1
	for i, r := range rows {
		if !r.measured() {
			continue
		}
		if best < 0 || r.res.Latency.P99 < rows[best].res.Latency.P99 {
			best = i
		}
	}
	if best < 0 {
		return -1
	}
	limit := float64(rows[best].res.Latency.P99) * (1 + tuneTie)
	for i, r := range rows {
		if r.measured() && float64(r.res.Latency.P99) <= limit && r.res.Latency.P50 < rows[best].res.Latency.P50 {
			best = i
		}
	}
	return best
}

// writeTune prints the comparison, the recommendation and its configuration snippet.
func writeTune(w io.Writer, rows []tuneRow, best, workers int, file string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%-13s %-9s %-10s %9s %8s %8s %8s %8s %8s %7s\n", "placement", "producer", "workers", "c2c 2line", "p50", "p90", "p99", "p99.9", "max", "Mev/s")
	for _, r := range rows {
		a := r.alt
		prod, ws := "-", "-"
		if a.pinned() {
			prod, ws = fmt.Sprint(a.producer), intList(a.workers)
		}
		switch {
		case a.err != "":
			fmt.Fprintf(&b, "%-13s not built: %s\n", a.name, a.err)
		case a.same != "":
			fmt.Fprintf(&b, "%-13s %-9s %-10s same CPUs as %s, not measured again\n", a.name, prod, ws, a.same)
		default:
			l := r.res.Latency
			c2c := "-"
			if a.pinned() && r.lim.Pinned {
				c2c = fmt.Sprintf("%.1fns", r.lim.C2CTwoLineNs)
			}
			fmt.Fprintf(&b, "%-13s %-9s %-10s %9s %8s %8s %8s %8s %8s %7.2f\n", a.name, prod, ws, c2c,
				fmtNs(l.P50), fmtNs(l.P90), fmtNs(l.P99), fmtNs(l.P999), fmtNs(l.Max), r.res.OpsPerSec/1e6)
		}
	}
	b.WriteString("\nlatency from each event's intended send time (open loop), as the suite measures it; Mev/s: closed loop\n")
	if best < 0 {
		b.WriteString("no placement could be measured\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	r := rows[best]
	fmt.Fprintf(&b, "\nrecommended: %s (lowest p99, %s; p50 breaks ties within %.0f%%)\n", r.alt.name, fmtNs(r.res.Latency.P99), tuneTie*100)
	where := "the engine section of the routing configuration (docs/config.md)"
	if file != "" {
		where = "the engine section of " + file
	}
	fmt.Fprintf(&b, "\n# %s\nengine:\n  workers: %d\n", where, workers)
	if r.alt.pinned() {
		fmt.Fprintf(&b, "  cpus: [%s]\n", strings.ReplaceAll(intList(r.alt.workers), ",", ", "))
		b.WriteString("  wait: busy_spin     # pinned workers on cores of their own spin best (engine.Config.Wait = ring.BusySpin())\n")
		fmt.Fprintf(&b, "# and pin the publishing goroutine to CPU %d before it publishes: affinity.Pin(%d)\n", r.alt.producer, r.alt.producer)
	} else {
		b.WriteString("  # no cpus: leave the workers unpinned\n")
	}
	if file != "" {
		b.WriteString("# routes placed with cpu: must name one of the cpus above (worker: N needs no change)\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// intList writes CPUs as 0,2,3.
func intList(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ",")
}

// fmtRate formats events per second: 100k, 1.5M.
func fmtRate(r float64) string {
	switch {
	case r >= 1e6:
		return strconv.FormatFloat(r/1e6, 'g', 4, 64) + "M"
	case r >= 1e3:
		return strconv.FormatFloat(r/1e3, 'g', 4, 64) + "k"
	}
	return strconv.FormatFloat(r, 'g', 4, 64)
}

// fmtNs formats nanoseconds as the suite's table does: 850ns, 12.3us, 4.5ms.
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
