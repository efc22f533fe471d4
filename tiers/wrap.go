package tiers

import (
	"errors"
	"fmt"
	"sync"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/engine/metrics"
	"github.com/hotpath-go/hotpath/events"
)

// The plan's wrappers (with_error_handling, circuit_breaker, with_metrics) are tiers around a
// tier: each wraps the chain that the inner tier runs, so it sees every delivery the inner tier
// makes (every attempt, for a reliable tier), and an inner tier that only places the route
// (inline, standard) runs the wrapped chain as its Step. They compose:
//
//	WithMetrics(WithErrorHandling(tiers.Standard(), hook), reg)

// wrapBind binds inner with step around the chain; a binding without a Step runs step.
func wrapBind(inner engine.Tier, r engine.RouteInfo, step engine.Step) (engine.Binding, error) {
	b, err := inner.Bind(r, step)
	if err != nil {
		return b, err
	}
	if b.Step == nil {
		b.Step = step
	}
	return b, nil
}

// countersOf returns the counters a route's goroutine writes: its worker's, or worker 0's for
// an inline route (they are atomic).
func countersOf(r engine.RouteInfo, c *engine.Context) *metrics.Counters {
	return r.Metrics.Counters(max(c.Worker(), 0))
}

// WithErrorHandling returns inner with an error hook: every failed delivery of the route (the
// chain returned an error, or panicked) is counted on the route (dropped, or panics) and passed
// to onError with the route's name, the event's ID and the worker. onError's result decides
// what happens next: nil swallows the failure, as the plan's with_error_handling does (the
// delivery counts as done); an error fails the delivery anyway (a reliable inner tier retries
// it). A nil onError swallows every failure. onError runs on the route's goroutine; it must be
// quick and must not publish.
func WithErrorHandling(inner engine.Tier, onError func(*engine.DeliveryError) error) engine.Tier {
	return errorTier{inner: inner, onError: onError}
}

type errorTier struct {
	inner   engine.Tier
	onError func(*engine.DeliveryError) error
}

func (t errorTier) Name() string { return "with_error_handling(" + t.inner.Name() + ")" }
func (t errorTier) Inline() bool { return t.inner.Inline() }

func (t errorTier) Bind(r engine.RouteInfo, next engine.Step) (engine.Binding, error) {
	step := func(c *engine.Context, ev *events.Raw) error {
		p, err := deliver(next, c, ev)
		if err == nil {
			return nil
		}
		return t.failed(r, c, ev, p, err)
	}
	return wrapBind(t.inner, r, step)
}

//go:noinline
func (t errorTier) failed(r engine.RouteInfo, c *engine.Context, ev *events.Raw, p any, err error) error {
	ctr := countersOf(r, c)
	if p != nil {
		ctr.Inc(metrics.EventPanic)
		err = engine.ErrPanic
	} else {
		ctr.Inc(metrics.EventDropped)
	}
	if t.onError == nil {
		return nil
	}
	return t.onError(&engine.DeliveryError{Route: r.Name, EventID: ev.ID, Worker: c.Worker(), Panic: p, Err: err})
}

// WithCircuitBreaker returns inner behind a circuit breaker per route, configured by cfg:
// closed, it counts consecutive failed deliveries and opens at cfg.FailureThreshold; open, it
// refuses deliveries with ErrCircuitOpen (the engine counts and reports them; the event is not
// delivered) until cfg.OpenDuration has passed; then cfg.HalfOpenProbes deliveries probe the
// handler: all succeed and it closes, one fails and it opens again. The state is the route's
// circuit gauge in engine/metrics (and Prometheus). A panic counts as a failure and goes on to
// the engine. It serves asynchronous routes only (a breaker belongs to one goroutine). For a
// reliable route prefer ReliableConfig.Breaker, which spills while the circuit is open instead
// of failing.
func WithCircuitBreaker(inner engine.Tier, cfg BreakerConfig) (engine.Tier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &breakerTier{inner: inner, cfg: cfg, routes: map[string]*routeBreaker{}}, nil
}

type breakerTier struct {
	inner  engine.Tier
	cfg    BreakerConfig
	mu     sync.Mutex
	routes map[string]*routeBreaker // kept by name across recompiles
}

// routeBreaker is a route's breaker and the state last written to its gauge: its worker's.
type routeBreaker struct {
	br    *Breaker
	noted metrics.CircuitState
}

func (t *breakerTier) Name() string { return "circuit_breaker(" + t.inner.Name() + ")" }
func (t *breakerTier) Inline() bool { return t.inner.Inline() }

func (t *breakerTier) Bind(r engine.RouteInfo, next engine.Step) (engine.Binding, error) {
	if r.Worker < 0 || t.inner.Inline() {
		return engine.Binding{}, fmt.Errorf("tiers: circuit_breaker: route %q is inline", r.Name)
	}
	t.mu.Lock()
	rb := t.routes[r.Name]
	if rb == nil {
		br, _ := NewBreaker(t.cfg) // validated
		rb = &routeBreaker{br: br}
		t.routes[r.Name] = rb
	}
	t.mu.Unlock()
	ctr := r.Metrics.Counters(r.Worker)
	note := func() {
		if st := metrics.CircuitState(rb.br.State()); st != rb.noted {
			rb.noted = st
			ctr.SetCircuit(st)
		}
	}
	step := func(c *engine.Context, ev *events.Raw) error {
		br := rb.br
		was := br.State()
		if was != CircuitClosed {
			ok := br.Allow(r.Clock.Nanotime())
			note()
			if !ok {
				return ErrCircuitOpen
			}
		}
		p, err := deliver(next, c, ev)
		if err != nil {
			br.Failure(r.Clock.Nanotime())
			note()
			if p != nil {
				panic(p) // the engine recovers, counts and reports it
			}
			return err
		}
		br.Success(0)
		if was != CircuitClosed {
			note()
		}
		return nil
	}
	return wrapBind(t.inner, r, step)
}

// CircuitOf returns the state of route's breaker in t, a tier made by WithCircuitBreaker; false
// if t is not one or never bound the route. Safe for concurrent use.
func CircuitOf(t engine.Tier, route string) (CircuitState, bool) {
	bt, ok := t.(*breakerTier)
	if !ok {
		return 0, false
	}
	bt.mu.Lock()
	defer bt.mu.Unlock()
	rb := bt.routes[route]
	if rb == nil {
		return 0, false
	}
	return rb.br.State(), true
}

// WithMetrics returns inner with the plan's with_metrics: the time each delivery of the route
// takes in its chain (the handler's service time, as opposed to the engine's publish-to-handler
// latency) is recorded in reg under the route's name plus ":handler", with that route's
// delivered, dropped and panics counters. Reading reg (Snapshot, its Prometheus handler) shows
// it beside the engine's routes. It costs two clock reads and an HDR record per event, and
// allocates nothing. It serves asynchronous routes only (a recorder has one writer per worker),
// and reg must have a slot for the route's worker.
func WithMetrics(inner engine.Tier, reg *metrics.Registry) engine.Tier {
	return metricsTier{inner: inner, reg: reg}
}

type metricsTier struct {
	inner engine.Tier
	reg   *metrics.Registry
}

func (t metricsTier) Name() string { return "with_metrics(" + t.inner.Name() + ")" }
func (t metricsTier) Inline() bool { return t.inner.Inline() }

// HandlerSuffix is what WithMetrics appends to a route's name for its service-time metrics.
const HandlerSuffix = ":handler"

func (t metricsTier) Bind(r engine.RouteInfo, next engine.Step) (engine.Binding, error) {
	switch {
	case t.reg == nil:
		return engine.Binding{}, errors.New("tiers: with_metrics: no registry")
	case r.Worker < 0 || t.inner.Inline():
		return engine.Binding{}, fmt.Errorf("tiers: with_metrics: route %q is inline", r.Name)
	case r.Worker >= t.reg.Workers():
		return engine.Binding{}, fmt.Errorf("tiers: with_metrics: route %q runs on worker %d, the registry has %d slots", r.Name, r.Worker, t.reg.Workers())
	}
	name := r.Name + HandlerSuffix
	m := t.reg.Route(name)
	if m == nil {
		var err error
		if m, err = t.reg.AddRoute(name); err != nil {
			return engine.Binding{}, fmt.Errorf("tiers: with_metrics: %w", err)
		}
	}
	rec, ctr, clock := m.Recorder(r.Worker), m.Counters(r.Worker), r.Clock
	step := func(c *engine.Context, ev *events.Raw) error {
		start := clock.Nanotime()
		p, err := deliver(next, c, ev)
		rec.Record(clock.Nanotime() - start)
		switch {
		case p != nil:
			ctr.Inc(metrics.EventPanic)
			panic(p)
		case err != nil:
			ctr.Inc(metrics.EventDropped)
		default:
			ctr.Inc(metrics.EventDelivered)
		}
		return err
	}
	return wrapBind(t.inner, r, step)
}

var (
	_ engine.Tier = errorTier{}
	_ engine.Tier = (*breakerTier)(nil)
	_ engine.Tier = metricsTier{}
)
