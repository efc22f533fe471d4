// Package demo holds the plan's demo components under the plan's names, so that the plan's
// routing YAML (docs/examples/trading.yaml) validates and runs with hotpath's CLI alone, and the
// benchmark suite can drive a user's configuration: indicators, strategies, aggressive_risk,
// conservative_risk, validation, execution, logger, analyzer, transformer, executor, and the
// phase-6 transformers market_to_signal and signal_to_order.
//
// The components are deterministic and cheap: they count what they see (Counts), and the
// strategy and the risk checks publish new events into the engine (Emit), as the plan's
// containers do: strategies publishes Signals from source "strategy", the risk checks publish
// Orders from source "risk". Nothing allocates per event. Counters are atomic, since a component
// may serve routes on several workers.
package demo

import (
	"errors"
	"sync/atomic"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/engine/config"
	"github.com/hotpath-go/hotpath/events"
)

// Sources the demo components publish from.
const (
	StrategySource = "strategy" // strategies publishes Signals from here
	RiskSource     = "risk"     // aggressive_risk and conservative_risk publish Orders from here
)

// Order sizes of the risk checks.
const (
	AggressiveQuantity   = 100
	ConservativeQuantity = 10
)

// Counts are the events each component has seen (or, for the risk checks, the orders they
// made). Safe for concurrent use.
type Counts struct {
	Indicators, Strategies        atomic.Uint64 // MarketData seen
	Aggressive, Conservative      atomic.Uint64 // Signals turned into Orders
	Validated, Invalid            atomic.Uint64 // Orders checked by validation
	Executed                      atomic.Uint64 // Orders seen by execution
	Logged, Analyzed              atomic.Uint64 // events of any kind
	Transformed, Executor         atomic.Uint64 // Signals turned into Orders by transformer; Orders seen by executor
	MarketToSignal, SignalToOrder atomic.Uint64 // events converted by the phase-6 transformers
}

// Components is one set of the demo components and their counts.
type Components struct {
	Counts Counts
	// OnOrder, if set before events flow, is called by execution and executor with every
	// Order they receive, on the route's goroutine (the benchmark suite times the flow there).
	OnOrder func(o *events.Order)
}

// New returns a set of demo components.
func New() *Components { return &Components{} }

// Strength is the strategy's model output for a price: its fractional part (100.85 -> 0.85),
// so that the plan's split at 0.7 sends about 30% of uniformly spread prices to aggressive_risk.
func Strength(p events.Price) float64 {
	f := p.Float()
	return f - float64(int64(f))
}

// ToSignal is the strategy: BUY above 100, SELL otherwise, with Strength(price).
func ToSignal(m *events.MarketData) (events.Signal, bool) {
	a := events.ActionSell
	if m.Price > events.PriceFromFloat(100) {
		a = events.ActionBuy
	}
	return events.Signal{Header: events.Header{TS: m.TS}, Symbol: m.Symbol, Action: a, Strength: Strength(m.Price), Ref: m.ID}, true
}

// ToOrder returns the risk sizing: an order of qty in the signal's direction (HOLD: none).
func ToOrder(qty int64) func(s *events.Signal) (events.Order, bool) {
	return func(s *events.Signal) (events.Order, bool) {
		side := events.SideBuy
		switch s.Action {
		case events.ActionSell:
			side = events.SideSell
		case events.ActionHold:
			return events.Order{}, false
		}
		return events.Order{Header: events.Header{TS: s.TS}, Symbol: s.Symbol, Side: side, Quantity: qty}, true
	}
}

// Register adds the components to r under the plan's names.
func (c *Components) Register(r *config.Registry) error {
	n := &c.Counts
	count := func(a *atomic.Uint64) func(*events.Raw) { return func(*events.Raw) { a.Add(1) } }
	order := func(a *atomic.Uint64) engine.HandlerFunc[events.Order] {
		return func(o *events.Order) {
			a.Add(1)
			if f := c.OnOrder; f != nil {
				f(o)
			}
		}
	}
	risk := func(a *atomic.Uint64, qty int64) engine.Handler[events.Signal] {
		size := ToOrder(qty)
		return engine.Transform(func(s *events.Signal) (events.Order, bool) {
			o, ok := size(s)
			if ok {
				a.Add(1)
			}
			return o, ok
		}, engine.Emit[events.Order](RiskSource))
	}
	return errors.Join(
		config.AddHandler(r, "indicators", engine.HandlerFunc[events.MarketData](func(*events.MarketData) { n.Indicators.Add(1) })),
		config.AddHandler(r, "strategies", engine.Transform(func(m *events.MarketData) (events.Signal, bool) {
			n.Strategies.Add(1)
			return ToSignal(m)
		}, engine.Emit[events.Signal](StrategySource))),
		config.AddHandler(r, "aggressive_risk", risk(&n.Aggressive, AggressiveQuantity)),
		config.AddHandler(r, "conservative_risk", risk(&n.Conservative, ConservativeQuantity)),
		config.AddHandler(r, "validation", engine.HandlerFunc[events.Order](func(o *events.Order) {
			if o.Quantity > 0 && o.Symbol != (events.Symbol{}) {
				n.Validated.Add(1)
			} else {
				n.Invalid.Add(1)
			}
		})),
		config.AddHandler(r, "execution", order(&n.Executed)),
		r.AddContainer("logger", engine.RawFunc("logger", count(&n.Logged))),
		r.AddContainer("analyzer", engine.RawFunc("analyzer", count(&n.Analyzed))),
		config.AddTransformer(r, "transformer", func(s *events.Signal) (events.Order, bool) {
			n.Transformed.Add(1)
			return ToOrder(AggressiveQuantity)(s)
		}),
		config.AddHandler(r, "executor", order(&n.Executor)),
		config.AddTransformer(r, "market_to_signal", func(m *events.MarketData) (events.Signal, bool) {
			n.MarketToSignal.Add(1)
			return ToSignal(m)
		}),
		config.AddTransformer(r, "signal_to_order", func(s *events.Signal) (events.Order, bool) {
			n.SignalToOrder.Add(1)
			return ToOrder(AggressiveQuantity)(s)
		}),
	)
}
