package cond_test

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/events/cond"
)

func signal(id uint64, sym string, a events.Action, strength float64, ref uint64) events.Raw {
	s := events.Signal{Symbol: events.MustSymbol(sym), Action: a, Strength: strength, Ref: ref}
	s.ID, s.TS, s.Kind = id, int64(100*id), events.KindSignal
	if id == 1 {
		s.Source = 3
	}
	return events.ToRaw(&s)
}

func market(sym, price string, volume int64) events.Raw {
	p, err := events.ParsePrice(price)
	if err != nil {
		panic(err)
	}
	m := events.MarketData{Symbol: events.MustSymbol(sym), Price: p, Volume: volume}
	m.Kind = events.KindMarketData
	return events.ToRaw(&m)
}

func order(sym string, side events.Side, ot events.OrderType, qty int64, limit string) events.Raw {
	p, err := events.ParsePrice(limit)
	if err != nil {
		panic(err)
	}
	o := events.Order{Symbol: events.MustSymbol(sym), Side: side, OrderType: ot, Quantity: qty, Limit: p}
	o.Kind = events.KindOrder
	return events.ToRaw(&o)
}

func wide(maker bool) events.Raw {
	w := Wide{Maker: maker}
	return events.ToRaw(&w)
}

// evalCase is a condition and its value, worked out by hand, on each event of a set.
type evalCase struct {
	src  string
	want string // one letter per event: T or F
}

func TestEvalSignal(t *testing.T) {
	evs := []events.Raw{
		signal(1, "AAPL", events.ActionBuy, 0.8, 7),
		signal(2, "MSFT", events.ActionSell, 0.7, 0),
		signal(3, "GOOG", events.ActionHold, 0.2, 0),
		signal(4, "", events.ActionBuy, math.NaN(), 0),
		signal(5, "AAPL", events.Action(9), math.Copysign(0, -1), 0),
	}
	runEval(t, "Signal", evs, []evalCase{
		{"strength > 0.7", "TFFFF"},
		{"strength <= 0.7", "FTTFT"},
		{"!(strength > 0.7)", "FTTTT"},
		{"not (strength > 0.7)", "FTTTT"},
		{"strength >= 0.7", "TTFFF"},
		{"strength < 0.7", "FFTFT"},
		{"strength == 0", "FFFFT"},
		{"strength == -0.0", "FFFFT"},
		{"strength != 0.7", "TFTTT"},
		{"0.7 < strength", "TFFFF"},
		{"0.7 >= strength", "FTTFT"},
		{"strength > 7e-1", "TFFFF"},
		{"strength in [0.2, 0.8]", "TFTFF"},
		{"strength not in [0.2, 0.8]", "FTFTT"},
		{"strength > -1 && strength < 1", "TTTFT"},
		{"action == BUY", "TFFTF"},
		{"action != BUY", "FTTFT"},
		{"action == 'BUY'", "TFFTF"},
		{`BUY == action`, "TFFTF"},
		{"action in [BUY, SELL]", "TTFTF"},
		{"action not in [BUY, SELL]", "FFTFT"},
		{"action in [HOLD, SELL]", "FTTFF"},
		{"action in []", "FFFFF"},
		{"action not in []", "TTTTT"},
		{`symbol == "AAPL"`, "TFFFT"},
		{`symbol != "AAPL"`, "FTTTF"},
		{`symbol in ['AAPL', 'MSFT']`, "TTFFT"},
		{`symbol in ["AAPL", "MSFT", "GOOG", "TSLA", "IBM"]`, "TTTFT"},
		{`symbol == ''`, "FFFTF"},
		{"strength > 0.7 && action == BUY", "TFFFF"},
		{"strength > 0.5 || symbol == 'GOOG'", "TTTFF"},
		{"strength > 0.5 or symbol == 'GOOG'", "TTTFF"},
		{"not (action == BUY) and symbol == 'AAPL'", "FFFFT"},
		{"!(action == BUY) && symbol == 'AAPL'", "FFFFT"},
		{"action == SELL || action == BUY && strength > 0.75", "TTFFF"},
		{"(action == SELL || action == BUY) && strength > 0.75", "TFFFF"},
		{"!(action == SELL || action == BUY) || !(strength >= 0)", "FFTTT"},
		{"ref > 5", "TFFFF"},
		{"id >= 2 && id <= 3", "FTTFF"},
		{"id >= 4 || id < 2", "TFFTT"},
		{"kind == 2", "TTTTT"},
		{"source == 3", "TFFFF"},
		{"ts >= 300", "FFTTT"},
		{"true", "TTTTT"},
		{"false", "FFFFF"},
		{"!true", "FFFFF"},
		{"strength > 0.7 || true", "TTTTT"},
		{"strength > 0.7 && false", "FFFFF"},
		{"id >= 0", "TTTTT"},
		{"id < 0", "FFFFF"},
		{"((((strength > 0.7))))", "TFFFF"},
		{"id > 2 && id > 3", "FFFTT"},
		{"id > 2 && id < 2", "FFFFF"},
		{"ref > 5 && ref > 3 && action == BUY && symbol == 'AAPL' && strength > 0.5 && id == 1", "TFFFF"},
	})
}

func TestEvalMarketData(t *testing.T) {
	evs := []events.Raw{
		market("AAPL", "150.25", 100),
		market("MSFT", "100.5", 0),
		market("AAPL", "100.50000001", -5),
		market("TSLA", "-1", math.MaxInt64),
	}
	runEval(t, "MarketData", evs, []evalCase{
		{"price > 100.5", "TFTF"},
		{"price >= 100.5", "TTTF"},
		{"price == 100.50", "FTFF"},
		{"price == 100.50000001", "FFTF"},
		{"price < 0", "FFFT"},
		{"price <= -1.0", "FFFT"},
		{"price in [100.5, 150.25]", "TTFF"},
		{"volume > 0", "TFFT"},
		{"volume == 9223372036854775807", "FFFT"},
		{"volume < -1", "FFTF"},
		{"price > 100 && price < 150 || volume < 0", "FTTF"},
		{"symbol == 'AAPL' && volume >= 100", "TFFF"},
		{"price > 100 && price < 150", "FTTF"},
	})
}

func TestEvalOrder(t *testing.T) {
	evs := []events.Raw{
		order("AAPL", events.SideBuy, events.OrderLimit, 100, "150"),
		order("MSFT", events.SideSell, events.OrderMarket, 0, "0"),
		order("AAPL", events.SideSell, events.OrderStopLimit, 500, "99.99"),
		order("GOOG", events.SideBuy, events.OrderStop, -10, "1000"),
	}
	runEval(t, "Order", evs, []evalCase{
		{"side == SELL", "FTTF"},
		{"order_type in [LIMIT, STOP_LIMIT]", "TFTF"},
		{"order_type not in [MARKET]", "TFTT"},
		{"side == BUY && order_type == LIMIT", "TFFF"},
		{"quantity > 0 && limit <= 150", "TFTF"},
		{"!(quantity > 0)", "FTFT"},
		{"!!(quantity > 0)", "TFTF"},
		{"limit in [0, 1000]", "FTFT"},
		{`order_type == "STOP"`, "FFFT"},
	})
}

func TestEvalBool(t *testing.T) {
	evs := []events.Raw{wide(true), wide(false)}
	runEval(t, "Wide", evs, []evalCase{
		{"maker", "TF"},
		{"!maker", "FT"},
		{"not maker", "FT"},
		{"maker == true", "TF"},
		{"maker == false", "FT"},
		{"true == maker", "TF"},
		{"maker != true", "FT"},
		{"maker in [true]", "TF"},
		{"maker in [false]", "FT"},
		{"maker in [true, false]", "TT"},
		{"maker && maker", "TF"},
		{"maker || !maker", "TT"},
	})
}

func runEval(t *testing.T, kind string, evs []events.Raw, cases []evalCase) {
	t.Helper()
	info := kindInfo(t, testRegistry(t), kind)
	for _, tc := range cases {
		require.Lenf(t, tc.want, len(evs), "%q: want has a letter per event", tc.src)
		c, err := cond.Compile(tc.src, info)
		require.NoErrorf(t, err, "Compile(%q)", tc.src)
		for i := range evs {
			assert.Equalf(t, tc.want[i] == 'T', c(&evs[i]), "Compile(%q) on event %d", tc.src, i)
		}
	}
}

// TestEvalDoesNotAllocate checks, for conditions of each shape the compiler produces, that an
// evaluation allocates nothing.
func TestEvalDoesNotAllocate(t *testing.T) {
	info := kindInfo(t, testRegistry(t), "Signal")
	ev := signal(1, "AAPL", events.ActionBuy, 0.8, 7)
	for _, src := range []string{
		"strength > 0.7",
		"true",
		"action in [BUY, SELL]",
		`symbol in ["AAPL", "MSFT", "GOOG"]`,
		"!(strength > 0.7)",
		`strength > 0.7 && action == BUY && symbol in ["AAPL", "MSFT"]`,
		`ref > 3 && id != 9 && ts > 0 && kind == 2 && source == 0 && strength < 1`,
		`ref > 1 && ref < 100 || id in [1, 200, 3000] && !(source == 4)`,
	} {
		c, err := cond.Compile(src, info)
		require.NoError(t, err, src)
		n := 0
		allocs := testing.AllocsPerRun(1000, func() {
			if c(&ev) {
				n++
			}
		})
		assert.Zerof(t, allocs, "Compile(%q): allocations per evaluation", src)
	}
	sig := events.As[events.Signal](&ev)
	c, err := cond.Compile("strength > 0.7 && action == BUY", info)
	require.NoError(t, err)
	f := cond.For[events.Signal](c)
	assert.Zero(t, testing.AllocsPerRun(1000, func() { f(sig) }), "For: allocations per evaluation")
}

// TestForSmallKind calls a condition on a kind smaller than Raw through For, which under the
// race detector also checks the pointer conversion.
func TestForSmallKind(t *testing.T) {
	info := kindInfo(t, testRegistry(t), "Tick")
	c, err := cond.Compile("px > 10 && px < 20.5", info)
	require.NoError(t, err)
	f := cond.For[Tick](c)
	for _, tc := range []struct {
		px   string
		want bool
	}{{"10", false}, {"10.00000001", true}, {"20.49999999", true}, {"20.5", false}} {
		p, err := events.ParsePrice(tc.px)
		require.NoError(t, err)
		tick := &Tick{Px: p} // its own small allocation
		assert.Equalf(t, tc.want, f(tick), "px = %s", tc.px)
	}
}

// TestCompileLong compiles conditions of many thousands of comparisons: compilation takes time
// linear in the length, and the programs evaluate like their short forms.
func TestCompileLong(t *testing.T) {
	info := kindInfo(t, testRegistry(t), "Signal")
	ev := signal(1, "AAPL", events.ActionBuy, 0.8, 7)
	for _, tc := range []struct {
		part string
		want bool
	}{
		{"ref > 1", true},
		{"symbol != 'A'", true},
		{"(ref > 1 || id < 3)", true},
		{"action in [BUY, SELL]", true},
		{"!(strength > 0.9)", true},
	} {
		src := strings.Repeat(tc.part+" && ", 20000) + "true"
		c, err := cond.Compile(src, info)
		require.NoError(t, err, tc.part)
		assert.Equal(t, tc.want, c(&ev), tc.part)
		c, err = cond.Compile(strings.Repeat(tc.part+" || ", 20000)+"false", info)
		require.NoError(t, err, tc.part)
		assert.Equal(t, tc.want, c(&ev), tc.part)
	}
}
