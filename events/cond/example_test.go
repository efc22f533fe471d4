package cond_test

import (
	"errors"
	"fmt"

	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/events/cond"
)

func ExampleCompile() {
	reg := events.NewRegistry()
	kind, _ := reg.Lookup("Signal")
	strong, err := cond.Compile("strength > 0.7", kind)
	if err != nil {
		panic(err)
	}
	for _, s := range []float64{0.9, 0.7, 0.2} {
		sig := events.Signal{Symbol: events.MustSymbol("AAPL"), Action: events.ActionBuy, Strength: s}
		raw := events.ToRaw(&sig) // what a ring slot holds
		fmt.Println(s, strong(&raw))
	}
	// Output:
	// 0.9 true
	// 0.7 false
	// 0.2 false
}

func ExampleCompile_complex() {
	reg := events.NewRegistry()
	kind, _ := reg.Lookup("Order")
	big, err := cond.Compile(`side == SELL && order_type in [LIMIT, STOP_LIMIT] && limit >= 100.5 && quantity > 100`, kind)
	if err != nil {
		panic(err)
	}
	o := events.Order{Symbol: events.MustSymbol("MSFT"), Side: events.SideSell, OrderType: events.OrderLimit,
		Quantity: 500, Limit: events.Price(10050000000)} // 100.5
	raw := events.ToRaw(&o)
	fmt.Println(big(&raw))
	o.Limit-- // 100.49999999
	raw = events.ToRaw(&o)
	fmt.Println(big(&raw))
	// Output:
	// true
	// false
}

func ExampleCompile_error() {
	reg := events.NewRegistry()
	kind, _ := reg.Lookup("Signal")
	for _, src := range []string{
		"strenght > 0.7",
		`strength > "high"`,
		"action == BUYY",
		"(strength > 0.7",
	} {
		_, err := cond.Compile(src, kind)
		fmt.Println(err)
	}
	// Output:
	// col 1: unknown field "strenght" of Signal (fields: id, ts, kind, source, symbol, action, strength, ref); did you mean "strength"?
	// col 12: strength is a float64 field: expected a number, found string "high"
	// col 11: unknown value "BUYY" for enum field action (values: HOLD, BUY, SELL); did you mean "BUY"?
	// col 16: missing ")" to close the "(" at col 1; found end of condition
}

func ExampleError() {
	reg := events.NewRegistry()
	kind, _ := reg.Lookup("MarketData")
	_, err := cond.Compile("symbol == 'AAPL' && price > 100.123456789", kind)
	var e *cond.Error
	if errors.As(err, &e) {
		// a configuration loader adds the file, line and column of the condition itself
		fmt.Printf("trading.yaml:12:%d: %s\n", 20+e.Pos-1, e.Msg)
		fmt.Printf("text %q, expected %s, range error: %v\n", e.Text, e.Expected, errors.Is(err, cond.ErrRange))
	}
	// Output:
	// trading.yaml:12:48: price 100.123456789 has more than 8 decimal places; prices are exact to 0.00000001
	// text "100.123456789", expected at most 8 decimal places, range error: true
}

func ExampleFor() {
	reg := events.NewRegistry()
	kind, _ := reg.Lookup("Signal")
	c, _ := cond.Compile(`action == BUY && symbol in ["AAPL", "MSFT"]`, kind)
	buy := cond.For[events.Signal](c)
	fmt.Println(buy(&events.Signal{Symbol: events.MustSymbol("MSFT"), Action: events.ActionBuy}))
	fmt.Println(buy(&events.Signal{Symbol: events.MustSymbol("TSLA"), Action: events.ActionBuy}))
	// Output:
	// true
	// false
}
