package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/hotpath-go/hotpath/affinity"
	"github.com/hotpath-go/hotpath/engine/metrics"
)

// Scenarios returns the suite's scenarios, in the order Run measures them: the ring hand-offs
// spsc, spsc-batch64, mpmc-2p2c and multicast-1p2c; the engine end to end, route-e2e,
// route-e2e-1m and the sweep route-e2e-sweep; the tiers, fast-batch and reliable-wal; the
// plan's trading-flow and trading-flow-1m; the write-ahead log's wal-append. ConfigScenario
// makes one more from a routing file.
//
// Each scenario lives in its own file (scenario_<name>.go) as a constructor returning a
// Scenario; adding one is adding its file and one entry here.
func Scenarios() []Scenario {
	return []Scenario{SPSC(), SPSCBatch64(), MPMC2P2C(), Multicast1P2C(), RouteE2E(), RouteE2E1M(), RouteE2ESweep(),
		FastBatch(), ReliableWAL(), TradingFlow(), TradingFlow1M(), WALAppend()}
}

// Select returns the scenarios of all named in names, in the order of all; all of them for no
// names. An unknown name is an error wrapping ErrUnknownScenario that lists the known ones.
func Select(all []Scenario, names []string) ([]Scenario, error) {
	if len(names) == 0 {
		return all, nil
	}
	want := make(map[string]bool, len(names))
	for _, n := range names {
		want[n] = true
	}
	var out []Scenario
	for _, s := range all {
		if want[s.Name] {
			out = append(out, s)
			delete(want, s.Name)
		}
	}
	if len(want) > 0 {
		var unknown, known []string
		for _, n := range names {
			if want[n] {
				unknown = append(unknown, n)
			}
		}
		for _, s := range all {
			known = append(known, s.Name)
		}
		return nil, fmt.Errorf("%w: %s (this build has: %s)", ErrUnknownScenario, strings.Join(unknown, ", "), strings.Join(known, ", "))
	}
	return out, nil
}

// Run measures the core-to-core limit, then every implementation of the scenarios cfg selects
// from scenarios (see Select), in order, and returns the report. It takes about
// cfg.Duration per implementation. It checks ctx between phases and returns ctx's error, with
// what it measured so far, when ctx ends.
//
// Run sets GOMAXPROCS explicitly to its current value for the rest of the process (see
// affinity.SetGOMAXPROCS: pinned threads must not lower it). Call it from a goroutine that is
// not pinned; do not run two at once.
func Run(ctx context.Context, cfg Config, scenarios []Scenario) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	scenarios, err := Select(scenarios, cfg.Scenarios)
	if err != nil {
		return nil, err
	}
	affinity.SetGOMAXPROCS(runtime.GOMAXPROCS(0))

	rep := &Report{Schema: SchemaVersion, Scenarios: []Result{},
		Run: RunInfo{DurationNs: int64(cfg.Duration), RatePerSec: cfg.Rate, Reps: cfg.Reps}}
	clk := cfg.Clock
	if clk == nil {
		mc := metrics.NewClock(metrics.ClockAuto)
		clk = mc
		rep.Machine.Clock, rep.Machine.ClockNote = mc.Source().String(), mc.Reason()
	} else {
		rep.Machine.Clock = "injected"
	}
	allowed := machine(&rep.Machine)
	if busy(rep) {
		rep.Notes = append(rep.Notes, fmt.Sprintf("the machine was busy: load average %.2f on %d CPUs at the start; tails and pinned figures suffer", rep.Machine.LoadAvg, rep.Machine.CPUs))
	}

	total := 3 // the limits (at the start and the end) and the harness floor
	for _, s := range scenarios {
		for _, im := range s.Impls {
			total += 2
			if im.NoLatency {
				total--
			} else if len(s.Sweep) > 0 {
				total += len(s.Sweep) - 1
			}
		}
	}
	pr := progress{f: cfg.Progress, total: total}

	pr.next("", "", "limits")
	lim, err := affinity.MeasureLimits(cfg.Limits)
	if err != nil {
		return nil, fmt.Errorf("bench: core-to-core limit: %w", err)
	}
	rep.Limits = Limits{C2CCASNs: lim.CASNs, C2CCASP99Ns: lim.CASP99Ns, C2CTwoLineNs: lim.TwoLineNs,
		C2CTwoLineP99Ns: lim.TwoLineP99Ns, CPUs: [2]int{lim.A, lim.B}, Pinned: lim.Pinned, Note: lim.Note}
	var cpus []int
	switch {
	case cfg.NoPin:
	case len(cfg.CPUs) > 0:
		cpus = cfg.CPUs
	case lim.Pinned:
		cpus = pinOrder(allowed, lim.A, lim.B)
	}

	pr.next("", "", "harness floor")
	if err := harnessFloor(clk, cfg, cpus, &rep.Limits); err != nil {
		return nil, fmt.Errorf("bench: harness floor: %w", err)
	}

	closed := closedLoop{clk: clk, perRep: cfg.closedShare() / time.Duration(cfg.Reps), reps: cfg.Reps}
	open := openLoop{clk: clk, rate: cfg.Rate, length: cfg.openShare(), warmup: cfg.warmup(), segments: cfg.Reps, cpus: cpus}
	for _, s := range scenarios {
		open := open
		if s.Rate > 0 {
			open.rate = s.Rate
		}
		if len(s.Sweep) > 0 {
			res, err := sweep(ctx, &pr, s, closed, open)
			rep.Scenarios = append(rep.Scenarios, res...)
			if err != nil {
				if ctxErr := ctx.Err(); ctxErr != nil {
					return rep, ctxErr
				}
				return rep, err
			}
			continue
		}
		for _, im := range s.Impls {
			res, err := measure(ctx, &pr, s, im, closed, open)
			if err != nil {
				if ctxErr := ctx.Err(); ctxErr != nil {
					return rep, ctxErr
				}
				return rep, fmt.Errorf("bench: %s/%s: %w", s.Name, im.Name, err)
			}
			if s.Rate > 0 && s.Rate != cfg.Rate && res.Load != nil {
				res.Notes = append(res.Notes, fmt.Sprintf("open loop at %s events/s, the scenario's own rate", fmtRate(s.Rate)))
			}
			rep.Scenarios = append(rep.Scenarios, res)
		}
	}
	pr.next("", "", "limits again")
	if end, err := affinity.MeasureLimits(cfg.Limits); err == nil {
		rep.Limits.C2CCASEndNs, rep.Limits.C2CTwoLineEndNs = end.CASNs, end.TwoLineNs
		if a, b := rep.Limits.C2CTwoLineNs, end.TwoLineNs; a > 0 && b > 0 && max(a, b) > limitDrift*min(a, b) {
			rep.Notes = append(rep.Notes, fmt.Sprintf("the core-to-core limit moved during the run (two-line %.1f ns at the start, %.1f ns at the end): the host moved the vCPUs, and ratios to it are unreliable for this run; run again", a, b))
		}
	}
	rep.ratios()
	pr.end()
	return rep, nil
}

// harnessFloor measures the open loop's own latency, with no hand-off, for at most 200 ms at
// cfg's rate, pinned to the first of cpus when there is one, into l.
func harnessFloor(clk Clock, cfg Config, cpus []int, l *Limits) error {
	length := min(cfg.openShare(), 200*time.Millisecond)
	o := openLoop{clk: clk, rate: cfg.Rate, length: length, warmup: length / 10, segments: 1, cpus: cpus}
	out, err := o.run(&echoTarget{})
	if err != nil {
		return err
	}
	l.HarnessP50Ns, l.HarnessP99Ns = out.latency.P50, out.latency.P99
	return nil
}

// echoTarget delivers each event to the Sink on the producer's goroutine, during Send: the
// open loop with nothing under test.
type echoTarget struct {
	sink Sink
	sc   scratch
}

func (t *echoTarget) Shape() Shape        { return Shape{Producers: 1, Sinks: 1} }
func (t *echoTarget) Start(env Env) error { t.sink = env.Sink; return nil }
func (t *echoTarget) Stop() error         { return nil }

func (t *echoTarget) Send(_, n int, fill Fill) error {
	for i := range n {
		fill(i, &t.sc.e)
		t.sink(0, &t.sc.e)
	}
	return nil
}

// measure runs both phases of one implementation.
func measure(ctx context.Context, pr *progress, s Scenario, im Impl, closed closedLoop, open openLoop) (Result, error) {
	res, err := measureClosed(ctx, pr, s, im, closed)
	if err != nil || im.NoLatency {
		return res, err
	}
	return res, measureOpen(ctx, pr, s.Name, im, open, &res)
}

// measureClosed runs the closed loop of one implementation and returns its result so far.
func measureClosed(ctx context.Context, pr *progress, s Scenario, im Impl, closed closedLoop) (Result, error) {
	res := Result{Name: s.Name, Impl: im.Name, Baseline: s.Baseline}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	pr.next(s.Name, im.Name, "closed loop")
	c, err := closed.run(im)
	if err != nil {
		return res, fmt.Errorf("closed loop: %w", err)
	}
	res.Ops, res.NsPerOp, res.Spread.NsPerOp, res.Allocs = c.ops, c.nsPerOp, c.spread, c.allocs
	if c.nsPerOp > 0 {
		res.OpsPerSec = 1e9 / c.nsPerOp
	}
	if c.ops > 0 {
		res.AllocsPerOp = int64(c.allocs / uint64(c.ops))
		res.AllocsClosed = float64(c.allocs) / float64(c.ops)
	}
	return res, nil
}

// measureOpen runs the open loop of one implementation into res (which has its closed loop's
// figures), under the progress name scenario.
func measureOpen(ctx context.Context, pr *progress, scenario string, im Impl, open openLoop, res *Result) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	pr.next(scenario, im.Name, "open loop")
	t, err := im.New()
	if err != nil {
		return fmt.Errorf("open loop: new: %w", err)
	}
	o, err := open.run(t)
	if err != nil {
		return fmt.Errorf("open loop: %w", err)
	}
	res.hist = o.hist
	lat := o.latency
	res.Latency, res.Load = &lat, &o.load
	res.Spread.P50, res.Spread.P99 = o.spread.P50, o.spread.P99
	res.Allocs += o.allocs
	res.Notes = append(res.Notes, o.notes...)
	if o.sent > 0 {
		res.AllocsOpen = float64(o.allocs) / float64(o.sent)
	}
	if events := res.Ops + o.sent; events > 0 {
		res.AllocsPerOp = int64(res.Allocs / uint64(events))
	}
	return nil
}

// sweep runs a Sweep scenario (see Scenario.Sweep): each implementation's closed loop, then its
// open loop at each point, the rates set by the first implementation's throughput. It returns
// one result per implementation and point, in order (implementation by implementation).
func sweep(ctx context.Context, pr *progress, s Scenario, closed closedLoop, open openLoop) ([]Result, error) {
	var out []Result
	var scale float64 // the first implementation's closed-loop events per second
	open.length = max(open.length/time.Duration(len(s.Sweep)), 10*time.Millisecond)
	open.warmup = min(open.length/10, open.warmup)
	for _, im := range s.Impls {
		c, err := measureClosed(ctx, pr, s, im, closed)
		if err != nil {
			return out, fmt.Errorf("bench: %s/%s: %w", s.Name, im.Name, err)
		}
		if scale == 0 {
			if scale = c.OpsPerSec; !(scale > 0) {
				return out, fmt.Errorf("bench: %s/%s: no closed-loop throughput to scale the sweep by", s.Name, im.Name)
			}
		}
		for _, pct := range s.Sweep {
			res := c
			res.Name = fmt.Sprintf("%s-%d", s.Name, pct)
			res.Notes = append([]string(nil), c.Notes...)
			if im.NoLatency {
				out = append(out, res)
				continue
			}
			o := open
			o.rate = max(1, float64(pct)/100*scale)
			if err := measureOpen(ctx, pr, res.Name, im, o, &res); err != nil {
				return out, fmt.Errorf("bench: %s/%s: %w", res.Name, im.Name, err)
			}
			res.Notes = append(res.Notes, fmt.Sprintf("open loop at %s events/s: %d%% of %s's closed-loop throughput (%s events/s)",
				fmtRate(o.rate), pct, s.Impls[0].Name, fmtRate(scale)))
			out = append(out, res)
		}
	}
	return out, nil
}

// ratios fills every result's ratios to its scenario's baseline and to the c2c limit.
func (r *Report) ratios() {
	for i := range r.Scenarios {
		res := &r.Scenarios[i]
		if b := r.Find(res.Name, res.Baseline); b != nil && b.NsPerOp > 0 {
			res.RatioToBaseline = round3(res.NsPerOp / b.NsPerOp)
		}
		if res.Latency != nil && r.Limits.C2CTwoLineNs > 0 {
			res.RatioToC2C = round3(float64(res.Latency.P50) / r.Limits.C2CTwoLineNs)
		}
	}
}

func round3(v float64) float64 { return float64(int64(v*1000+0.5)) / 1000 }

// machine fills m with what the process runs on and returns the allowed CPUs.
func machine(m *Machine) []int {
	id := affinity.ReadCPUID()
	m.CPUs, m.GOMAXPROCS, m.GoVersion = runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version()
	m.CPUBrand, m.Hypervisor = strings.TrimSpace(id.Brand), id.Hypervisor
	m.OS, m.Arch = runtime.GOOS, runtime.GOARCH
	set, err := affinity.ThreadAllowed()
	if err != nil && !errors.Is(err, affinity.ErrUnsupported) || set.IsEmpty() {
		set = affinity.CPURange(0, runtime.NumCPU()-1)
	}
	m.AllowedCPUs = set.CPUs()
	m.LoadAvg = loadAvg()
	return m.AllowedCPUs
}

// loadAvg returns the one-minute load average from /proc/loadavg, or 0.
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return 0
	}
	return v
}

// pinOrder lists the CPUs the open loop pins to: a and b (the pair the limit was measured
// between) first, then the other allowed CPUs in order.
func pinOrder(allowed []int, a, b int) []int {
	out := []int{a, b}
	for _, c := range allowed {
		if c != a && c != b {
			out = append(out, c)
		}
	}
	return out
}

// progress reports Run's phases to Config.Progress.
type progress struct {
	f           func(Progress)
	done, total int
	started     bool
}

func (p *progress) next(scenario, impl, phase string) {
	if p.started {
		p.done++
	}
	p.started = true
	if p.f != nil {
		p.f(Progress{Done: p.done, Total: p.total, Scenario: scenario, Impl: impl, Phase: phase})
	}
}

func (p *progress) end() {
	if p.f != nil {
		p.f(Progress{Done: p.total, Total: p.total})
	}
}
