package engine_test

import (
	"context"
	"fmt"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/events"
)

func ExampleEngine_Replace() {
	e, _ := engine.New(engine.Config{})
	say := func(what string) engine.Target {
		return engine.To(engine.HandlerFunc[events.MarketData](func(m *events.MarketData) {
			fmt.Println(what, m.Symbol)
		}))
	}
	_ = e.Replace(nil, []engine.Route{{Name: "old", Source: "feed", Target: say("old"), Tier: engine.Inline()}})
	_ = e.Start()
	p, _ := e.NewProducer("feed")
	m := events.MarketData{Symbol: events.MustSymbol("AAPL")}
	_ = engine.Publish(p, &m)

	// One swap: "old" goes, "new" comes; a failing Replace would have changed nothing.
	err := e.Replace([]string{"old"}, []engine.Route{{Name: "new", Source: "feed", Target: say("new"), Tier: engine.Inline()}})
	fmt.Println("replace:", err)
	_ = engine.Publish(p, &m)
	fmt.Println("moving a missing route:", e.Replace([]string{"old"}, nil))
	_ = p.Close()
	_ = e.Stop(context.Background())
	// Output:
	// old AAPL
	// replace: <nil>
	// new AAPL
	// moving a missing route: engine: invalid route: no route "old"
}

func ExampleTransformOf() {
	e, _ := engine.New(engine.Config{})
	execute := engine.RawFunc("execute", func(r *events.Raw) {
		o := events.As[events.Order](r)
		fmt.Println("order", o.Symbol, o.Side, o.Quantity)
	})
	toOrder := func(s *events.Signal) (events.Order, bool) {
		return events.Order{Symbol: s.Symbol, Side: events.SideBuy, Quantity: 100}, s.Action == events.ActionBuy
	}
	t, err := engine.TransformOf(toOrder, execute)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(t)
	_ = e.Register(engine.Route{Source: "strategy", Target: t, Tier: engine.Inline()})
	_ = e.Start()
	p, _ := e.NewProducer("strategy")
	for _, a := range []events.Action{events.ActionBuy, events.ActionHold} {
		s := events.Signal{Symbol: events.MustSymbol("MSFT"), Action: a}
		_ = engine.Publish(p, &s)
	}
	_ = p.Close()
	_ = e.Stop(context.Background())
	// Output:
	// transform(Signal->Order, execute)
	// order MSFT BUY 100
}
