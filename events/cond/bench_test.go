package cond_test

import (
	"math/rand/v2"
	"testing"

	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/events/cond"
)

// benchEvents is the number of events a benchmark cycles through: enough that the results of
// the comparisons vary, few enough to stay in L1.
const benchEvents = 256

// benchSignals returns signals with uniform strengths in [0, 1), random actions and one of four
// symbols, from a fixed seed.
func benchSignals() []events.Raw {
	rng := rand.New(rand.NewPCG(1, 2))
	syms := []events.Symbol{events.MustSymbol("AAPL"), events.MustSymbol("MSFT"), events.MustSymbol("GOOG"), events.MustSymbol("TSLA")}
	out := make([]events.Raw, benchEvents)
	for i := range out {
		s := events.Signal{Symbol: syms[rng.IntN(len(syms))], Action: events.Action(rng.IntN(3)), Strength: rng.Float64(), Ref: rng.Uint64()}
		s.Kind = events.KindSignal
		s.ID = uint64(i)
		out[i] = events.ToRaw(&s)
	}
	return out
}

func benchOrders() []events.Raw {
	rng := rand.New(rand.NewPCG(3, 4))
	syms := []events.Symbol{events.MustSymbol("AAPL"), events.MustSymbol("MSFT"), events.MustSymbol("GOOG"), events.MustSymbol("TSLA")}
	out := make([]events.Raw, benchEvents)
	for i := range out {
		o := events.Order{Symbol: syms[rng.IntN(len(syms))], Side: events.Side(rng.IntN(2)), OrderType: events.OrderType(rng.IntN(4)),
			Quantity: int64(rng.IntN(2000)), Limit: events.Price(rng.Int64N(300 * events.PriceScale))}
		o.Kind = events.KindOrder
		out[i] = events.ToRaw(&o)
	}
	return out
}

// The hand-written baselines come out of functions the compiler may not inline, so that they
// are called through a func value like the compiled conditions, not inlined into the loop.

//go:noinline
func handStrength() func(*events.Signal) bool {
	return func(s *events.Signal) bool { return s.Strength > 0.7 }
}

//go:noinline
func handSignal() func(*events.Signal) bool {
	aapl, msft := events.MustSymbol("AAPL"), events.MustSymbol("MSFT")
	return func(s *events.Signal) bool {
		return s.Strength > 0.7 && s.Action == events.ActionBuy && (s.Symbol == aapl || s.Symbol == msft)
	}
}

//go:noinline
func handOrder() func(*events.Order) bool {
	lo, hi := events.Price(100*events.PriceScale), events.Price(200*events.PriceScale+50_000_000)
	return func(o *events.Order) bool {
		return o.Side == events.SideSell && (o.OrderType == events.OrderLimit || o.OrderType == events.OrderStopLimit) &&
			o.Limit >= lo && o.Limit < hi && o.Quantity > 100
	}
}

func benchCompiled(b *testing.B, src, kind string, evs []events.Raw) {
	info, _ := events.NewRegistry().Lookup(kind)
	c, err := cond.Compile(src, info)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	n := 0
	for i := 0; b.Loop(); i++ {
		if c(&evs[i%benchEvents]) {
			n++
		}
	}
	sink = n
}

func benchHand[T any](b *testing.B, h func(*T) bool, evs []events.Raw) {
	b.ReportAllocs()
	n := 0
	for i := 0; b.Loop(); i++ {
		if h(events.As[T](&evs[i%benchEvents])) {
			n++
		}
	}
	sink = n
}

var sink int

// BenchmarkCondition compares the plan's condition, strength > 0.7, compiled, with the same
// comparison written in Go, both called through a func value over the same events.
func BenchmarkCondition(b *testing.B) {
	evs := benchSignals()
	b.Run("compiled", func(b *testing.B) { benchCompiled(b, "strength > 0.7", "Signal", evs) })
	b.Run("handwritten", func(b *testing.B) { benchHand(b, handStrength(), evs) })
}

// The conditions of BenchmarkConditionComplex, and their hand-written equivalents below.
const (
	complexSignal = `strength > 0.7 && action == BUY && symbol in ["AAPL", "MSFT"]`
	complexOrder  = `side == SELL && order_type in [LIMIT, STOP_LIMIT] && limit >= 100 && limit < 200.5 && quantity > 100`
)

// BenchmarkConditionComplex does the same for conditions of several comparisons.
func BenchmarkConditionComplex(b *testing.B) {
	sigs, orders := benchSignals(), benchOrders()
	b.Run("signal/compiled", func(b *testing.B) {
		benchCompiled(b, complexSignal, "Signal", sigs)
	})
	b.Run("signal/handwritten", func(b *testing.B) { benchHand(b, handSignal(), sigs) })
	b.Run("order/compiled", func(b *testing.B) {
		benchCompiled(b, complexOrder, "Order", orders)
	})
	b.Run("order/handwritten", func(b *testing.B) { benchHand(b, handOrder(), orders) })
}

// BenchmarkCompile measures compiling a condition, which happens at start-up and on reload.
func BenchmarkCompile(b *testing.B) {
	info, _ := events.NewRegistry().Lookup("Order")
	for _, bc := range []struct{ name, src string }{{"simple", "quantity > 100"}, {"complex", complexOrder}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := cond.Compile(bc.src, info); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
