package bench

import (
	"context"
	"errors"
	"os"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/tiers"
)

// TierBatch is the most events the tier scenarios' producer publishes at once (one
// PublishBatch): the open loop's Shape.Batch and the closed loop's chunk.
const TierBatch = 64

// FastBatch is the fast-batch scenario: one route, end to end as in route-e2e, on the fast tier
// (hotpath: tiers.Fast, batches of up to TierBatch handed on at the end of every lane batch, no
// linger), against the same route on the standard tier (standard), the baseline. The producer publishes up to
// TierBatch due events at once (PublishBatch), so the worker takes them in batches and the fast
// tier's batching has something to batch; latency is from the intended send time to the
// handler.
func FastBatch() Scenario {
	return Scenario{
		Name:     "fast-batch",
		Doc:      "one route on the fast tier (batches of up to 64) against the standard tier",
		Baseline: "standard",
		Impls: []Impl{
			{Name: "hotpath", New: func() (Target, error) { return &tierRoute{tier: tierFast}, nil }},
			{Name: "standard", New: func() (Target, error) { return &tierRoute{tier: tierStandard}, nil }},
		},
	}
}

// ReliableWAL is the reliable-wal scenario: the route on the reliable tier with its logs on disk
// in a fresh temporary directory (removed by Stop). hotpath is the tier's default: events
// travel in the lane and reach the write-ahead log only when the route cannot keep up (it
// spills, then replays in order). write-ahead is ReliableConfig.WriteAhead: every event is
// appended and made durable on the publisher's goroutine (group commit per PublishBatch)
// before the publish returns, and delivered from the log. standard is the baseline, the same
// route with no log. Before Stop each reliable Target waits (ReliableTier.Drain) until the
// route has delivered everything it took. The logs' flushers need a CPU too (Shape.Consumers),
// so on a two-CPU machine the scenario runs unpinned.
func ReliableWAL() Scenario {
	return Scenario{
		Name:     "reliable-wal",
		Doc:      "one route on the reliable tier, logs on disk: lane with spill, and write-ahead",
		Baseline: "standard",
		Impls: []Impl{
			{Name: "hotpath", New: func() (Target, error) { return &tierRoute{tier: tierReliable(false), consumers: 2}, nil }},
			{Name: "write-ahead", New: func() (Target, error) { return &tierRoute{tier: tierReliable(true), consumers: 2}, nil }},
			{Name: "standard", New: func() (Target, error) { return &tierRoute{tier: tierStandard, consumers: 2}, nil }},
		},
	}
}

// tierMaker builds a route's tier, with dir for its logs, and returns what to drain before
// the engine stops (nil: nothing) and what to close after.
type tierMaker func(dir string) (t engine.Tier, drain func(ctx context.Context, route string) error, closeFn func() error, err error)

func tierStandard(string) (engine.Tier, func(context.Context, string) error, func() error, error) {
	return tiers.Standard(), nil, nil, nil
}

func tierFast(string) (engine.Tier, func(context.Context, string) error, func() error, error) {
	t, err := tiers.Fast(tiers.FastConfig{BatchSize: TierBatch})
	return t, nil, nil, err
}

func tierReliable(writeAhead bool) tierMaker {
	return func(dir string) (engine.Tier, func(context.Context, string) error, func() error, error) {
		t, err := tiers.Reliable(tiers.ReliableConfig{Dir: dir, WriteAhead: writeAhead})
		if err != nil {
			return nil, nil, nil, err
		}
		return t, t.Drain, t.Close, nil
	}
}

// tierRouteName is the tier scenarios' route.
const tierRouteName = "tier-route"

// tierRoute is an engine with one route on a tier, from a dedicated producer that publishes in
// batches.
type tierRoute struct {
	tier      tierMaker
	consumers int // Shape.Consumers: 1, or 2 with a log's flusher

	eng     *engine.Engine
	prod    *engine.Producer
	drain   func(context.Context, string) error
	closeFn func() error
	dir     string
	buf     []events.Raw
}

func (t *tierRoute) Shape() Shape {
	return Shape{Producers: 1, Consumers: max(t.consumers, 1), Sinks: 1, Batch: TierBatch}
}

func (t *tierRoute) Start(env Env) error {
	dir, err := os.MkdirTemp("", "hotpath-tier-")
	if err != nil {
		return err
	}
	t.dir = dir
	tier, drain, closeFn, err := t.tier(dir)
	if err != nil {
		return errors.Join(err, os.RemoveAll(dir))
	}
	t.drain, t.closeFn = drain, closeFn
	e, err := engine.New(engineConfig(env, 1))
	if err != nil {
		return errors.Join(err, t.cleanup())
	}
	sink := env.Sink
	h := engine.HandlerFunc[events.MarketData](func(m *events.MarketData) { sink(0, rawOf(m)) })
	if err := e.Register(engine.Route{Name: tierRouteName, Source: routeSource, Target: engine.To(h), Tier: tier}); err != nil {
		return errors.Join(err, t.cleanup())
	}
	if err := e.Start(); err != nil {
		return errors.Join(err, t.cleanup())
	}
	t.eng = e
	if t.prod, err = e.NewProducer(routeSource); err != nil {
		return errors.Join(err, stopEngine(e), t.cleanup())
	}
	t.buf = make([]events.Raw, TierBatch)
	for i := range t.buf {
		t.buf[i].Kind = events.KindMarketData
	}
	return nil
}

func (t *tierRoute) Send(_, n int, fill Fill) error {
	for n > 0 {
		k := min(n, len(t.buf))
		for i := range k {
			fill(i, &t.buf[i])
		}
		if err := t.prod.PublishBatch(t.buf[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

// Stop closes the producer, waits for a reliable route to deliver what its tier holds, drains
// the engine, closes the tier and removes its directory.
func (t *tierRoute) Stop() error {
	err := t.prod.Close()
	if t.drain != nil && err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
		err = t.drain(ctx, tierRouteName)
		cancel()
	}
	return errors.Join(err, stopEngine(t.eng), t.cleanup())
}

// cleanup closes the tier and removes the directory.
func (t *tierRoute) cleanup() error {
	var err error
	if t.closeFn != nil {
		err = t.closeFn()
	}
	return errors.Join(err, os.RemoveAll(t.dir))
}
