package config_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/engine/config"
	"github.com/hotpath-go/hotpath/events"
)

// BenchmarkLoad is the cost of loading a file: parsing, checking, compiling conditions and
// building chains and tiers (start-up and every reload pay it once).
func BenchmarkLoad(b *testing.B) {
	for _, name := range []string{"trading", "trading-full"} {
		b.Run(name, func(b *testing.B) {
			src, err := os.ReadFile(examples + name + ".yaml")
			require.NoError(b, err)
			l, _ := demoLoader(b)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := l.Load(name, src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkApply is a reload of the plan's four routes on a running engine: engine.Replace
// (register, build, bind, compile the table, swap).
func BenchmarkApply(b *testing.B) {
	l, _ := demoLoader(b)
	cfg, err := l.LoadFile(examples + "trading.yaml")
	require.NoError(b, err)
	e, stop := newEngine(b, engine.Config{Kinds: l.Kinds, Workers: 1})
	defer stop()
	r := config.NewReloader(e)
	require.NoError(b, r.Apply(cfg))
	require.NoError(b, e.Start())
	b.ReportAllocs()
	for b.Loop() {
		if err := r.Apply(cfg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInlineRoute publishes a Signal to one inline route, filter(strength > 0.7, sink),
// built from YAML (a compiled condition over the raw event, kind-erased chain) and by hand
// (engine.Filter with a Go closure, typed chain): what the configuration costs per event.
func BenchmarkInlineRoute(b *testing.B) {
	for _, impl := range []string{"config", "handwritten"} {
		b.Run(impl, func(b *testing.B) {
			kinds := events.NewRegistry()
			var n int64
			sink := engine.HandlerFunc[events.Signal](func(s *events.Signal) { n += int64(s.Action) })
			e, stop := newEngine(b, engine.Config{Kinds: kinds, LatencyEvery: -1})
			defer stop()
			if impl == "config" {
				comps := config.NewRegistry()
				require.NoError(b, config.AddHandler(comps, "sink", sink))
				l := config.Loader{Components: comps, Kinds: kinds}
				cfg, err := l.Load("b.yaml", []byte("routing: {strategy: {Signal: {tier: inline, routes: [{type: filter, condition: 'strength > 0.7', target: sink}]}}}\n"))
				require.NoError(b, err)
				require.NoError(b, config.NewReloader(e).Apply(cfg))
			} else {
				require.NoError(b, e.Register(engine.Route{Source: "strategy", Tier: engine.Inline(),
					Target: engine.To(engine.Filter(func(s *events.Signal) bool { return s.Strength > 0.7 }, engine.Handler[events.Signal](sink)))}))
			}
			require.NoError(b, e.Start())
			p, err := e.NewProducer("strategy")
			require.NoError(b, err)
			sigs := [2]events.Signal{{Strength: 0.9, Action: events.ActionBuy}, {Strength: 0.5, Action: events.ActionSell}}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if err := engine.Publish(p, &sigs[i&1]); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.StopTimer()
			require.NoError(b, p.Close())
			if n == 0 {
				b.Fatal("nothing delivered")
			}
		})
	}
}
