package engine

import (
	"math"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/events"
)

// The plan's phase-5 scenario, end to end: a feed publishes MarketData; a strategy turns each
// into a Signal; risk splits Signals by strength (aggressive > 0.7, conservative <= 0.7) into
// Orders; execution receives the Orders. Each hop publishes from a handler (Emit), with lanes
// small enough that they fill and the workers' backlogs come into play.

// strengths is the strategy's model output by market data ID modulo 10. It straddles the 0.7
// boundary: two of every ten signals are exactly 0.7 (conservative: the aggressive filter is
// strictly greater), one is the smallest float64 above it (aggressive).
var strengths = [10]float64{0.05, 0.25, 0.45, 0.65, 0.7, 0.7, math.Nextafter(0.7, 1), 0.75, 0.85, 0.95}

// strength is the strategy's deterministic model output for market data number id.
func strength(id uint64) float64 { return strengths[id%10] }

// aggressive is the plan's split: strictly above 0.7 goes to the aggressive desk, 0.7 itself and
// below to the conservative one.
func aggressive(s *events.Signal) bool { return s.Strength > 0.7 }

type strategy struct{}

func (strategy) onMarketData(m *events.MarketData) (events.Signal, bool) {
	a := events.ActionSell
	if m.Price > events.PriceFromFloat(100) {
		a = events.ActionBuy
	}
	return events.Signal{Symbol: m.Symbol, Action: a, Strength: strength(m.ID), Ref: m.ID}, true
}

// toOrder is risk's sizing: the order carries the market data's ID, so the test can follow it.
func toOrder(qty int64) func(s *events.Signal) (events.Order, bool) {
	return func(s *events.Signal) (events.Order, bool) {
		side := events.SideBuy
		if s.Action == events.ActionSell {
			side = events.SideSell
		}
		return events.Order{Header: events.Header{ID: s.Ref}, Symbol: s.Symbol, Side: side, Quantity: qty}, true
	}
}

type execution struct {
	collector[events.Order]
	validated atomic.Int64
	// the Signals each risk route accepted (past its filter), in the order it handled them
	aggressive, conservative collector[events.Signal]
}

// wireTrading registers the scenario's routes on e; workers says how many the engine has.
func wireTrading(t testing.TB, e *Engine, exec *execution, workers int) {
	t.Helper()
	w1 := min(1, workers-1)
	var s strategy
	validate := HandlerFunc[events.Order](func(o *events.Order) {
		if o.Quantity > 0 {
			exec.validated.Add(1)
		}
	})
	routes := []Route{
		{Name: "strategy", Source: "feed", Worker: 0,
			Target: To(Transform(s.onMarketData, Emit[events.Signal]("strategy")))},
		{Name: "risk/aggressive", Source: "strategy", Worker: w1,
			Target: To(Filter(aggressive, Pipeline(Handler[events.Signal](&exec.aggressive),
				Transform(toOrder(100), Emit[events.Order]("risk")))))},
		{Name: "risk/conservative", Source: "strategy", Worker: w1,
			Target: To(Filter(func(s *events.Signal) bool { return s.Strength <= 0.7 },
				Pipeline(Handler[events.Signal](&exec.conservative), Transform(toOrder(10), Emit[events.Order]("risk")))))},
		{Name: "execution", Source: "risk", Worker: 0,
			Target: To(Pipeline(validate, Handler[events.Order](exec)))},
	}
	for _, r := range routes {
		require.NoError(t, e.Register(r))
	}
}

func TestTradingScenario(t *testing.T) {
	for _, workers := range []int{1, 2} {
		t.Run(map[int]string{1: "one-worker", 2: "two-workers"}[workers], func(t *testing.T) {
			cfg := testConfig(workers)
			cfg.RingSize, cfg.Batch = 16, 8
			var errs atomic.Int64
			cfg.OnError = func(error) { errs.Add(1) }
			e := newTestEngine(t, cfg)
			var exec execution
			wireTrading(t, e, &exec, workers)
			require.NoError(t, e.Start())
			feed, err := e.NewProducer("feed")
			require.NoError(t, err)
			const n = 3000
			syms := []string{"AAPL", "MSFT", "GOOG"}
			for i := 1; i <= n; i++ {
				m := md(syms[i%3], 90+float64(i%20), uint64(i))
				require.NoError(t, Publish(feed, &m))
			}
			require.NoError(t, feed.Close())
			stop(t, e)
			assert.Zero(t, errs.Load(), "errors reported")

			orders := exec.events()
			if len(orders) != n {
				seen := map[uint64]int{}
				for _, o := range orders {
					seen[o.ID]++
				}
				var missing, dup []uint64
				for i := uint64(1); i <= n; i++ {
					if seen[i] == 0 {
						missing = append(missing, i)
					} else if seen[i] > 1 {
						dup = append(dup, i)
					}
				}
				t.Fatalf("%d orders, want %d; missing %v; duplicated %v", len(orders), n, missing[:min(len(missing), 30)], dup[:min(len(dup), 30)])
			}
			// Which side each signal belongs to, by market data ID: written out rather than
			// computed with the filters' comparison, so that a filter that got the boundary wrong
			// (>= 0.7, say) fails here. ID%10 4 and 5 are exactly 0.7: conservative.
			isAggressive := func(id uint64) bool { return id%10 >= 6 }
			var wantAggr, wantCons []uint64
			for id := uint64(1); id <= n; id++ {
				if isAggressive(id) {
					wantAggr = append(wantAggr, id)
				} else {
					wantCons = append(wantCons, id)
				}
			}
			var nAggr, nCons, atBoundary int
			for i, o := range orders {
				id := uint64(i + 1)
				require.Equal(t, id, o.ID, "orders reach execution in market-data order")
				assert.Equal(t, syms[id%3], o.Symbol.String())
				wantSide := events.SideSell
				if 90+id%20 > 100 {
					wantSide = events.SideBuy
				}
				assert.Equal(t, wantSide, o.Side, "order %d", id)
				if isAggressive(id) {
					nAggr++
					assert.Equal(t, int64(100), o.Quantity, "order %d (strength %v) is aggressive", id, strength(id))
				} else {
					nCons++
					assert.Equal(t, int64(10), o.Quantity, "order %d (strength %v) is conservative", id, strength(id))
				}
				assert.Equal(t, events.KindOrder, o.Kind)
			}
			assert.Equal(t, int64(n), exec.validated.Load())
			// Of every ten signals, 4 are aggressive (0.7+ulp, 0.75, 0.85, 0.95) and 6
			// conservative (0.05, 0.25, 0.45, 0.65 and 0.7 twice).
			assert.Equal(t, 1200, nAggr, "aggressive orders")
			assert.Equal(t, 1800, nCons, "conservative orders")

			// Each risk route accepted exactly its side's signals, in market-data order (the
			// order its single producer, the strategy route, emitted them).
			for _, side := range []struct {
				name string
				got  []events.Signal
				want []uint64
				n    int
			}{
				{"risk/aggressive", exec.aggressive.events(), wantAggr, 1200},
				{"risk/conservative", exec.conservative.events(), wantCons, 1800},
			} {
				require.Len(t, side.got, side.n, "%s: signals accepted", side.name)
				refs := make([]uint64, len(side.got))
				for i, s := range side.got {
					refs[i] = s.Ref
					assert.Equal(t, strength(s.Ref), s.Strength, "%s: signal %d", side.name, s.Ref)
					assert.Equal(t, events.KindSignal, s.Kind)
					if s.Strength == 0.7 {
						atBoundary++
						assert.Equal(t, "risk/conservative", side.name, "a signal of strength exactly 0.7 is conservative")
					}
				}
				require.Equal(t, side.want, refs, "%s: the signals it accepted, in order", side.name)
			}
			assert.Equal(t, n/5, atBoundary, "signals of strength exactly 0.7 (ID%10 4 and 5)")
			// published, delivered
			want := map[string][2]uint64{
				"strategy": {n, n}, "risk/aggressive": {n, n}, "risk/conservative": {n, n}, "execution": {n, n},
			}
			for name, w := range want {
				c, ok := e.Counts(name)
				require.True(t, ok, name)
				assert.Equal(t, w[0], c.Published, name)
				assert.Equal(t, w[1], c.Delivered, name)
				assert.Zero(t, c.Dropped+c.Panics, name)
			}
			assert.Zero(t, e.Unrouted())
		})
	}
}
