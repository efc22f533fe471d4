package config_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/engine/config"
	"github.com/hotpath-go/hotpath/events/cond"
	"github.com/hotpath-go/hotpath/ring"
	"github.com/hotpath-go/hotpath/tiers"
)

const examples = "../../docs/examples/"

func TestLoadPlan(t *testing.T) {
	l, _ := demoLoader(t)
	// The first route's position in each file.
	firstLine := map[string]int{examples + "trading.yaml": 9, "../../../shared/checks/data/plan-routing.yaml": 8}
	for _, file := range []string{examples + "trading.yaml", "../../../shared/checks/data/plan-routing.yaml"} {
		if _, err := os.Stat(file); err != nil {
			continue // the shared checks live outside the repository
		}
		cfg, err := l.LoadFile(file)
		require.NoError(t, err, file)
		type row struct{ name, source, kind, tier, chain string }
		var got []row
		for _, r := range cfg.Routes {
			got = append(got, row{r.Name, r.Source, r.Kind, r.Tier, r.Chain})
			assert.Equal(t, 0, r.Worker)
			assert.Equal(t, engine.Block, r.Overflow)
		}
		assert.Equal(t, []row{
			{"data_source/MarketData/1", "data_source", "MarketData", "fast", "pipeline(indicators, strategies)"},
			{"strategy/Signal/1", "strategy", "Signal", "standard", "filter(strength > 0.7, aggressive_risk)"},
			{"strategy/Signal/2", "strategy", "Signal", "standard", "filter(strength <= 0.7, conservative_risk)"},
			{"risk/Order/1", "risk", "Order", "reliable", "pipeline(validation, execution)"},
		}, got, file)
		fast, reliable := cfg.Routes[0], cfg.Routes[3]
		assert.Equal(t, config.DefaultBatchSize, fast.BatchSize)
		assert.Equal(t, config.DefaultMaxWait, fast.MaxWait)
		assert.Equal(t, tiers.DefaultRetryConfig(), reliable.Retry)
		assert.Nil(t, reliable.CircuitBreaker)
		assert.Nil(t, reliable.DeadLetter)
		assert.Empty(t, fast.Note, "fast is the real tier")
		assert.Equal(t, firstLine[file], fast.Line, file)
		assert.Equal(t, 11, fast.Col)
		assert.Equal(t, "routing.data_source.MarketData.routes[0]", fast.Path)
	}
}

func TestLoadFull(t *testing.T) {
	l, _ := demoLoader(t)
	cfg, err := l.LoadFile(examples + "trading-full.yaml")
	require.NoError(t, err)
	assert.Equal(t, 2, cfg.Engine.Workers)
	assert.Equal(t, []int{2, 3}, cfg.Engine.CPUs)
	assert.Equal(t, 1024, cfg.Engine.RingSize)
	assert.Equal(t, ring.BusySpin(), cfg.Engine.Wait)
	assert.Equal(t, ring.Wait{}, cfg.Engine.PublishWait, "unset: the engine's default")
	assert.Same(t, l.Kinds, cfg.Engine.Kinds)
	assert.Same(t, l.Kinds, cfg.Kinds())
	by := map[string]config.Route{}
	for _, r := range cfg.Routes {
		by[r.Name] = r
	}
	feed := by["strategy-feed"]
	assert.Equal(t, 0, feed.Worker, "cpu 2 is worker 0's")
	assert.Equal(t, 64, feed.BatchSize)
	assert.Equal(t, 200*time.Microsecond, feed.MaxWait)
	audit := by["audit"]
	assert.Equal(t, "standard", audit.Tier)
	assert.Equal(t, 1, audit.Worker)
	assert.Equal(t, engine.DropOldest, audit.Overflow)
	assert.Equal(t, "inline", by["demo-flow"].Tier)
	assert.Equal(t, `pipeline(filter(symbol == "AAPL" && price > 0, broadcast(logger, analyzer)), market_to_signal, signal_to_order, executor)`, by["demo-flow"].Chain)
	assert.Equal(t, 1, by["strategy/Signal/1"].Worker, "inherited from the event type")
	assert.Equal(t, engine.Block, by["strategy/Signal/2"].Overflow, "the default")
	risk := by["risk/Order/1"]
	assert.Equal(t, tiers.RetryConfig{MaxRetries: 5, InitialInterval: 50 * time.Millisecond, MaxInterval: 2 * time.Second, Multiplier: 1.5, RandomizationFactor: 0.2}, risk.Retry)
	require.NotNil(t, risk.CircuitBreaker)
	assert.Equal(t, tiers.BreakerConfig{FailureThreshold: 10, OpenDuration: 30 * time.Second, HalfOpenProbes: 2}, *risk.CircuitBreaker)
	require.NotNil(t, risk.DeadLetter)
	assert.Equal(t, "logger", risk.DeadLetter.Name)
	assert.Equal(t, "max_retries=5 backoff=50ms..2s x1.5 jitter=0.2 dead_letter=logger circuit_breaker=10 failures/30s open/2 probes", risk.Policies(l.Tiers))
	assert.Equal(t, "batch_size=64 max_wait=200us", feed.Policies(l.Tiers))
	assert.Equal(t, "", audit.Policies(l.Tiers))
	assert.Len(t, cfg.EngineRoutes(), 7)
}

// TestInheritedSettings: an event type's settings are defaults for its routes: a route whose
// tier does not use one ignores it, and one that no route uses is a mistake.
func TestInheritedSettings(t *testing.T) {
	l, _ := demoLoader(t)
	cfg, err := l.Load("t.yaml", []byte(`
routing:
  feed:
    MarketData:
      tier: fast
      batch_size: 10
      worker: 0
      routes:
        - {type: pipeline, steps: [indicators]}
        - {type: pipeline, steps: [indicators], tier: inline}
        - {type: pipeline, steps: [indicators], tier: fast, batch_size: 20}
`))
	require.NoError(t, err)
	assert.Equal(t, 10, cfg.Routes[0].BatchSize)
	assert.Equal(t, "inline", cfg.Routes[1].Tier)
	assert.Equal(t, 20, cfg.Routes[2].BatchSize)

	_, err = l.Load("t.yaml", []byte(`
routing:
  feed:
    MarketData:
      batch_size: 10
      routes:
        - {type: pipeline, steps: [indicators]}
`))
	assert.Equal(t, []string{
		"t.yaml:5:19: routing.feed.MarketData.batch_size: batch_size is set for the routes of MarketData from feed, but none of their tiers uses it (used by tier fast)",
	}, mistakes(t, err))
	assert.ErrorIs(t, err, config.ErrSetting)
}

// TestBreakerAliases: circuit_breaker takes gobreaker's names, timeout and max_requests, for
// open_duration and half_open_probes; writing both names of one setting is a mistake at the
// second.
func TestBreakerAliases(t *testing.T) {
	l, _ := demoLoader(t)
	for _, tc := range []struct {
		name, breaker string
		want          tiers.BreakerConfig
		mistake       string
	}{
		{"ours", "{failure_threshold: 3, open_duration: 5s, half_open_probes: 2}", tiers.BreakerConfig{FailureThreshold: 3, OpenDuration: 5 * time.Second, HalfOpenProbes: 2}, ""},
		{"gobreaker's", "{failure_threshold: 3, timeout: 5s, max_requests: 2}", tiers.BreakerConfig{FailureThreshold: 3, OpenDuration: 5 * time.Second, HalfOpenProbes: 2}, ""},
		{"both", "{open_duration: 5s, timeout: 6s}", tiers.BreakerConfig{}, `t.yaml:6:90: routing.risk.Order.routes[0].circuit_breaker.timeout: timeout is another name for open_duration (line 6, col 71); give one of them`},
	} {
		cfg, err := l.Load("t.yaml", []byte(`
routing:
  risk:
    Order:
      tier: reliable
      routes: [{type: pipeline, steps: [execution], circuit_breaker: `+tc.breaker+`}]
`))
		if tc.mistake != "" {
			assert.Equal(t, []string{tc.mistake}, mistakes(t, err), tc.name)
			continue
		}
		require.NoError(t, err, tc.name)
		require.NotNil(t, cfg.Routes[0].CircuitBreaker, tc.name)
		assert.Equal(t, tc.want, *cfg.Routes[0].CircuitBreaker, tc.name)
	}
}

func TestAnchorsAndMergeKeys(t *testing.T) {
	l, _ := demoLoader(t)
	cfg, err := l.Load("t.yaml", []byte(`
x-defaults: &reliable
  tier: reliable
  retry: &retry {max_retries: 7, initial_interval: 1ms}
routing:
  risk:
    Order:
      <<: *reliable
      routes:
        - {type: pipeline, steps: [validation, execution], retry: {<<: *retry, max_retries: 9}}
`))
	require.NoError(t, err)
	require.Len(t, cfg.Routes, 1)
	assert.Equal(t, "reliable", cfg.Routes[0].Tier, "merged from x-... defaults")
	assert.Equal(t, 9, cfg.Routes[0].Retry.MaxRetries)
	assert.Equal(t, time.Millisecond, cfg.Routes[0].Retry.InitialInterval)

	_, err = l.Load("t.yaml", []byte("defaults: 1\nroutes: []\nrouting: {s: {Signal: {routes: [{type: pipeline, steps: [logger]}]}}}\n"))
	assert.Equal(t, []string{
		`t.yaml:1:1: defaults: unknown key "defaults" in the configuration; expected one of: routing, engine (keys beginning with x- are ignored, for anchors)`,
		`t.yaml:2:1: routes: unknown key "routes" in the configuration; expected one of: routing, engine (keys beginning with x- are ignored, for anchors)`,
	}, mistakes(t, err))

	cfg, err = l.Load("t.yaml", []byte(`
routing:
  risk:
    Order: &order
      tier: reliable
      retry: &retry {max_retries: 7, initial_interval: 1ms}
      routes:
        - {type: pipeline, steps: [validation, execution], retry: {<<: *retry, max_retries: 9}}
        - type: pipeline
          steps: &steps [validation, execution]
        - {type: pipeline, steps: *steps}
  risk2:
    Order: *order
`))
	require.NoError(t, err)
	require.Len(t, cfg.Routes, 6)
	assert.Equal(t, 9, cfg.Routes[0].Retry.MaxRetries)
	assert.Equal(t, time.Millisecond, cfg.Routes[0].Retry.InitialInterval)
	assert.Equal(t, 7, cfg.Routes[1].Retry.MaxRetries)
	assert.Equal(t, "pipeline(validation, execution)", cfg.Routes[2].Chain)
	assert.Equal(t, "risk2", cfg.Routes[5].Source)
}

// TestLoadErrors: each mistake is reported with its place, the offending text, what was
// expected, and the sentinel callers branch on.
func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name     string
		yaml     string
		sentinel error
		want     []string // the mistakes, as Error() writes them
	}{
		{"typo in a key", `
routing:
  strategy:
    Signal:
      teir: standard
      routes: [{type: filter, condition: "strength > 0.7", target: aggressive_risk}]
`, config.ErrUnknownKey, []string{`f.yaml:4:7: routing.strategy.Signal.teir: unknown key "teir" in the routing of Signal from strategy; did you mean "tier"?`}},
		{"unknown tier", `
routing:
  strategy:
    Signal:
      tier: turbo
      routes: [{type: filter, condition: "strength > 0.7", target: aggressive_risk}]
`, config.ErrUnknownTier, []string{`f.yaml:4:13: routing.strategy.Signal.tier: unknown tier "turbo"; expected one of: fast, inline, reliable, standard`}},
		{"unknown event type", `
routing:
  strategy:
    Signl:
      routes: [{type: filter, condition: "strength > 0.7", target: aggressive_risk}]
`, config.ErrUnknownKind, []string{`f.yaml:3:5: routing.strategy.Signl: unknown event type "Signl"; did you mean "Signal"?`}},
		{"unknown component", `
routing:
  data_source:
    MarketData:
      routes:
        - type: pipeline
          steps: [indicators, strategys, zzz]
`, config.ErrUnknownComponent, []string{
			`f.yaml:6:31: routing.data_source.MarketData.routes[0].steps[1]: unknown component "strategys"; did you mean "strategies"?`,
			`f.yaml:6:42: routing.data_source.MarketData.routes[0].steps[2]: unknown component "zzz"; expected one of: aggressive_risk, analyzer, conservative_risk, execution, executor, indicators, logger, market_to_signal, signal_to_order, strategies, transformer, validation`,
		}},
		{"unknown field in a condition", `
routing:
  strategy:
    Signal:
      routes: [{type: filter, condition: "strenght > 0.7", target: aggressive_risk}]
`, cond.ErrUnknownField, []string{`f.yaml:4:43: routing.strategy.Signal.routes[0].condition: condition "strenght > 0.7", col 1: unknown field "strenght" of Signal (fields: id, ts, kind, source, symbol, action, strength, ref); did you mean "strength"?`}},
		{"condition that does not parse", `
routing:
  strategy:
    Signal:
      routes:
        - type: filter
          condition: strength > 0.7 &&
          target: aggressive_risk
`, cond.ErrSyntax, []string{`f.yaml:6:39: routing.strategy.Signal.routes[0].condition: condition "strength > 0.7 &&", col 18: unexpected end of condition; expected a field, a literal, "!" or "("`}},
		{"type mismatch in a condition", `
routing:
  strategy:
    Signal:
      routes:
        - type: filter
          condition: 'strength > "high"'
          target: aggressive_risk
`, cond.ErrType, []string{`f.yaml:6:34: routing.strategy.Signal.routes[0].condition: condition "strength > \"high\"", col 12: strength is a float64 field: expected a number, found string "high"`}},
		{"type mismatch in a setting", `
routing:
  strategy:
    Signal:
      worker: one
      overflow: [block]
      routes: [{type: filter, condition: "strength > 0.7", target: aggressive_risk}]
`, config.ErrType, []string{
			`f.yaml:4:15: routing.strategy.Signal.worker: expected worker (an integer), found the string "one"`,
			`f.yaml:5:17: routing.strategy.Signal.overflow: expected an overflow policy (block, drop-newest, drop-oldest or fail), found a list`,
		}},
		{"empty route list", `
routing:
  strategy:
    Signal:
      routes: []
`, config.ErrEmpty, []string{`f.yaml:4:7: routing.strategy.Signal.routes: routes is empty; expected at least one route (- type: pipeline, filter or broadcast)`}},
		{"duplicate keys", `
routing:
  strategy:
    Signal:
      tier: standard
      tier: fast
      routes: [{type: filter, condition: "strength > 0.7", target: aggressive_risk, target: logger}]
  strategy:
    Order:
      routes: [{type: pipeline, steps: [execution]}]
`, config.ErrDuplicateKey, []string{
			`f.yaml:5:7: routing.strategy.Signal.tier: duplicate key "tier" (first at line 4, col 7); each key may appear once`,
			`f.yaml:6:85: routing.strategy.Signal.routes[0].target: duplicate key "target" (first at line 6, col 60); each key may appear once`,
			`f.yaml:7:3: routing.strategy: duplicate key "strategy" (first at line 2, col 3); each key may appear once`,
		}},
		{"a step expecting Signal after a step producing Order", `
routing:
  strategy:
    Signal:
      routes:
        - type: pipeline
          steps: [signal_to_order, aggressive_risk, execution]
`, config.ErrChain, []string{`f.yaml:6:36: routing.strategy.Signal.routes[0].steps[1]: component aggressive_risk takes Signal, but here it receives Order (the output of transformer signal_to_order at line 6)`}},
		{"a transformer where its events reach nothing", `
routing:
  strategy:
    Signal:
      routes:
        - {type: filter, condition: "strength > 0.7", target: transformer}
        - {type: pipeline, steps: [logger, transformer]}
        - {type: broadcast, targets: [market_to_signal]}
`, config.ErrChain, []string{
			`f.yaml:5:63: routing.strategy.Signal.routes[0].target: transformer is a transformer (Signal -> Order) with no step after it; put it in a pipeline before the steps that take Order: {type: pipeline, steps: [transformer, ...]}`,
			`f.yaml:6:44: routing.strategy.Signal.routes[1].steps[1]: transformer transformer produces Order but no step follows it; add the steps that take Order after it`,
			`f.yaml:7:39: routing.strategy.Signal.routes[2].targets[0]: market_to_signal is a transformer (MarketData -> Signal) with no step after it; put it in a pipeline before the steps that take Signal: {type: pipeline, steps: [market_to_signal, ...]}`,
		}},
		{"a container of another kind", `
routing:
  risk:
    Order:
      routes:
        - {type: filter, condition: "quantity > 0", target: aggressive_risk}
`, config.ErrChain, []string{`f.yaml:5:61: routing.risk.Order.routes[0].target: component aggressive_risk takes Signal, but here it receives Order (the route's event type Order)`}},
		{"route shapes", `
routing:
  strategy:
    Signal:
      routes:
        - type: pipline
          steps: [logger]
        - type: filter
          steps: [logger]
        - steps: [logger]
        - type: broadcast
        - type: pipeline
          steps: [{type: filter, condition: "true", target: logger, tier: fast}]
        - logger
`, config.ErrMissingKey, []string{
			`f.yaml:5:17: routing.strategy.Signal.routes[0].type: unknown route type "pipline"; did you mean "pipeline"?`,
			`f.yaml:7:11: routing.strategy.Signal.routes[1]: missing key condition; a filter needs a condition, such as condition: "strength > 0.7"`,
			`f.yaml:7:11: routing.strategy.Signal.routes[1]: missing key target; a filter needs a target: a component's name or a nested step`,
			`f.yaml:8:11: routing.strategy.Signal.routes[1].steps: steps is not a key of a filter; a filter takes condition and target`,
			`f.yaml:9:11: routing.strategy.Signal.routes[2]: missing key type; expected type: pipeline, filter or broadcast`,
			`f.yaml:10:11: routing.strategy.Signal.routes[3]: missing key targets; a broadcast needs targets: [a, b, ...]`,
			`f.yaml:12:69: routing.strategy.Signal.routes[4].steps[0].tier: tier is a route setting; it cannot be set on a step inside a route (set it on the route)`,
			`f.yaml:13:11: routing.strategy.Signal.routes[5]: expected a route (a mapping of keys to values), found the string "logger"`,
		}},
		{"settings", `
engine:
  workers: 2
  cpus: [4, 5]
  ring_size: 1000
routing:
  data_source:
    MarketData:
      tier: standard
      routes:
        - {type: pipeline, steps: [indicators], worker: 2}
        - {type: pipeline, steps: [indicators], cpu: 3}
        - {type: pipeline, steps: [indicators], cpu: 4, worker: 1}
        - {type: pipeline, steps: [indicators], overflow: drop-newset, batch_size: 10}
        - {type: pipeline, steps: [indicators], tier: fast, max_wait: 10, batch_size: 0}
        - {type: pipeline, steps: [indicators], tier: inline, worker: 0}
  risk:
    Order:
      tier: reliable
      routes:
        - type: pipeline
          steps: [execution]
          retry: {max_retries: 3, initial_interval: 1s, max_interval: 10ms, multipler: 2}
          circuit_breaker: {failure_threshold: 0, open: 1s}
          dead_letter: transformer
        - {type: pipeline, steps: [execution], retry: {randomization_factor: 1.5}, dead_letter: aggressive_risk}
`, config.ErrSetting, []string{
			`f.yaml:4:14: engine.ring_size: ring_size is 1000; expected a power of two such as 1024`,
			`f.yaml:10:57: routing.data_source.MarketData.routes[0].worker: worker 2 does not exist: engine.workers is 2 (workers are numbered from 0)`,
			`f.yaml:11:54: routing.data_source.MarketData.routes[1].cpu: cpu 3: no worker is pinned to it (engine.cpus: [4 5])`,
			`f.yaml:12:54: routing.data_source.MarketData.routes[2].cpu: both worker and cpu are set; set one (cpu 4 means the worker pinned to CPU 4 by engine.cpus)`,
			`f.yaml:13:59: routing.data_source.MarketData.routes[3].overflow: unknown overflow policy "drop-newset"; did you mean "drop-newest"?`,
			`f.yaml:13:84: routing.data_source.MarketData.routes[3].batch_size: batch_size does not apply to tier standard (used by tier fast)`,
			`f.yaml:14:71: routing.data_source.MarketData.routes[4].max_wait: max_wait 10 has no unit; expected a duration such as 100ms, 1.5s or 2m`,
			`f.yaml:14:87: routing.data_source.MarketData.routes[4].batch_size: batch_size is 0; expected 1..1048576`,
			`f.yaml:15:71: routing.data_source.MarketData.routes[5].worker: worker does not apply to tier inline (used by tier fast, reliable, standard)`,
			`f.yaml:22:71: routing.risk.Order.routes[0].retry.max_interval: max_interval 10ms is below initial_interval 1s; expected max_interval >= initial_interval`,
			`f.yaml:22:77: routing.risk.Order.routes[0].retry.multipler: unknown key "multipler" in retry; did you mean "multiplier"?`,
			`f.yaml:23:48: routing.risk.Order.routes[0].circuit_breaker.failure_threshold: failure_threshold is 0; expected 1..1048576`,
			`f.yaml:23:51: routing.risk.Order.routes[0].circuit_breaker.open: unknown key "open" in circuit_breaker; did you mean "open_duration"?`,
			`f.yaml:24:24: routing.risk.Order.routes[0].dead_letter: dead_letter transformer is a transformer; expected a container that takes Order`,
			`f.yaml:25:78: routing.risk.Order.routes[1].retry.randomization_factor: randomization_factor is 1.5; expected a number in [0, 1]`,
			`f.yaml:25:97: routing.risk.Order.routes[1].dead_letter: component aggressive_risk takes Signal, but here it receives Order (the events its route gives up on)`,
		}},
		{"engine waits", "engine: {wait: respnsive, publish_wait: 3}\nrouting: {}\n", config.ErrValue, []string{
			`f.yaml:1:16: engine.wait: unknown wait strategy "respnsive"; did you mean "responsive"?`,
			`f.yaml:1:41: engine.publish_wait: expected a wait strategy (responsive, parking, spin_yield or busy_spin), found the integer 3`,
			`f.yaml:2:1: routing: routing has no sources; expected at least one source, such as data_source:`,
		}},
		{"not YAML", "routing:\n  a: [b\n  c: d\n", config.ErrSyntax, nil},
		{"two documents", "routing: {}\n---\nrouting: {}\n", config.ErrSyntax, []string{`f.yaml:3:1: a second YAML document; expected one document (remove the ---)`}},
		{"empty file", "# nothing\n", config.ErrMissingKey, []string{`f.yaml:1:1: empty configuration; expected a mapping with the key routing`}},
		{"no routing", "engine: {workers: 1}\n", config.ErrMissingKey, []string{`f.yaml:1:1: missing key routing; expected routing: <source>: <EventType>: {tier, routes}`}},
		{"routing is a list", "routing: [a]\n", config.ErrType, []string{`f.yaml:1:10: routing: expected routing: sources of events (a mapping of keys to values), found a list`}},
		{"alias without anchor, tag", `
routing:
  risk:
    Order:
      tier: *nope
      routes: [{type: pipeline, steps: [!!str execution]}]
`, config.ErrValue, []string{
			`f.yaml:4:13: routing.risk.Order.tier: alias *nope refers to no anchor &nope defined before it`,
			`f.yaml:5:41: routing.risk.Order.routes[0].steps[0]: YAML tags (!!str) are not supported; write the value plainly, quoted if it must be a string`,
		}},
		{"duplicate route names", `
routing:
  risk:
    Order:
      routes:
        - {name: exec, type: pipeline, steps: [execution]}
        - {name: exec, type: pipeline, steps: [executor]}
        - {name: "", type: pipeline, steps: [executor]}
`, config.ErrValue, []string{
			`f.yaml:6:18: routing.risk.Order.routes[1]: two routes are called "exec" (the other at line 5, col 18); route names must be unique`,
			`f.yaml:7:18: routing.risk.Order.routes[2].name: empty route name; leave name out for the default <source>/<EventType>/<n>`,
		}},
	}
	l, _ := demoLoader(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := l.Load("f.yaml", []byte(strings.TrimPrefix(tt.yaml, "\n")))
			require.Error(t, err)
			assert.Nil(t, cfg)
			assert.ErrorIs(t, err, tt.sentinel)
			got := mistakes(t, err)
			if tt.want != nil {
				assert.Equal(t, tt.want, got)
			} else {
				require.Len(t, got, 1)
				assert.Contains(t, got[0], "f.yaml:")
			}
			var errs *config.Errors
			require.True(t, errors.As(err, &errs))
			for _, e := range errs.List {
				assert.Equal(t, "f.yaml", e.File)
				assert.Positive(t, e.Line, e.Msg)
				assert.Positive(t, e.Col, e.Msg)
			}
		})
	}
}

// TestErrorTextAndCause: an Error carries the offending text and, for a condition, the
// *cond.Error it wraps.
func TestErrorTextAndCause(t *testing.T) {
	l, _ := demoLoader(t)
	_, err := l.Load("f.yaml", []byte(`
routing:
  strategy:
    Signal:
      teir: x
      routes: [{type: filter, condition: "action == BYU", target: aggressive_risk}]
`))
	var errs *config.Errors
	require.True(t, errors.As(err, &errs))
	require.Len(t, errs.List, 2)
	assert.Equal(t, "teir", errs.List[0].Text)
	assert.Equal(t, "routing.strategy.Signal.teir", errs.List[0].Path)
	assert.ErrorIs(t, errs.List[0], config.ErrUnknownKey)
	assert.Equal(t, "BYU", errs.List[1].Text)
	var ce *cond.Error
	require.ErrorAs(t, errs.List[1], &ce)
	assert.Equal(t, 11, ce.Pos)
	assert.ErrorIs(t, err, cond.ErrUnknownValue)
	assert.ErrorIs(t, err, config.ErrCondition)
	assert.NotErrorIs(t, err, config.ErrChain)
}

func TestLoadFileErrors(t *testing.T) {
	l, _ := demoLoader(t)
	_, err := l.LoadFile(filepath.Join(t.TempDir(), "missing.yaml"))
	require.ErrorIs(t, err, os.ErrNotExist)
	require.ErrorIs(t, err, config.ErrSyntax)

	big := filepath.Join(t.TempDir(), "big.yaml")
	require.NoError(t, os.WriteFile(big, []byte(strings.Repeat("#", config.MaxFileSize+1)), 0o600))
	_, err = l.LoadFile(big)
	assert.Equal(t, []string{big + ": file larger than 4194304 bytes"}, mistakes(t, err))
}

func TestTooManyMistakes(t *testing.T) {
	var b strings.Builder
	b.WriteString("routing:\n  s:\n    Signal:\n      routes:\n")
	for range config.MaxErrors + 10 {
		b.WriteString("        - {type: pipeline, steps: [nope]}\n")
	}
	l, _ := demoLoader(t)
	_, err := l.Load("f.yaml", []byte(b.String()))
	var errs *config.Errors
	require.True(t, errors.As(err, &errs))
	assert.Len(t, errs.List, config.MaxErrors)
	assert.Equal(t, 10, errs.Omitted)
	assert.True(t, strings.HasSuffix(err.Error(), "\n(and 10 more)"))
}

// TestBillionLaughs: aliases of aliases cost a bounded number of steps.
func TestBillionLaughs(t *testing.T) {
	var b strings.Builder
	b.WriteString("x-0: &s0 {type: broadcast, targets: [logger, logger, logger, logger, logger, logger, logger, logger, logger, logger]}\n")
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&b, "x-%d: &s%d {type: broadcast, targets: [", i, i)
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*s%d", i-1)
		}
		b.WriteString("]}\n")
	}
	b.WriteString("routing:\n  s:\n    Signal:\n      routes:\n        - *s9\n")
	l, _ := demoLoader(t)
	start := time.Now()
	_, err := l.Load("f.yaml", []byte(b.String()))
	require.Error(t, err)
	assert.Less(t, time.Since(start), 10*time.Second)
	assert.ErrorIs(t, err, config.ErrValue)
	assert.Contains(t, err.Error(), "document too large")
}
