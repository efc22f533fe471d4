package events_test

import (
	"fmt"

	"github.com/hotpath-go/hotpath/events"
)

func ExampleRegister() {
	type Fill struct {
		events.Header
		OrderID  uint64
		Price    events.Price
		Quantity int32
	}
	r := events.NewRegistry()
	k, err := events.Register[Fill](r, "Fill")
	fmt.Println(k, err)

	type Bad struct {
		events.Header
		Note string
	}
	_, err = events.Register[Bad](r, "Bad")
	fmt.Println(err)
	// Output:
	// 16 <nil>
	// events: kind contains pointers (string, slice, map, pointer, interface, chan or func): Bad.Note (string)
}

func ExampleAs() {
	md := events.MarketData{Symbol: events.MustSymbol("AAPL"), Price: events.PriceFromFloat(150.25), Volume: 100}
	md.Kind = events.KindMarketData
	raw := events.ToRaw(&md) // what a ring slot holds
	view := events.As[events.MarketData](&raw)
	fmt.Println(view.Symbol, view.Price, view.Volume)
	// Output: AAPL 150.25 100
}

func ExampleIDSpace() {
	var space events.IDSpace
	feedA, _ := space.NewGen() // one generator per producer goroutine
	feedB, _ := space.NewGen()
	fmt.Printf("%#x %#x %#x\n", feedA.Next(), feedA.Next(), feedB.Next())
	// Output: 0x1000000000001 0x1000000000002 0x2000000000001
}

func ExampleParsePrice() {
	p, _ := events.ParsePrice("150.25")
	fmt.Println(int64(p), p)
	// Output: 15025000000 150.25
}

func ExampleParseSymbol() {
	y, err := events.ParseSymbol("AAPL")
	fmt.Println(y, err)
	// Output: AAPL <nil>
}
