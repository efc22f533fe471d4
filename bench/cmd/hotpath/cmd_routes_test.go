package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var updateRoutes = flag.Bool("update-routes", false, "rewrite testdata/routes_*.golden")

// routesNoLeak fails t if goroutines started during it outlive it (bounded retry, no sleep).
func routesNoLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			runtime.Gosched()
		}
		if n := runtime.NumGoroutine(); n > before {
			t.Errorf("goroutines: %d before, %d after", before, n)
		}
	})
}

func runRoutes(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cmdRoutes(args, &out, &errb)
	return code, out.String(), errb.String()
}

const examplesDir = "../../../docs/examples/"

func goldenRoutes(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *updateRoutes {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update-routes to create it")
	assert.Equal(t, string(want), got)
}

// TestCmdRoutesPlan: the plan's YAML validates and its table names every part of the plan.
func TestCmdRoutesPlan(t *testing.T) {
	routesNoLeak(t)
	code, out, stderr := runRoutes(t, examplesDir+"trading.yaml")
	require.Equal(t, 0, code, stderr)
	assert.Empty(t, stderr)
	for _, w := range strings.Fields("data_source MarketData strategy Signal risk Order fast standard reliable aggressive_risk conservative_risk execution") {
		assert.Contains(t, out, w)
	}
	goldenRoutes(t, "routes_trading.golden", out)

	code, out, stderr = runRoutes(t, examplesDir+"trading-full.yaml")
	require.Equal(t, 0, code, stderr)
	goldenRoutes(t, "routes_trading_full.golden", out)
}

func TestCmdRoutesJSON(t *testing.T) {
	routesNoLeak(t)
	code, out, stderr := runRoutes(t, "-json", examplesDir+"trading.yaml")
	require.Equal(t, 0, code, stderr)
	var got struct {
		File    string `json:"file"`
		Workers int    `json:"workers"`
		Routes  []struct {
			Source, Kind, Route, Tier, Overflow, Chain, Policies, Note, At string
			Worker                                                         int
		} `json:"routes"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	assert.Equal(t, 1, got.Workers)
	require.Len(t, got.Routes, 4)
	r := got.Routes[1]
	assert.Equal(t, "strategy", r.Source)
	assert.Equal(t, "Signal", r.Kind)
	assert.Equal(t, "strategy/Signal/1", r.Route)
	assert.Equal(t, "standard", r.Tier)
	assert.Equal(t, "block", r.Overflow)
	assert.Equal(t, "filter(strength > 0.7, aggressive_risk)", r.Chain)
	assert.Equal(t, examplesDir+"trading.yaml:18:11", r.At)
	assert.Equal(t, "fast", got.Routes[0].Tier)
	assert.Empty(t, got.Routes[0].Note, "fast is the real tier")
	assert.Contains(t, got.Routes[3].Note, "in memory", "the CLI's reliable logs are in memory")
}

func TestCmdRoutesMistakes(t *testing.T) {
	routesNoLeak(t)
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte(`routing:
  strategy:
    Signal:
      teir: standard
      routes:
        - type: filter
          condition: "strength > 'high'"
          target: aggresive_risk
  risk:
    Order:
      routes: []
`), 0o600))
	code, out, stderr := runRoutes(t, bad)
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.Equal(t, strings.Join([]string{
		bad + `:4:7: routing.strategy.Signal.teir: unknown key "teir" in the routing of Signal from strategy; did you mean "tier"?`,
		bad + `:7:34: routing.strategy.Signal.routes[0].condition: condition "strength > 'high'", col 12: strength is a float64 field: expected a number, found string 'high'`,
		bad + `:8:19: routing.strategy.Signal.routes[0].target: unknown component "aggresive_risk"; did you mean "aggressive_risk"?`,
		bad + `:11:7: routing.risk.Order.routes: routes is empty; expected at least one route (- type: pipeline, filter or broadcast)`,
		bad + `: 4 mistakes`, ""}, "\n"), stderr)

	code, out, _ = runRoutes(t, "-json", bad)
	assert.Equal(t, 1, code)
	var got struct {
		Errors []struct {
			File    string `json:"file"`
			Line    int    `json:"line"`
			Col     int    `json:"col"`
			Path    string `json:"path"`
			Text    string `json:"text"`
			Message string `json:"message"`
			Kind    string `json:"kind"`
			Cause   string `json:"cause"`
			Error   string `json:"error"`
		} `json:"errors"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	require.Len(t, got.Errors, 4)
	e := got.Errors[1]
	assert.Equal(t, bad, e.File)
	assert.Equal(t, 7, e.Line)
	assert.Equal(t, 34, e.Col)
	assert.Equal(t, "routing.strategy.Signal.routes[0].condition", e.Path)
	assert.Equal(t, "invalid condition", e.Kind, "the kind of mistake, for scripts to branch on")
	assert.Contains(t, e.Message, `condition "strength > 'high'"`, "conditions are not HTML-escaped")
	assert.NotEmpty(t, e.Cause)
	assert.Equal(t, bad+`:7:34: routing.strategy.Signal.routes[0].condition: `+e.Message, e.Error)
	assert.Equal(t, "unknown component", got.Errors[2].Kind)

	code, _, stderr = runRoutes(t, filepath.Join(t.TempDir(), "missing.yaml"))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "no such file or directory")
}

// TestCmdRoutesWorkers: placement is checked against -workers when given, and an engine
// refusal (a route on a worker it lacks) is reported where the route is.
func TestCmdRoutesWorkers(t *testing.T) {
	routesNoLeak(t)
	f := filepath.Join(t.TempDir(), "w.yaml")
	require.NoError(t, os.WriteFile(f, []byte("routing: {feed: {MarketData: {routes: [{type: pipeline, steps: [indicators], worker: 3}]}}}\n"), 0o600))
	code, out, stderr := runRoutes(t, f)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "1 routes on 4 workers")
	code, _, stderr = runRoutes(t, "-workers", "2", f)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, f+`:1:40: routing.feed.MarketData.routes[0]: engine: invalid route: route "feed/MarketData/1": worker 3 out of range 0..1`)
}

func TestCmdRoutesUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"a.yaml", "b.yaml"}, {"-nope", "a.yaml"}} {
		code, out, stderr := runRoutes(t, args...)
		assert.Equal(t, 2, code, "%q", args)
		assert.Empty(t, out)
		assert.Contains(t, stderr, "usage: hotpath routes")
	}
}
