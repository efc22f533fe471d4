package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/affinity"
	"github.com/hotpath-go/hotpath/bench"
)

func TestTuneRoute(t *testing.T) {
	// A short tune of route-e2e on this machine: every distinct placement measured, one
	// recommended, and the engine section that applies it.
	affinityNoLeak(t)
	code, out, stderr := runAffinityCmd(t, run, "tune", "-duration", "60ms", "-rate", "20000")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "hotpath tune: route-e2e, 60ms per placement, open loop at 20k events/s")
	assert.Regexp(t, `(?m)^planned +`, out)
	assert.Regexp(t, `(?m)^unpinned +- +- +`, out)
	assert.Contains(t, out, "recommended: ")
	assert.Contains(t, out, "engine:\n  workers: 1\n")
}

func TestTuneConfig(t *testing.T) {
	affinityNoLeak(t)
	plan := filepath.Join("..", "..", "..", "docs", "examples", "trading.yaml")
	code, out, stderr := runAffinityCmd(t, cmdTune, "-config", plan, "-duration", "60ms", "-rate", "20000")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "hotpath tune: config,")
	assert.Contains(t, out, "# the engine section of "+plan)
}

func TestTuneErrors(t *testing.T) {
	affinityNoLeak(t)
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("routing: 3\n"), 0o644))
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-duration", "0s"}, 2, "want a positive duration"},
		{[]string{"-rate", "-3"}, 2, "rate"},
		{[]string{"extra"}, 2, "unexpected arguments"},
		{[]string{"-bogus"}, 2, "flag provided but not defined"},
		{[]string{"-config", bad}, 1, "bad.yaml:1:"},
		{[]string{"-h"}, 0, "usage: hotpath tune"},
	}
	for _, tt := range tests {
		code, _, stderr := runAffinityCmd(t, cmdTune, tt.args...)
		assert.Equal(t, tt.code, code, "%v", tt.args)
		assert.Contains(t, stderr, tt.want, "%v", tt.args)
	}
}

func TestTunePlacements(t *testing.T) {
	// On recorded machines. The two-vCPU VM needs CPU 0 in the pool for a producer and a
	// worker, and cannot pin three spinners; spread coincides with planned where the pool is
	// one socket; one-l3 differs from planned only where the pool spans L3s.
	tests := []struct {
		dir      string
		workers  int
		names    []string
		distinct int
		note     string
	}{
		{"kvm-epyc-2vcpu", 1, []string{"planned", "spread", "unpinned"}, 2, "CPU 0 is in the pool here"},
		{"kvm-epyc-2vcpu", 2, []string{"planned", "spread", "unpinned"}, 1, "only the unpinned placement can run here"},
		{"xeon-2s-smt", 1, []string{"planned", "spread", "shared-cores", "unpinned"}, 3, "4 placements, 3 distinct"},
		{"amd-ryzen-2ccx", 2, []string{"planned", "one-l3", "spread", "shared-cores", "unpinned"}, 4, "5 placements, 4 distinct"},
	}
	for _, tt := range tests {
		topo, err := affinity.DetectFrom(affinity.Source{FS: os.DirFS(filepath.Join("..", "..", "..", "affinity", "testdata", tt.dir)), CPUID: &affinity.CPUID{}})
		require.NoError(t, err, tt.dir)
		alts, notes := tunePlacements(topo, tt.workers)
		var names []string
		distinct := 0
		for _, a := range alts {
			names = append(names, a.name)
			if a.err == "" && a.same == "" {
				distinct++
				if a.pinned() {
					assert.Len(t, a.workers, tt.workers, "%s/%s", tt.dir, a.name)
					assert.NotContains(t, a.workers, a.producer, "%s/%s: producer and a worker share a CPU", tt.dir, a.name)
				}
			}
		}
		assert.Equal(t, tt.names, names, tt.dir)
		assert.Equal(t, tt.distinct, distinct, tt.dir)
		assert.Contains(t, strings.Join(notes, "\n"), tt.note, tt.dir)
	}
}

func TestRecommend(t *testing.T) {
	row := func(p50, p99 int64) tuneRow {
		return tuneRow{res: bench.Result{Latency: &bench.Latency{P50: p50, P99: p99}}}
	}
	tests := []struct {
		rows []tuneRow
		want int
	}{
		{nil, -1},
		{[]tuneRow{{}}, -1}, // nothing measured
		{[]tuneRow{row(200, 5000), row(300, 2000)}, 1},     // lowest p99
		{[]tuneRow{row(200, 2100), row(300, 2000)}, 0},     // p99 within 10%: lower p50
		{[]tuneRow{{}, row(500, 9000), row(400, 9500)}, 2}, // unmeasured rows skipped
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, recommend(tt.rows), "recommend(%v)", tt.rows)
	}
}
