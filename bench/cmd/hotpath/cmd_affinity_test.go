package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hotpath-go/hotpath/affinity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// affinityNoLeak fails t if goroutines started during it are still running
// at its end (bounded retry, no sleeps). A per-test check rather than a
// TestMain, which this package's other commands may want to own.
func affinityNoLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			runtime.Gosched()
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<16)
			t.Errorf("goroutines: %d before, %d after\n%s", before, n, buf[:runtime.Stack(buf, true)])
		}
	})
}

// runAffinityCmd runs a command function and returns its exit code, stdout
// and stderr.
func runAffinityCmd(t *testing.T, f func([]string, io.Writer, io.Writer) int, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := f(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCmdTopologyJSON(t *testing.T) {
	affinityNoLeak(t)
	code, out, stderr := runAffinityCmd(t, cmdTopology, "-json")
	require.Equal(t, 0, code, stderr)
	var topo struct {
		CacheLineBytes int   `json:"cache_line_bytes"`
		Allowed        []int `json:"allowed"`
		CPUs           []struct {
			CPU     int `json:"cpu"`
			Package int `json:"package"`
			Core    int `json:"core"`
			Node    int `json:"node"`
			Caches  []struct {
				Level  int   `json:"level"`
				Shared []int `json:"shared_cpus"`
			} `json:"caches"`
		} `json:"cpus"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &topo))
	assert.Equal(t, 64, topo.CacheLineBytes)
	assert.Len(t, topo.Allowed, runtime.NumCPU())
	require.NotEmpty(t, topo.CPUs)
	if runtime.GOOS == "linux" {
		assert.NotEmpty(t, topo.CPUs[0].Caches)
	}
}

func TestCmdTopologyText(t *testing.T) {
	affinityNoLeak(t)
	code, out, stderr := runAffinityCmd(t, cmdTopology)
	require.Equal(t, 0, code, stderr)
	for _, want := range []string{"cache line 64 bytes", "allowed ", "isolated ", "\ntree\n", "\ncaches\n", "\nwarnings\n", "core 0: cpu 0"} {
		assert.Contains(t, out, want)
	}
	code, _, stderr = runAffinityCmd(t, cmdTopology, "-bogus")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "usage: hotpath topology")
	code, _, _ = runAffinityCmd(t, cmdTopology, "extra")
	assert.Equal(t, 2, code)
}

var c2cQuick = []string{"-samples", "5", "-round-trips", "20"}

func TestCmdC2C(t *testing.T) {
	affinityNoLeak(t)
	c2c := cmdC2C
	code, out, stderr := runAffinityCmd(t, c2c, append(c2cQuick, "-json")...)
	require.Equal(t, 0, code, stderr)
	var m struct {
		CPUs  []int `json:"cpus"`
		Pairs []struct {
			A, B int
			CAS  struct {
				Median float64 `json:"median_ns"`
				P99    float64 `json:"p99_ns"`
			} `json:"cas"`
			TwoLine struct {
				Median float64 `json:"median_ns"`
			} `json:"two_line"`
		} `json:"pairs"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &m))
	n := len(m.CPUs)
	require.Len(t, m.Pairs, n*(n-1)/2)
	for _, p := range m.Pairs {
		assert.Positive(t, p.CAS.Median)
		assert.Positive(t, p.TwoLine.Median)
	}

	code, out, stderr = runAffinityCmd(t, c2c, c2cQuick...)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "CAS on one cache line")
	assert.Contains(t, out, "two cache lines")

	dir := t.TempDir()
	pngPath, svgPath := filepath.Join(dir, "c2c.png"), filepath.Join(dir, "c2c.svg")
	code, _, stderr = runAffinityCmd(t, c2c, append(c2cQuick, "-out", pngPath)...)
	require.Equal(t, 0, code, stderr)
	f, err := os.Open(pngPath)
	require.NoError(t, err)
	_, err = png.Decode(f)
	require.NoError(t, f.Close())
	require.NoError(t, err)
	code, _, stderr = runAffinityCmd(t, c2c, append(c2cQuick, "-method", "two-line", "-out", svgPath)...)
	require.Equal(t, 0, code, stderr)
	svg, err := os.ReadFile(svgPath)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(svg), "<svg"))
	assert.Contains(t, string(svg), "two-line")
}

func TestCmdC2CBadFlags(t *testing.T) {
	affinityNoLeak(t)
	c2c := cmdC2C
	for _, args := range [][]string{{"-out", "x.jpg"}, {"-method", "mutex"}, {"-cpus", "1-"}, {"-samples", "-1"}, {"-nope"}, {"extra"}} {
		code, _, stderr := runAffinityCmd(t, c2c, args...)
		assert.Equal(t, 2, code, "%v: %s", args, stderr)
	}
	code, _, stderr := runAffinityCmd(t, c2c, append(c2cQuick, "-cpus", "0,4095")...)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "not in the allowed set")
}

func TestCmdJitter(t *testing.T) {
	affinityNoLeak(t)
	jitter := cmdJitter
	code, out, stderr := runAffinityCmd(t, jitter, "-duration", "10ms")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "stalls per second")
	assert.Contains(t, out, ">10µs")
	assert.Contains(t, out, "stalled")
	code, out, stderr = runAffinityCmd(t, jitter, "-duration", "10ms", "-together")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "every CPU at once")
	allowed, err := affinity.ThreadAllowed()
	require.NoError(t, err)
	code, out, stderr = runAffinityCmd(t, jitter, "-duration", "5ms", "-cpus", fmt.Sprint(allowed.First()), "-json")
	require.Equal(t, 0, code, stderr)
	var rs []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &rs))
	require.Len(t, rs, 1)
	for _, args := range [][]string{{"-duration", "-1s"}, {"-cpus", "x"}, {"-nope"}, {"extra"}} {
		code, _, _ := runAffinityCmd(t, jitter, args...)
		assert.Equal(t, 2, code, "%v", args)
	}
}
