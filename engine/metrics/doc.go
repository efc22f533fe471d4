// Package metrics records hotpath's latencies and per-route counters on the
// hot path and reads them, off it, for snapshots and Prometheus.
//
// It imports nothing else of hotpath; the engine owns a Registry and hands
// each worker the *Recorder and *Counters of its (route, worker) slot once,
// when it compiles its routing table.
//
// # Contract
//
// Writers (the hot path):
//   - Recorder.Record: single writer per Recorder, no lock, no allocation,
//     about 7 ns (two atomic adds around an HDR histogram increment).
//     Out-of-range values are clamped to [0, HighestNs] and counted.
//   - Counters.Add/Inc/SetCircuit: any goroutine, one atomic operation,
//     each counter on its own 64-byte cache line.
//   - Clock.Nanotime: any goroutine, no allocation; monotonic nanoseconds
//     from the TSC or the runtime's monotonic clock (see NewClock).
//
// Readers (any goroutine, never blocking a writer): Recorder's
// IntervalSnapshot, CumulativeSnapshot and Cumulative; Registry's Snapshot
// and Handler. A reader swaps the writer's active histogram for a spare one
// with an atomic pointer and waits, by polling the writer's phase counter,
// for at most the one Record that may still be writing the old one: the
// semantics of HdrHistogram's SingleWriterRecorder (WriterReaderPhaser). Readers
// serialise among themselves on mutexes the writers never take.
//
// Nothing is lost or counted twice across flips: every recorded value lands
// in exactly one interval, and the intervals add up to the since-start
// totals.
//
// Layout of the writer's side of a Recorder (each row one 64-byte line):
//
//	+0    padding (keeps seq off the previous object's line)
//	+64   seq     uint64, writer's phase, odd while a Record is in flight
//	+128  active  *tally (read by the writer, swapped by readers), highest
//	+192  reader side: mutex, spare / interval / total tallies (cold)
//
// docs/metrics.md describes the design, the flip protocol and why it is
// safe, the measured costs and the Prometheus names.
package metrics
