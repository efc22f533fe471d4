package engine

import (
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

// strength is the strategy's deterministic model output for market data number id.
func strength(id uint64) float64 { return float64(id%10)/10 + 0.05 }

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
			Target: To(Filter(func(s *events.Signal) bool { return s.Strength > 0.7 },
				Transform(toOrder(100), Emit[events.Order]("risk"))))},
		{Name: "risk/conservative", Source: "strategy", Worker: w1,
			Target: To(Filter(func(s *events.Signal) bool { return s.Strength <= 0.7 },
				Transform(toOrder(10), Emit[events.Order]("risk"))))},
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
			var aggressive, conservative uint64
			for i, o := range orders {
				id := uint64(i + 1)
				require.Equal(t, id, o.ID, "orders reach execution in market-data order")
				assert.Equal(t, syms[id%3], o.Symbol.String())
				wantSide := events.SideSell
				if 90+id%20 > 100 {
					wantSide = events.SideBuy
				}
				assert.Equal(t, wantSide, o.Side, "order %d", id)
				if strength(id) > 0.7 {
					aggressive++
					assert.Equal(t, int64(100), o.Quantity)
				} else {
					conservative++
					assert.Equal(t, int64(10), o.Quantity)
				}
				assert.Equal(t, events.KindOrder, o.Kind)
			}
			assert.Equal(t, int64(n), exec.validated.Load())
			assert.Equal(t, uint64(n*3/10), aggressive) // strengths 0.75, 0.85, 0.95 of every ten
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
