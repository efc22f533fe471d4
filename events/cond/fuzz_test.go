package cond_test

import (
	"errors"
	"math"
	"testing"
	"unicode/utf8"

	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/events/cond"
)

// fuzzEvents returns a few events of every kind with ordinary and extreme field values.
func fuzzEvents() []events.Raw {
	var out []events.Raw
	for _, strength := range []float64{0.8, math.NaN(), math.Copysign(0, -1), math.Inf(-1)} {
		out = append(out, signal(1, "AAPL", events.ActionBuy, strength, 7))
	}
	out = append(out, market("MSFT", "-92233720368.54775807", math.MinInt64), order("GOOG", events.SideSell, events.OrderType(200), 5, "1"))
	var extreme events.Raw
	for i := range extreme.Payload {
		extreme.Payload[i] = 0xff
	}
	extreme.ID, extreme.TS = math.MaxUint64, math.MinInt64
	return append(out, extreme, events.Raw{})
}

// FuzzCompile feeds arbitrary text to Compile for several kinds: it must return a condition or
// an *Error that points inside the text, never panic or hang; a condition must evaluate on any
// event, and agree with its own negation and conjunction.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		"strength > 0.7", "strength <= 0.7", `strength > 0.7 && action == BUY && symbol in ["AAPL", "MSFT"]`,
		"!(action in [HOLD]) || ref != 0", "price >= 100.5 and price < 200 or volume > 1e3", "not maker",
		`side == SELL && order_type not in [MARKET, "STOP"]`, "quantity > -5 && limit < 0.00000001", "true", "",
		"((strength", `symbol == 'AAPL`, "x = 1", "1.2.3", "strength > 1e999", "action == 3", "id in [1, 2, 3,]",
		"f32 > 0.1 && i8 < -3 && u16 in [1, 2, 65535] && sym == 'A' && px < 1", "a > 1 && g < 2 && h in [3] && i",
	} {
		f.Add(s)
	}
	reg := testRegistry(f)
	var kinds []events.KindInfo
	for _, name := range []string{"Signal", "MarketData", "Order", "Wide", "Tail"} {
		kinds = append(kinds, kindInfo(f, reg, name))
	}
	evs := fuzzEvents()
	f.Fuzz(func(t *testing.T, src string) {
		for _, kind := range kinds {
			c, err := cond.Compile(src, kind)
			if err != nil {
				var e *cond.Error
				if !errors.As(err, &e) {
					t.Fatalf("Compile(%q) = %v, not a *cond.Error", src, err)
				}
				if e.Offset < 0 || e.Offset > len(src) || e.Pos != utf8.RuneCountInString(src[:e.Offset])+1 {
					t.Fatalf("Compile(%q): Pos %d, Offset %d outside the text", src, e.Pos, e.Offset)
				}
				if e.Msg == "" || e.Err == nil {
					t.Fatalf("Compile(%q): empty message or no sentinel: %#v", src, e)
				}
				continue
			}
			not, errNot := cond.Compile("!("+src+")", kind)
			both, errBoth := cond.Compile("("+src+") && ("+src+")", kind)
			for i := range evs {
				v := c(&evs[i])
				if errNot == nil && not(&evs[i]) == v {
					t.Fatalf("Compile(%q) and its negation agree on event %d", src, i)
				}
				if errBoth == nil && both(&evs[i]) != v {
					t.Fatalf("Compile(%q) and its conjunction with itself differ on event %d", src, i)
				}
			}
		}
	})
}
