package bench_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/hotpath-go/hotpath/affinity"
	"github.com/hotpath-go/hotpath/bench"
	"github.com/hotpath-go/hotpath/events"
)

func ExampleRun() {
	// A short run of one scenario. The figures depend on the machine; the shape does not.
	cfg := bench.Config{Duration: 60 * time.Millisecond, Scenarios: []string{"spsc"}}
	r, err := bench.Run(context.Background(), cfg, bench.Scenarios())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range r.Scenarios {
		fmt.Println(s.Name, s.Impl, s.Latency != nil, s.Baseline)
	}
	// Output:
	// spsc hotpath true chan
	// spsc chan true chan
	// spsc workiva true chan
	// spsc workiva-pool true chan
}

func ExampleScenarios() {
	for _, s := range bench.Scenarios() {
		var impls []string
		for _, im := range s.Impls {
			impls = append(impls, im.Name)
		}
		fmt.Printf("%s: %s (baseline %s)\n", s.Name, strings.Join(impls, ", "), s.Baseline)
	}
	// Output:
	// spsc: hotpath, chan, workiva, workiva-pool (baseline chan)
	// spsc-batch64: hotpath, chan, copy (baseline chan)
	// mpmc-2p2c: hotpath, vyukov, chan, workiva, workiva-pool (baseline chan)
	// multicast-1p2c: hotpath, chan (baseline chan)
	// route-e2e: hotpath, chan, ring (baseline chan)
	// route-e2e-1m: hotpath, chan (baseline chan)
	// route-e2e-sweep: hotpath, chan (baseline chan)
	// fast-batch: hotpath, standard (baseline standard)
	// reliable-wal: hotpath, write-ahead, standard (baseline standard)
	// trading-flow: hotpath (baseline hotpath)
	// trading-flow-1m: hotpath (baseline hotpath)
	// wal-append: hotpath, hotpath-sync, raw (baseline raw)
}

func ExampleSelect() {
	s, _ := bench.Select(bench.Scenarios(), []string{"mpmc-2p2c"})
	fmt.Println(len(s), s[0].Name)
	_, err := bench.Select(bench.Scenarios(), []string{"dlq-replay"})
	fmt.Println(errors.Is(err, bench.ErrUnknownScenario))
	// Output:
	// 1 mpmc-2p2c
	// true
}

func ExampleSPSC() {
	s := bench.SPSC()
	fmt.Println(s.Name, "-", s.Doc)
	// Output: spsc - one producer, one consumer, one event at a time
}

func ExampleSPSCBatch64() {
	s := bench.SPSCBatch64()
	fmt.Println(s.Name, "-", s.Doc, "- copy has latency:", !s.Impls[2].NoLatency)
	// Output: spsc-batch64 - one producer, one consumer, batches of up to 64 events - copy has latency: false
}

func ExampleMPMC2P2C() {
	fmt.Println(bench.MPMC2P2C().Doc)
	// Output: two producers, two consumers, each event to one consumer
}

func ExampleMulticast1P2C() {
	fmt.Println(bench.Multicast1P2C().Doc)
	// Output: one producer, two consumers, every event to both
}

func ExampleRouteE2E() {
	s := bench.RouteE2E()
	fmt.Println(s.Name, "-", s.Doc, "- baseline", s.Baseline)
	// Output: route-e2e - one route: publish, route, handler on a worker - baseline chan
}

func ExampleRouteE2E1M() {
	s := bench.RouteE2E1M()
	fmt.Println(s.Name, s.Rate)
	// Output: route-e2e-1m 1e+06
}

func ExampleTradingFlow() {
	// The plan's flow, measured for a moment at 20k MarketData/s. The figures depend on the
	// machine; every MarketData becomes one Order at execution, and nothing is allocated.
	cfg := bench.Config{Duration: 60 * time.Millisecond, Rate: 20_000, Scenarios: []string{"trading-flow"},
		Limits: affinity.C2CConfig{Samples: 3, RoundTrips: 20}}
	r, err := bench.Run(context.Background(), cfg, bench.Scenarios())
	if err != nil {
		fmt.Println(err)
		return
	}
	res := r.Find("trading-flow", "hotpath")
	fmt.Println(res.Name, res.Impl, res.AllocsPerOp, res.Latency.Count > 0)
	// Output: trading-flow hotpath 0 true
}

func ExampleWALAppend() {
	s := bench.WALAppend()
	for _, im := range s.Impls {
		fmt.Println(s.Name, im.Name)
	}
	fmt.Println("batch", bench.WALBatch, "baseline", s.Baseline)
	// Output:
	// wal-append hotpath
	// wal-append hotpath-sync
	// wal-append raw
	// batch 512 baseline raw
}

func ExampleConfigScenario() {
	// The user's own routing under load: `hotpath -config FILE` does this.
	dir, _ := os.MkdirTemp("", "example-config")
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "routing.yaml")
	_ = os.WriteFile(file, []byte(`
routing:
  feed:
    MarketData:
      routes:
        - type: pipeline
          steps: [market_to_signal, signal_to_order, executor]
`), 0o644)
	s, err := bench.ConfigScenario(file)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Name, s.Impls[0].Name, strings.TrimPrefix(s.Doc, "the routing of "+file))
	_, err = bench.ConfigScenario(filepath.Join(dir, "missing.yaml"))
	fmt.Println(errors.Is(err, bench.ErrFlow))
	// Output:
	// config hotpath : 4 inputs, 1 timed deliveries each, 1 workers
	// true
}

func ExampleDefaultConfig() {
	d, q := bench.DefaultConfig(), bench.QuickConfig()
	fmt.Println(d.Duration, d.Rate, d.Reps)
	fmt.Println(q.Duration)
	// Output:
	// 2s 100000 3
	// 200ms
}

func ExampleConfig_Validate() {
	err := bench.Config{Rate: -1}.Validate()
	fmt.Println(errors.Is(err, bench.ErrConfig))
	fmt.Println(err)
	// Output:
	// true
	// bench: invalid config: Rate -1: want 0 < rate <= 1e+09 events/s
}

func ExampleNewPacer() {
	// Two producers sharing 500k events/s: producer 1 sends global events 1, 3, 5 ...,
	// one every 4 us, each due at a fixed time whether or not the previous one was late.
	pc := bench.NewPacer(0, 500_000, 1, 2)
	for i := range int64(3) {
		fmt.Println(pc.Global(i), pc.Due(i))
	}
	// Output:
	// 1 2000
	// 3 6000
	// 5 10000
}

func ExamplePacer_Ready() {
	pc := bench.NewPacer(0, 1e6, 0, 1) // one event per microsecond
	// At 5.5 us, a producer that has sent events 0 and 1 is behind: events 2 to 5 are due.
	fmt.Println(pc.Ready(5500, 1e9, 2, 64))
	fmt.Println(pc.Ready(5500, 1e9, 2, 3)) // at most 3 in one batch
	// Output:
	// 4
	// 3
}

// fixedClock is a Clock that advances by one microsecond per read.
type fixedClock struct{ now int64 }

func (c *fixedClock) Nanotime() int64 { c.now += 1000; return c.now }

func ExamplePacer_Await() {
	clk := &fixedClock{}
	pc := bench.NewPacer(10_000, 1e6, 0, 1)
	fmt.Println(pc.Await(clk, 3, false)) // event 3 is due at 13 us
	// Output: 13000
}

// echo is a Target with no hand-off: Send delivers each event itself, on the producer's
// goroutine, as a scenario whose operation completes synchronously does (a durable append:
// wal-append's shape).
type echo struct{ env bench.Env }

func (e *echo) Shape() bench.Shape        { return bench.Shape{Producers: 1, Sinks: 1} }
func (e *echo) Start(env bench.Env) error { e.env = env; return nil }
func (e *echo) Stop() error               { return nil }
func (e *echo) Send(_, n int, fill bench.Fill) error {
	var ev events.Raw
	for i := range n {
		fill(i, &ev)
		e.env.Sink(0, &ev)
	}
	return nil
}

func ExampleTarget() {
	s := bench.Scenario{
		Name: "echo", Doc: "a synchronous no-op", Baseline: "echo",
		Impls: []bench.Impl{{Name: "echo", New: func() (bench.Target, error) { return &echo{}, nil }}},
	}
	cfg := bench.Config{Duration: 30 * time.Millisecond, Limits: affinity.C2CConfig{Samples: 3, RoundTrips: 20}}
	r, err := bench.Run(context.Background(), cfg, []bench.Scenario{s})
	if err != nil {
		fmt.Println(err)
		return
	}
	res := r.Find("echo", "echo")
	fmt.Println(res.AllocsPerOp, res.RatioToBaseline, res.Latency.Count > 0)
	// Output: 0 1 true
}

// sample is a small hand-made report.
func sample(p50 int64, nsPerOp float64) *bench.Report {
	return &bench.Report{
		Schema:  bench.SchemaVersion,
		Machine: bench.Machine{CPUs: 2, GOMAXPROCS: 2, GoVersion: "go1.26.8", CPUBrand: "Example CPU", OS: "linux", Arch: "amd64", Clock: "tsc"},
		Limits:  bench.Limits{C2CCASNs: 50, C2CTwoLineNs: 140, CPUs: [2]int{0, 1}, Pinned: true},
		Run:     bench.RunInfo{DurationNs: 4e9, RatePerSec: 1e5, Reps: 3},
		Scenarios: []bench.Result{{Name: "spsc", Impl: "hotpath", Baseline: "hotpath", NsPerOp: nsPerOp, OpsPerSec: 1e9 / nsPerOp,
			Latency: &bench.Latency{P50: p50, P90: p50, P99: 2 * p50, P999: 3 * p50, P9999: 4 * p50, Max: 5 * p50}}},
	}
}

func ExampleCompare() {
	c := bench.Compare(sample(200, 25), sample(300, 26))
	for _, ch := range c.Changes {
		fmt.Printf("%s %s %+.0f%% %s\n", ch.Impl, ch.Metric, 100*ch.Delta, ch.Verdict)
	}
	// Output:
	// hotpath ns/op +4% same
	// hotpath p50 +50% worse
	// hotpath p99 +50% worse
}

func ExampleComparison_WriteText() {
	_ = bench.Compare(sample(200, 25), sample(190, 20)).WriteText(os.Stdout)
	// Output:
	// scenario/impl            figure        old        new   change   noise  verdict
	// spsc/hotpath             ns/op        25.0       20.0   -20.0%     10%  better
	// spsc/hotpath             p50         200ns      190ns    -5.0%     10%  same
	// spsc/hotpath             p99         400ns      380ns    -5.0%     10%  same
	// noise = max(10%, 2 x the larger run's spread of that figure); 0 worse, 1 better
}

func ExampleComparison_Regressions() {
	c := bench.Compare(sample(200, 25), sample(200, 40))
	for _, ch := range c.Regressions() {
		fmt.Println(ch.Name, ch.Impl, ch.Metric)
	}
	// Output: spsc hotpath ns/op
}

func ExampleReport_WriteTable() {
	_ = sample(180, 25).WriteTable(os.Stdout)
	// Output:
	// hotpath suite: 2 CPUs (Example CPU), GOMAXPROCS 2, go1.26.8 linux/amd64; clock tsc
	// core-to-core limit, CPUs 0-1 (pinned): CAS 50.0 ns, two-line 140.0 ns one way (median)
	// harness floor (open loop, no hand-off): p50 0ns, p99 0ns
	// per implementation: closed loop 3 reps, then open loop at 100k events/s (latency from intended send time)
	//
	// scenario            impl            Mev/s   ns/op allocs      p50      p99    p99.9   p99.99      max  pin  vs base  vs c2c
	// spsc                hotpath         40.00    25.0      0    180ns    360ns    540ns    720ns    900ns    -        -       -
	//
	// vs base: ns/op over the baseline's (chan for the rings; lower is faster); vs c2c: p50 over the two-line limit
}

func ExampleReport_WriteJSON() {
	var b strings.Builder
	_ = sample(180, 25).WriteJSON(&b)
	fmt.Println(strings.Contains(b.String(), `"c2c_two_line_ns": 140`), strings.Contains(b.String(), `"p99_99": 720`))
	// Output: true true
}

func ExampleReadReport() {
	var b strings.Builder
	_ = sample(180, 25).WriteJSON(&b)
	r, err := bench.ReadReport(strings.NewReader(b.String()))
	fmt.Println(err, r.Scenarios[0].Latency.P50, r.Find("spsc", "hotpath").NsPerOp)
	// Output: <nil> 180 25
}

func ExampleReport_Find() {
	r := sample(180, 25)
	fmt.Println(r.Find("spsc", "hotpath") != nil, r.Find("spsc", "chan") != nil)
	// Output: true false
}

func ExampleWriteHgrm() {
	h := hdrhistogram.New(1, 1_000_000, 3)
	for v := int64(1000); v <= 4000; v += 1000 {
		_ = h.RecordValue(v) // 1, 2, 3 and 4 us
	}
	// Values are the highest equivalent of each bucket: 3000 ns and 3001 ns share one at
	// three significant digits.
	_ = bench.WriteHgrm(os.Stdout, h, 1000)
	// Output:
	//        Value     Percentile TotalCount 1/(1-Percentile)
	//
	//        1.000 0.000000000000          1           1.00
	//        1.000 0.100000000000          1           1.11
	//        1.000 0.200000000000          1           1.25
	//        2.000 0.300000000000          2           1.43
	//        2.000 0.400000000000          2           1.67
	//        2.000 0.500000000000          2           2.00
	//        3.001 0.550000000000          3           2.22
	//        3.001 0.600000000000          3           2.50
	//        3.001 0.650000000000          3           2.86
	//        3.001 0.700000000000          3           3.33
	//        3.001 0.750000000000          3           4.00
	//        4.001 0.775000000000          4           4.44
	//        4.001 1.000000000000          4
	// #[Mean    =        2.501, StdDeviation   =        1.118]
	// #[Max     =        4.001, Total count    =            4]
	// #[Buckets =           10, SubBuckets     =         2048]
}

func ExampleWriteDir() {
	// A report read back from results.json has no histograms: WriteDir then writes
	// results.json and index.html only. Run's reports also get .hgrm files and plots.
	dir, _ := os.MkdirTemp("", "hotpath-results")
	defer os.RemoveAll(dir)
	paths, err := bench.WriteDir(dir, sample(180, 25))
	for _, p := range paths {
		fmt.Println(filepath.Base(p))
	}
	fmt.Println(err)
	// Output:
	// results.json
	// index.html
	// <nil>
}

func ExampleReport_WritePlotSVG() {
	// Plots need the histograms that Run keeps; a hand-made report has none.
	err := sample(180, 25).WritePlotSVG(os.Stdout, "spsc")
	fmt.Println(err)
	// Output: bench: no latency histogram for scenario "spsc"
}

func ExampleReport_WritePlotPNG() {
	r, err := bench.Run(context.Background(), bench.Config{Duration: 30 * time.Millisecond, Scenarios: []string{"spsc"},
		Limits: affinity.C2CConfig{Samples: 3, RoundTrips: 20}}, bench.Scenarios())
	if err != nil {
		fmt.Println(err)
		return
	}
	var png strings.Builder
	fmt.Println(r.WritePlotPNG(&png, "spsc"), strings.HasPrefix(png.String(), "\x89PNG"))
	// Output: <nil> true
}

func ExampleResult_Histogram() {
	fmt.Println(sample(180, 25).Scenarios[0].Histogram() == nil)
	// Output: true
}
