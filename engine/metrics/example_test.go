package metrics_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/hotpath-go/hotpath/engine/metrics"
)

func ExampleNewRecorder() {
	r, err := metrics.NewRecorder(metrics.HistogramConfig{HighestNs: 1e9, Digits: 3})
	if err != nil {
		panic(err)
	}
	r.Record(1500)
	fmt.Println(r.IntervalSnapshot().Count)
	// Output: 1
}

func ExampleRecorder_Record() {
	r, _ := metrics.NewRecorder(metrics.HistogramConfig{HighestNs: 1000})
	for v := int64(1); v <= 1000; v++ {
		r.Record(v) // one writer goroutine per Recorder
	}
	r.Record(5000) // out of range: recorded as 1000 and counted
	r.Record(-1)   // out of range: recorded as 0 and counted
	s := r.IntervalSnapshot()
	fmt.Println(s.Count, s.Max, s.Clamped)
	// Output: 1002 1000 2
}

func ExampleRecorder_IntervalSnapshot() {
	r, _ := metrics.NewRecorder(metrics.HistogramConfig{})
	for v := int64(1); v <= 1000; v++ {
		r.Record(v)
	}
	s := r.IntervalSnapshot()
	fmt.Printf("count=%d p50=%d p90=%d p99=%d p99.9=%d max=%d\n", s.Count, s.P50, s.P90, s.P99, s.P999, s.Max)
	fmt.Println(r.IntervalSnapshot().Count) // a new interval: empty
	// Output:
	// count=1000 p50=500 p90=900 p99=990 p99.9=999 max=1000
	// 0
}

func ExampleRecorder_CumulativeSnapshot() {
	r, _ := metrics.NewRecorder(metrics.HistogramConfig{})
	r.Record(10)
	r.IntervalSnapshot()
	r.Record(20)
	c := r.CumulativeSnapshot()
	fmt.Println(c.Count, c.Max)
	// Output: 2 20
}

func ExampleRecorder_Cumulative() {
	r, _ := metrics.NewRecorder(metrics.HistogramConfig{})
	for v := int64(1); v <= 100; v++ {
		r.Record(v)
	}
	h := r.Cumulative() // a copy: percentile output, merging
	fmt.Println(h.TotalCount(), h.ValueAtQuantile(50))
	// Output: 100 50
}

func ExampleSnapshot() {
	r, _ := metrics.NewRecorder(metrics.HistogramConfig{})
	r.Record(250)
	b, _ := json.Marshal(r.IntervalSnapshot())
	fmt.Println(string(b))
	// Output: {"count":1,"p50":250,"p90":250,"p99":250,"p99_9":250,"p99_99":250,"max":250}
}

func ExampleHistogramConfig_Validate() {
	err := metrics.HistogramConfig{Digits: 7}.Validate()
	fmt.Println(errors.Is(err, metrics.ErrConfig))
	fmt.Println(err)
	// Output:
	// true
	// metrics: invalid configuration: HistogramConfig.Digits = 7, want 1..5
}

func ExampleConfig_Validate() {
	fmt.Println(metrics.Config{}.Validate()) // zero means the defaults
	fmt.Println(metrics.Config{Workers: -2}.Validate())
	// Output:
	// <nil>
	// metrics: invalid configuration: Config.Workers = -2, want 1..4096
}

func ExampleNewRegistry() {
	reg, err := metrics.NewRegistry(metrics.Config{Workers: 4})
	if err != nil {
		panic(err)
	}
	fmt.Println(reg.Workers(), len(reg.Routes()))
	// Output: 4 0
}

func ExampleRegistry_AddRoute() {
	reg, _ := metrics.NewRegistry(metrics.Config{Workers: 2})
	rt, _ := reg.AddRoute("marketdata->strategy")
	_, err := reg.AddRoute("marketdata->strategy")
	fmt.Println(rt.Name())
	fmt.Println(errors.Is(err, metrics.ErrDuplicateRoute))
	// Output:
	// marketdata->strategy
	// true
}

func ExampleRegistry_Route() {
	reg, _ := metrics.NewRegistry(metrics.Config{})
	_, _ = reg.AddRoute("risk")
	fmt.Println(reg.Route("risk").Name(), reg.Route("absent") == nil)
	// Output: risk true
}

func ExampleRegistry_Routes() {
	reg, _ := metrics.NewRegistry(metrics.Config{})
	for _, name := range []string{"md", "orders", "fills"} {
		_, _ = reg.AddRoute(name)
	}
	for _, rt := range reg.Routes() {
		fmt.Print(rt.Name(), " ")
	}
	fmt.Println()
	// Output: md orders fills
}

func ExampleRegistry_Workers() {
	reg, _ := metrics.NewRegistry(metrics.Config{}) // zero: one worker
	fmt.Println(reg.Workers())
	// Output: 1
}

func ExampleRoute_Recorder() {
	reg, _ := metrics.NewRegistry(metrics.Config{Workers: 2})
	rt, _ := reg.AddRoute("md")
	// At compile time the engine hands worker 1 its recorder; on the hot
	// path that worker records into it with no lookup.
	rec := rt.Recorder(1)
	rec.Record(420)
	fmt.Println(reg.Snapshot().Routes[0].Total.Max)
	// Output: 420
}

func ExampleRoute_Counters() {
	reg, _ := metrics.NewRegistry(metrics.Config{Workers: 2})
	rt, _ := reg.AddRoute("md")
	rt.Counters(0).Add(metrics.EventDelivered, 3)
	rt.Counters(1).Add(metrics.EventDelivered, 4)
	fmt.Println(reg.Snapshot().Routes[0].Events.Delivered)
	// Output: 7
}

func ExampleRoute_Name() {
	reg, _ := metrics.NewRegistry(metrics.Config{})
	rt, _ := reg.AddRoute("orders")
	fmt.Println(rt.Name())
	// Output: orders
}

func ExampleRegistry_Snapshot() {
	reg, _ := metrics.NewRegistry(metrics.Config{Workers: 2})
	md, _ := reg.AddRoute("md")
	orders, _ := reg.AddRoute("orders")
	for v := int64(1); v <= 100; v++ {
		md.Recorder(int(v % 2)).Record(v)
	}
	orders.Recorder(0).Record(700)
	orders.Counters(0).SetCircuit(metrics.CircuitOpen)

	rep := reg.Snapshot()
	for _, rr := range append(rep.Routes, rep.All) {
		fmt.Printf("%-6q interval count=%d p50=%d max=%d circuit=%v\n",
			rr.Route, rr.Interval.Count, rr.Interval.P50, rr.Interval.Max, rr.Circuit)
	}
	rep = reg.Snapshot() // the next interval
	fmt.Println(rep.All.Interval.Count, rep.All.Total.Count)
	// Output:
	// "md"   interval count=100 p50=50 max=100 circuit=closed
	// "orders" interval count=1 p50=700 max=700 circuit=open
	// ""     interval count=101 p50=51 max=700 circuit=open
	// 0 101
}

func ExampleRegistry_Handler() {
	reg, _ := metrics.NewRegistry(metrics.Config{})
	rt, _ := reg.AddRoute("md")
	rt.Counters(0).Add(metrics.EventDelivered, 2)
	rt.Recorder(0).Record(1500)

	// The embedding program mounts it: http.Handle("/metrics", reg.Handler()).
	srv := httptest.NewServer(reg.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if strings.Contains(line, `event="delivered"`) || strings.Contains(line, "latency_seconds_") ||
			strings.HasPrefix(line, "# TYPE "+metrics.MetricLatency) {
			fmt.Println(line)
		}
	}
	// Output:
	// hotpath_route_events_total{route="md",event="delivered"} 2
	// # TYPE hotpath_route_latency_seconds summary
	// hotpath_route_latency_seconds_sum{route="md"} 1.5e-06
	// hotpath_route_latency_seconds_count{route="md"} 1
}

func ExampleCounters() {
	var c metrics.Counters // the zero value is ready
	c.Inc(metrics.EventPublished)
	c.Add(metrics.EventSpilled, 2)
	fmt.Println(c.Load(metrics.EventPublished), c.Load(metrics.EventSpilled))
	// Output: 1 2
}

func ExampleCounters_Add() {
	var c metrics.Counters
	c.Add(metrics.EventDelivered, 64) // a batch of 64 delivered
	fmt.Println(c.Load(metrics.EventDelivered))
	// Output: 64
}

func ExampleCounters_Inc() {
	var c metrics.Counters
	c.Inc(metrics.EventPanic)
	fmt.Println(c.Load(metrics.EventPanic))
	// Output: 1
}

func ExampleCounters_Load() {
	var c metrics.Counters
	c.Add(metrics.EventRetried, 3)
	fmt.Println(c.Load(metrics.EventRetried), c.Load(metrics.EventDropped))
	// Output: 3 0
}

func ExampleCounters_SetCircuit() {
	var c metrics.Counters
	c.SetCircuit(metrics.CircuitHalfOpen)
	fmt.Println(c.Circuit(), uint32(c.Circuit()))
	// Output: half-open 2
}

func ExampleCounters_Circuit() {
	var c metrics.Counters
	fmt.Println(c.Circuit()) // zero value: closed
	// Output: closed
}

func ExampleCounters_Snapshot() {
	var c metrics.Counters
	c.Add(metrics.EventDeadLettered, 1)
	c.Add(metrics.EventReplayed, 5)
	b, _ := json.Marshal(c.Snapshot())
	fmt.Println(string(b))
	// Output: {"published":0,"delivered":0,"dropped":0,"retried":0,"dead_lettered":1,"spilled":0,"replayed":5,"panics":0}
}

func ExampleEventCounts_Get() {
	ec := metrics.EventCounts{Dropped: 9}
	for e := metrics.Event(0); e < metrics.NumEvents; e++ {
		if n := ec.Get(e); n != 0 {
			fmt.Println(e, n)
		}
	}
	// Output: dropped 9
}

func ExampleEvent_String() {
	for e := metrics.Event(0); e < metrics.NumEvents; e++ {
		fmt.Print(e, " ")
	}
	fmt.Println()
	// Output: published delivered dropped retried dead_lettered spilled replayed panics
}

func ExampleCircuitState_String() {
	fmt.Println(metrics.CircuitClosed, metrics.CircuitOpen, metrics.CircuitHalfOpen)
	// Output: closed open half-open
}

func ExampleNewClock() {
	clk := metrics.NewClock(metrics.ClockAuto) // once, at start-up
	// Which source depends on the machine; clk.Reason() says why, with the
	// read costs it measured.
	fmt.Println(clk.Source() == metrics.ClockTSC || clk.Source() == metrics.ClockMonotonic)
	// Output: true
}

func ExampleClock_Nanotime() {
	clk := metrics.NewClock(metrics.ClockAuto)
	rec, _ := metrics.NewRecorder(metrics.HistogramConfig{})

	sent := clk.Nanotime() // the producer stamps the event
	// ... the event crosses a ring to a worker ...
	rec.Record(clk.Nanotime() - sent) // the worker records the latency
	fmt.Println(rec.IntervalSnapshot().Count)
	// Output: 1
}

func ExampleClock_Source() {
	clk := metrics.NewClock(metrics.ClockMonotonic)
	fmt.Println(clk.Source())
	// Output: monotonic
}

func ExampleClock_Reason() {
	clk := metrics.NewClock(metrics.ClockMonotonic)
	fmt.Println(clk.Reason())
	// Output: monotonic clock requested
}

func ExampleClock_TSCFrequency() {
	clk := metrics.NewClock(metrics.ClockTSC)
	// Where the TSC is usable, TSCFrequency is its calibrated rate, about
	// 2.596e9 on the AMD EPYC we measured; otherwise 0.
	fmt.Println(clk.TSCFrequency() == 0 == (clk.Source() != metrics.ClockTSC))
	// Output: true
}

func ExampleClockSource_String() {
	fmt.Println(metrics.ClockAuto, metrics.ClockMonotonic, metrics.ClockTSC)
	// Output: auto monotonic tsc
}
