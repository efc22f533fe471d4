package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "golden file (run go test -update to create it)")
	assert.Equal(t, string(want), string(got), "output differs from %s (go test -update rewrites it)", path)
}

// uniformHist returns a histogram of n values spread evenly over [lo, hi] ns.
func uniformHist(n int, lo, hi int64) *hdrhistogram.Histogram {
	h := hdrhistogram.New(1, highestNs, digits)
	for i := range n {
		_ = h.RecordValue(lo + (hi-lo)*int64(i)/int64(max(n-1, 1)))
	}
	return h
}

// sampleReport is a fixed report: two implementations of one scenario with latency, one of
// another without.
func sampleReport() *Report {
	hot, ch := uniformHist(10_000, 200, 2_000), uniformHist(10_000, 400, 60_000)
	r := &Report{
		Schema: SchemaVersion,
		Machine: Machine{CPUs: 2, GOMAXPROCS: 2, GoVersion: "go1.26.8", CPUBrand: "AMD EPYC", OS: "linux", Arch: "amd64",
			Hypervisor: "KVM", AllowedCPUs: []int{0, 1}, Clock: "tsc"},
		Limits: Limits{C2CCASNs: 54, C2CCASP99Ns: 70, C2CTwoLineNs: 145, C2CTwoLineP99Ns: 180, CPUs: [2]int{0, 1}, Pinned: true,
			HarnessP50Ns: 51, HarnessP99Ns: 90},
		Run: RunInfo{DurationNs: 4e9, RatePerSec: 100_000, Reps: 3},
		Scenarios: []Result{
			{Name: "spsc", Impl: "hotpath", Baseline: "chan", Ops: 30_000_000, OpsPerSec: 40e6, NsPerOp: 25,
				Latency: &Latency{Count: 10_000, Mean: 1100, P50: 1100, P90: 1820, P99: 1982, P999: 1998, P9999: 2000, Max: 2000},
				Load:    &Load{RatePerSec: 100_000, AchievedPerSec: 99_990, Sent: 240_000, Pinned: true, CPUs: []int{0, 1}},
				Spread:  Spread{NsPerOp: 0.04, P50: 0.02, P99: 0.2}, hist: hot},
			{Name: "spsc", Impl: "chan", Baseline: "chan", Ops: 20_000_000, OpsPerSec: 25e6, NsPerOp: 40, Allocs: 12,
				Latency: &Latency{Count: 10_000, Mean: 30200, P50: 30200, P90: 54000, P99: 59400, P999: 59940, P9999: 59994, Max: 60000},
				Load:    &Load{RatePerSec: 100_000, AchievedPerSec: 99_990, Sent: 240_000, Pinned: true, CPUs: []int{0, 1}},
				Spread:  Spread{NsPerOp: 0.05, P50: 0.1, P99: 0.3}, hist: ch, Notes: []string{"an example note"}},
			{Name: "spsc-batch64", Impl: "copy", Baseline: "chan", Ops: 90_000_000, OpsPerSec: 400e6, NsPerOp: 2.5},
		},
	}
	r.ratios()
	return r
}

func TestReportJSONGolden(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, sampleReport().WriteJSON(&b))
	golden(t, "results.golden.json", b.Bytes())
}

func TestReportJSONSchema(t *testing.T) {
	// The documented schema (docs/benchmarks.md), key by key.
	var b bytes.Buffer
	require.NoError(t, sampleReport().WriteJSON(&b))
	var doc map[string]any
	require.NoError(t, json.Unmarshal(b.Bytes(), &doc))
	obj := func(v any, key string) map[string]any {
		m, ok := v.(map[string]any)[key].(map[string]any)
		require.True(t, ok, "%s is an object", key)
		return m
	}
	assert.EqualValues(t, SchemaVersion, doc["schema"])
	for _, k := range []string{"cpus", "gomaxprocs", "go_version", "cpu_brand", "os", "arch", "allowed_cpus", "clock", "load_avg"} {
		assert.Contains(t, obj(doc, "machine"), k, "machine.%s", k)
	}
	for _, k := range []string{"c2c_cas_ns", "c2c_two_line_ns", "c2c_cas_p99_ns", "c2c_two_line_p99_ns", "cpus", "pinned", "harness_p50_ns", "harness_p99_ns"} {
		assert.Contains(t, obj(doc, "limits"), k, "limits.%s", k)
	}
	for _, k := range []string{"duration_ns", "rate_per_sec", "reps"} {
		assert.Contains(t, obj(doc, "run"), k, "run.%s", k)
	}
	scenarios := doc["scenarios"].([]any)
	require.Len(t, scenarios, 3)
	for _, k := range []string{"name", "impl", "baseline", "ops", "ops_per_sec", "ns_per_op", "allocs_per_op", "allocs", "spread", "ratio_to_baseline"} {
		assert.Contains(t, scenarios[0], k, "scenarios[].%s", k)
	}
	s0 := scenarios[0].(map[string]any)
	assert.Contains(t, s0, "ratio_to_c2c")
	for _, k := range []string{"count", "mean", "p50", "p90", "p99", "p99_9", "p99_99", "max"} {
		assert.Contains(t, obj(s0, "latency_ns"), k, "latency_ns.%s", k)
	}
	for _, k := range []string{"rate_per_sec", "achieved_per_sec", "sent", "unsent", "pinned"} {
		assert.Contains(t, obj(s0, "load"), k, "load.%s", k)
	}
	assert.NotContains(t, scenarios[2], "latency_ns", "no latency without an open loop")
}

func TestReportRatios(t *testing.T) {
	r := sampleReport()
	assert.Equal(t, 0.625, r.Find("spsc", "hotpath").RatioToBaseline, "25 ns/op against chan's 40")
	assert.Equal(t, 1.0, r.Find("spsc", "chan").RatioToBaseline)
	assert.Equal(t, 7.586, r.Find("spsc", "hotpath").RatioToC2C, "p50 1100 ns over 145 ns")
	assert.Zero(t, r.Find("spsc-batch64", "copy").RatioToBaseline, "no baseline measured")
	assert.Nil(t, r.Find("spsc", "workiva"))
}

func TestReadReportRoundTrip(t *testing.T) {
	var b bytes.Buffer
	want := sampleReport()
	require.NoError(t, want.WriteJSON(&b))
	got, err := ReadReport(&b)
	require.NoError(t, err)
	for i := range want.Scenarios {
		want.Scenarios[i].hist = nil // histograms are not in results.json
	}
	assert.Equal(t, want, got)
}

func TestReadReportErrors(t *testing.T) {
	for _, in := range []string{"", "{", `{"schema": 2}`, `{"machine": {}}`, `[]`} {
		_, err := ReadReport(strings.NewReader(in))
		assert.Error(t, err, "ReadReport(%q)", in)
	}
	_, err := ReadReport(strings.NewReader(`{"schema": 99}`))
	assert.True(t, errors.Is(err, ErrSchema), "got %v", err)
}

func FuzzReadReport(f *testing.F) {
	var b bytes.Buffer
	_ = sampleReport().WriteJSON(&b)
	f.Add(b.Bytes())
	f.Add([]byte(`{"schema": 1, "scenarios": [{"name": "x", "latency_ns": {"p50": -1}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ReadReport(bytes.NewReader(data))
		if err != nil {
			return
		}
		// Whatever decodes must survive the report's own consumers.
		var out bytes.Buffer
		if err := r.WriteTable(&out); err != nil {
			t.Fatal(err)
		}
		Compare(r, r)
	})
}

func TestWriteTable(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, sampleReport().WriteTable(&b))
	golden(t, "table.golden.txt", b.Bytes())

	// The limit measured again at the end shows beside the first.
	r := sampleReport()
	r.Limits.C2CCASEndNs, r.Limits.C2CTwoLineEndNs = 101.5, 243.25
	b.Reset()
	require.NoError(t, r.WriteTable(&b))
	assert.Contains(t, b.String(), "one way (median); at the end 101.5 / 243.2 ns\n")
}
