package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/bench"
)

func TestRunDispatch(t *testing.T) {
	affinityNoLeak(t)
	code, out, _ := runAffinityCmd(t, run, "help")
	assert.Equal(t, 0, code)
	for _, verb := range []string{"bench", "c2c", "jitter", "topology"} {
		assert.Contains(t, out, verb)
	}
	code, _, stderr := runAffinityCmd(t, run, "frobnicate")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `unknown verb "frobnicate"`)
	code, out, stderr = runAffinityCmd(t, run, "topology", "-json")
	assert.Equal(t, 0, code, stderr)
	assert.True(t, json.Valid([]byte(out)), "topology -json through the dispatcher")
}

func TestSuiteSmoke(t *testing.T) {
	// The acceptance run in miniature: -quick with a tiny duration, JSON on stdout and the
	// output directory.
	affinityNoLeak(t)
	dir := filepath.Join(t.TempDir(), "out")
	code, out, stderr := runAffinityCmd(t, run, "-quick", "-duration", "40ms", "-json", "-out", dir)
	require.Equal(t, 0, code, stderr)
	rep, err := bench.ReadReport(strings.NewReader(out))
	require.NoError(t, err)
	assert.Greater(t, rep.Limits.C2CTwoLineNs, 0.0)
	names := map[string]bool{}
	for _, s := range rep.Scenarios {
		names[s.Name] = true
		if s.Impl == "hotpath" {
			if s.Name != "wal-append" && s.Name != "reliable-wal" { // a log's checkpoints allocate; reported, not required to be 0
				assert.Zero(t, s.AllocsPerOp, "%s/hotpath allocates", s.Name)
				// Each phase on its own, untruncated, against its event count: an allocation per
				// event would be one per event sent; a Target's Start and Stop are allowed a fixed
				// 100 (a sweep point at this duration sends only a few hundred events).
				const teardown = 100
				assert.LessOrEqual(t, s.AllocsClosed*float64(s.Ops), teardown+0.01*float64(s.Ops), "%s/hotpath closed loop allocates", s.Name)
				require.NotNil(t, s.Load, s.Name)
				assert.LessOrEqual(t, s.AllocsOpen*float64(s.Load.Sent), teardown+0.01*float64(s.Load.Sent), "%s/hotpath open loop allocates", s.Name)
			}
			require.NotNil(t, s.Latency, s.Name)
		}
	}
	for _, s := range bench.Scenarios() {
		if len(s.Sweep) == 0 {
			assert.True(t, names[s.Name], "scenario %s in the results", s.Name)
		}
		for _, pct := range s.Sweep {
			name := fmt.Sprintf("%s-%d", s.Name, pct)
			assert.True(t, names[name], "sweep point %s in the results", name)
		}
	}
	for _, pattern := range []string{"results.json", "index.html", "spsc.png", "spsc.svg", "spsc.hotpath.hgrm", "*.hgrm"} {
		m, err := filepath.Glob(filepath.Join(dir, pattern))
		require.NoError(t, err)
		assert.NotEmpty(t, m, "%s in -out", pattern)
	}
	assert.Contains(t, stderr, "wrote ")
	assert.NotContains(t, stderr, "\r", "no progress line when stderr is not a terminal")
}

func TestSuiteTable(t *testing.T) {
	affinityNoLeak(t)
	code, out, stderr := runAffinityCmd(t, run, "-scenario", "spsc", "-duration", "30ms", "-rate", "50000")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "core-to-core limit")
	assert.Contains(t, out, "open loop at 50k events/s")
	for _, impl := range []string{"hotpath", "chan", "workiva"} {
		assert.Regexp(t, `(?m)^spsc +`+impl+` `, out)
	}
	assert.NotContains(t, out, "mpmc")
}

func TestSuiteFlagErrors(t *testing.T) {
	affinityNoLeak(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-scenario", "nope"}, "unknown scenario: nope"},
		{[]string{"-rate", "-1"}, "Rate -1"},
		{[]string{"-duration", "-1s"}, "Duration -1s"},
		{[]string{"-quick", "extra"}, "unexpected arguments"},
		{[]string{"-bogus"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		code, _, stderr := runAffinityCmd(t, run, tt.args...)
		assert.Equal(t, 2, code, "%v", tt.args)
		assert.Contains(t, stderr, tt.want, "%v", tt.args)
	}
}

func TestSuiteConfig(t *testing.T) {
	// -config FILE runs the routing of FILE as the scenario "config", alone unless -scenario
	// names others; a file the loader refuses is reported with its place.
	affinityNoLeak(t)
	plan := filepath.Join("..", "..", "..", "docs", "examples", "trading.yaml")
	code, out, stderr := runAffinityCmd(t, run, "-config", plan, "-duration", "40ms", "-json")
	require.Equal(t, 0, code, stderr)
	rep, err := bench.ReadReport(strings.NewReader(out))
	require.NoError(t, err)
	require.Len(t, rep.Scenarios, 1)
	assert.Equal(t, "config", rep.Scenarios[0].Name)
	assert.Equal(t, "hotpath", rep.Scenarios[0].Impl)
	require.NotNil(t, rep.Scenarios[0].Latency)

	code, out, _ = runAffinityCmd(t, run, "-config", plan, "-list")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "the routing of "+plan)

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("routing:\n  feed:\n    MarketData: {routes: [{type: pipeline, steps: [nosuch]}]}\n"), 0o644))
	code, _, stderr = runAffinityCmd(t, run, "-config", bad)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "bad.yaml:3:")
}

func TestSuiteHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"bench", "-h"}} {
		code, out, stderr := runAffinityCmd(t, run, args...)
		assert.Equal(t, 0, code, "%v", args)
		assert.Empty(t, out)
		assert.Contains(t, stderr, "usage: hotpath [-quick]", "%v", args)
	}
}

func TestSuiteList(t *testing.T) {
	affinityNoLeak(t)
	code, out, _ := runAffinityCmd(t, run, "-list")
	require.Equal(t, 0, code)
	assert.Equal(t, len(bench.Scenarios()), strings.Count(out, "\n"))
	assert.Contains(t, out, "spsc-batch64")
}

func TestBenchCompare(t *testing.T) {
	affinityNoLeak(t)
	dir := t.TempDir()
	write := func(name string, nsPerOp float64) string {
		r := &bench.Report{Schema: bench.SchemaVersion, Scenarios: []bench.Result{
			{Name: "spsc", Impl: "hotpath", NsPerOp: nsPerOp, Spread: bench.Spread{NsPerOp: 0.01}},
		}}
		var b bytes.Buffer
		require.NoError(t, r.WriteJSON(&b))
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
		return path
	}
	old, same, slow := write("old.json", 25), write("same.json", 26), write("slow.json", 40)

	code, out, stderr := runAffinityCmd(t, run, "bench", "-compare", old, same)
	require.Equal(t, 0, code, stderr)
	assert.Regexp(t, `spsc/hotpath +ns/op +25\.0 +26\.0 +\+4\.0% +10% +same`, out)

	code, out, _ = runAffinityCmd(t, run, "bench", "-compare", old, slow)
	assert.Equal(t, 0, code, "a regression is reported, not failed, without -fail")
	assert.Contains(t, out, "worse")
	code, _, _ = runAffinityCmd(t, run, "bench", "-compare", "-fail", old, slow)
	assert.Equal(t, 1, code, "-fail: exit 1 on a regression")

	code, _, stderr = runAffinityCmd(t, run, "bench", "-compare", old)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "usage: hotpath bench -compare")
	code, _, stderr = runAffinityCmd(t, run, "bench", "-compare", old, filepath.Join(dir, "missing.json"))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "missing.json")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bad.json"), []byte(`{"schema": 7}`), 0o644))
	code, _, stderr = runAffinityCmd(t, run, "bench", "-compare", old, filepath.Join(dir, "bad.json"))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "not a hotpath results file")
}

func TestProgressLine(t *testing.T) {
	assert.False(t, isTerminal(&bytes.Buffer{}))
	f, err := os.CreateTemp(t.TempDir(), "x")
	require.NoError(t, err)
	defer f.Close()
	assert.False(t, isTerminal(f), "a regular file is not a terminal")

	var b bytes.Buffer
	p := progressLine(&b)
	p(bench.Progress{Done: 0, Total: 5, Phase: "limits"})
	p(bench.Progress{Done: 1, Total: 5, Scenario: "spsc", Impl: "chan", Phase: "open loop"})
	p(bench.Progress{Done: 5, Total: 5})
	assert.Equal(t, "\r\033[K[1/5] limits\r\033[K[2/5] spsc/chan: open loop\r\033[K", b.String())
}
