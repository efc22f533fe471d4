package engine_test

import (
	"context"
	"fmt"
	"log"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/events"
)

// The plan's phase-5 integration as a program: containers are plain types; the routing table
// wires them: feed -> strategy -> risk (aggressive / conservative by strength) -> execution.

// Strategy turns market data into signals: buy above 100, sell below, with a strength.
type Strategy struct{}

// OnMarketData is the strategy's model.
func (Strategy) OnMarketData(m *events.MarketData) (events.Signal, bool) {
	a := events.ActionSell
	if m.Price > events.PriceFromFloat(100) {
		a = events.ActionBuy
	}
	strength := float64(m.Volume%10) / 10
	return events.Signal{Symbol: m.Symbol, Action: a, Strength: strength, Ref: m.ID}, true
}

// Risk sizes orders; an aggressive desk takes bigger positions.
type Risk struct{ Quantity int64 }

// Size turns a signal into an order.
func (r Risk) Size(s *events.Signal) (events.Order, bool) {
	side := events.SideBuy
	if s.Action == events.ActionSell {
		side = events.SideSell
	}
	return events.Order{Header: events.Header{ID: s.Ref}, Symbol: s.Symbol, Side: side, Quantity: r.Quantity}, true
}

// Execution receives orders. It runs on one worker, so it needs no lock.
type Execution struct {
	orders, shares int64
	last           events.Order
}

// Receive executes an order.
func (x *Execution) Receive(o *events.Order) {
	x.orders++
	x.shares += o.Quantity
	x.last = *o
}

func Example_trading() {
	eng, err := engine.New(engine.Config{Workers: 2})
	if err != nil {
		log.Fatal(err)
	}
	var exec Execution
	strong := func(s *events.Signal) bool { return s.Strength > 0.7 }
	weak := func(s *events.Signal) bool { return s.Strength <= 0.7 }
	for _, r := range []engine.Route{
		{Name: "strategy", Source: "data_source", Worker: 0,
			Target: engine.To(engine.Transform(Strategy{}.OnMarketData, engine.Emit[events.Signal]("strategy")))},
		{Name: "aggressive_risk", Source: "strategy", Worker: 1,
			Target: engine.To(engine.Filter(strong, engine.Transform(Risk{Quantity: 100}.Size, engine.Emit[events.Order]("risk"))))},
		{Name: "conservative_risk", Source: "strategy", Worker: 1,
			Target: engine.To(engine.Filter(weak, engine.Transform(Risk{Quantity: 10}.Size, engine.Emit[events.Order]("risk"))))},
		{Name: "execution", Source: "risk", Worker: 0, Target: engine.To[events.Order](&exec)},
	} {
		if err := eng.Register(r); err != nil {
			log.Fatal(err)
		}
	}
	if err := eng.Start(); err != nil {
		log.Fatal(err)
	}
	feed, _ := eng.NewProducer("data_source")
	symbols := []events.Symbol{events.MustSymbol("AAPL"), events.MustSymbol("MSFT")}
	for i := int64(1); i <= 10000; i++ {
		md := events.MarketData{
			Header: events.Header{ID: uint64(i)},
			Symbol: symbols[i%2], Price: events.PriceFromFloat(95 + float64(i%10)), Volume: i,
		}
		if err := engine.Publish(feed, &md); err != nil {
			log.Fatal(err)
		}
	}
	_ = feed.Close()
	if err := eng.Stop(context.Background()); err != nil {
		log.Fatal(err)
	}
	for _, name := range []string{"strategy", "aggressive_risk", "conservative_risk", "execution"} {
		c, _ := eng.Counts(name)
		fmt.Printf("%-17s published %5d delivered %5d dropped %d\n", name, c.Published, c.Delivered, c.Dropped)
	}
	fmt.Printf("%d orders, %d shares; last: %s %d %s for market data %d\n",
		exec.orders, exec.shares, exec.last.Side, exec.last.Quantity, exec.last.Symbol, exec.last.ID)
	// Output:
	// strategy          published 10000 delivered 10000 dropped 0
	// aggressive_risk   published 10000 delivered 10000 dropped 0
	// conservative_risk published 10000 delivered 10000 dropped 0
	// execution         published 10000 delivered 10000 dropped 0
	// 10000 orders, 280000 shares; last: SELL 10 AAPL for market data 10000
}
