package bench

import "github.com/hotpath-go/hotpath/events"

// Fill writes event i (0-based within one Send call) in place. The harness builds one Fill per
// producer per phase; it sets the event's ID and, in the open loop, its intended send time in
// Header.TS. A Target calls it once per event, on the producer's goroutine, before publishing.
type Fill func(i int, e *events.Raw)

// Sink receives every event that has completed its path through a Target. slot selects the
// harness's recorder and must be in [0, Shape.Sinks); at most one goroutine at a time may use a
// slot (usually consumer c uses slot c). e is read during the call only. Sink does not allocate.
type Sink func(slot int, e *events.Raw)

// Shape describes a Target's goroutines and delivery, for the harness to size its recorders.
type Shape struct {
	// Producers is how many producer goroutines the harness runs; each calls Send with its
	// own index.
	Producers int
	// Consumers is how many goroutines besides the producers need a CPU while events flow:
	// those Start runs that take events, and any the Target relies on but cannot pin (a log's
	// flusher). The harness pins only when it has a CPU for every producer and consumer; 0
	// when nothing else runs.
	Consumers int
	// Sinks is how many single-writer Sink slots the Target uses.
	Sinks int
	// Batch is the most events the open loop hands to one Send call (all that are due, up to
	// Batch). 0 or 1 means one event per call.
	Batch int
	// Fanout is how many times each event reaches the Sink (each consumer of a multicast sees
	// every event); 0 means 1.
	Fanout int
}

// Env is what the harness hands a Target when it starts it.
type Env struct {
	// Sink receives every event that completes its path.
	Sink Sink
	// OnStart must be called by every goroutine the Target starts to take events, with its
	// consumer index (0 <= c < Shape.Consumers), before it takes any: the harness pins it there.
	OnStart func(consumer int)
	// Dedicated is true when the harness gives every producer and consumer a CPU of its own
	// (it pins them). Waiting goroutines should then busy-spin: a pinned goroutine that yields
	// hands its locked thread to the OS scheduler, which costs microseconds. Otherwise they
	// share CPUs and must yield.
	Dedicated bool
	// CPUs is, when Dedicated, the CPU the harness gives each consumer (consumer c gets
	// CPUs[c]), and nil otherwise. It is for Targets whose consumers pin themselves, such as an
	// engine's workers (engine.Config.CPUs), rather than call OnStart: they must pin there, so
	// that no two spinning goroutines share a CPU.
	CPUs []int
}

// Target is one implementation under test, built fresh for every phase by its [Impl]. The
// harness calls Shape, then Start once, then Send from Shape.Producers goroutines concurrently
// (producer p from one goroutine only), then, after every Send has returned, Stop once.
type Target interface {
	// Shape returns the Target's shape; it must not change.
	Shape() Shape
	// Start builds what the events go through (rings, engine) and starts whatever consumes
	// them (consumer goroutines, engine workers). What it allocates is not counted. Targets
	// whose goroutines pin themselves pin them to env.CPUs instead of calling env.OnStart;
	// goroutines nobody pins (a log's flusher) never call OnStart.
	Start(env Env) error
	// Send publishes n events from producer p, each filled in place by fill, waiting while the
	// Target is full. It must not allocate.
	Send(p, n int, fill Fill) error
	// Stop returns once every event sent has reached the Sink and every goroutine Start began
	// has exited.
	Stop() error
}

// Impl is one implementation of a scenario.
type Impl struct {
	// Name is the implementation's name in reports: hotpath, chan, workiva, copy, raw ...
	Name string
	// New returns a fresh Target for one phase; Start builds its state. What it allocates is
	// not counted.
	New func() (Target, error)
	// NoLatency skips the open-loop phase: the implementation hands nothing from one
	// goroutine to another (copy), so a latency would mean nothing.
	NoLatency bool
}

// Scenario is one workload of the suite and its implementations.
type Scenario struct {
	// Name is the scenario's stable name in reports (spsc, mpmc-2p2c, route-e2e ...).
	Name string
	// Doc says in one line what is measured.
	Doc string
	// Baseline names the Impl every other is compared with (ratio_to_baseline).
	Baseline string
	// Impls are measured in order.
	Impls []Impl
	// Rate, when positive, is the open-loop rate of this scenario in events per second,
	// instead of Config.Rate: a sweep over rates is one scenario per rate (route-e2e at the
	// suite's rate, route-e2e-1m at 1M events/s).
	Rate float64
	// Sweep, when set, makes the scenario a sweep up to saturation: each implementation's
	// closed loop runs once, then its open loop once per entry, at that percentage of the
	// first implementation's closed-loop throughput (the same rates for every implementation),
	// each for an equal share of the open loop's time. Each point is a result of its own,
	// named Name-<percentage> (route-e2e-sweep-50), carrying the closed loop's figures. Rate is
	// then ignored.
	Sweep []int
}
