// Package bench is hotpath's benchmark harness: it drives an implementation under test at a
// constant rate (open loop) and as fast as it goes (closed loop), records latency in HDR
// histograms, counts allocations, and reports the results as a [Report] whose JSON schema is
// stable (docs/benchmarks.md). The hotpath command (bench/cmd/hotpath) is a thin layer of flags
// and printing over [Run], [Report.WriteTable], [WriteDir] and [Compare].
//
// # Method
//
// Every implementation under test is a [Target]: producers publish fixed-size events
// (events.Raw) through Send, and whatever consumes them hands each event, once it has completed
// its path, to the harness's [Sink]. A [Scenario] names a workload (spsc, mpmc-2p2c, ...) and
// lists its implementations (hotpath, chan, workiva, copy, raw ...), one of them the baseline.
//
// Each implementation is measured in two phases, each on a fresh Target:
//
//   - Closed loop: producers send as fast as the Target accepts; the harness calibrates the
//     event count so that a repetition lasts its share of Config.Duration, runs
//     Config.Reps repetitions, and reports the median ns per event, its relative spread, and
//     the heap allocations per event (runtime.MemStats.Mallocs over the repetitions, divided by
//     the events and truncated, as go test reports allocs/op).
//   - Open loop: producers send at Config.Rate events per second in total, on a fixed
//     schedule: event k is due at start + k/rate. Each event carries its intended send time
//     (events.Header.TS), and its latency is measured from that time, not from when it was
//     actually sent. A producer that falls behind (the Target blocked it) sends the overdue
//     events at once, and their latency includes the time they waited to be sent: stalls show
//     in the percentiles instead of being hidden by a sender that slowed down with the system
//     (coordinated omission; Gil Tene's correction, as wrk2 applies it). Latencies go into one
//     HDR histogram per sink slot (single writer each, no locks, no allocation) and are merged
//     when the phase ends. Where the machine has a CPU for each producer and consumer, the
//     harness pins them (affinity.Pin) to the CPUs the core-to-core limit was measured
//     between (or to Config.CPUs); consumers that pin themselves, an engine's workers, are
//     told their CPUs in Env.CPUs.
//
// The core-to-core limit (affinity.MeasureLimits) is measured in the same run, so that every
// latency can be quoted as a ratio to what no queue between two cores can beat, and so is the
// harness floor: the open loop's own latency with nothing under test (two clock reads and the
// pacing), which every latency includes.
//
// # Concurrency and allocation
//
// Run owns every goroutine it starts and joins them before it returns. Targets run their own
// consumer goroutines between Start and Stop. A Report is plain data once Run returns. Nothing
// in the harness's per-event path allocates: Fill and Sink functions are built once per phase.
package bench
