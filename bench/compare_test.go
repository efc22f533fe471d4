package bench

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestChangeVerdicts(t *testing.T) {
	tests := []struct {
		old, new, oldSpread, newSpread float64
		noise, delta                   float64
		verdict                        Verdict
	}{
		{old: 100, new: 105, noise: 0.10, delta: 0.05, verdict: Same},
		{old: 100, new: 111, noise: 0.10, delta: 0.11, verdict: Worse},
		{old: 100, new: 89, noise: 0.10, delta: -0.11, verdict: Better},
		{old: 100, new: 130, oldSpread: 0.2, newSpread: 0.05, noise: 0.40, delta: 0.30, verdict: Same},
		{old: 100, new: 150, oldSpread: 0.05, newSpread: 0.2, noise: 0.40, delta: 0.50, verdict: Worse},
		{old: 100, new: 50, oldSpread: 0.3, noise: 0.60, delta: -0.50, verdict: Same},
		{old: 0, new: 50, noise: 0.10, delta: 0, verdict: Same},
	}
	for _, tt := range tests {
		ch := change(Result{Name: "s", Impl: "i"}, Result{}, "ns/op", tt.old, tt.new, tt.oldSpread, tt.newSpread)
		assert.InDelta(t, tt.noise, ch.Noise, 1e-9, "noise of %v -> %v (spreads %v, %v)", tt.old, tt.new, tt.oldSpread, tt.newSpread)
		assert.InDelta(t, tt.delta, ch.Delta, 1e-9, "delta of %v -> %v", tt.old, tt.new)
		assert.Equal(t, tt.verdict, ch.Verdict, "verdict of %v -> %v (spreads %v, %v)", tt.old, tt.new, tt.oldSpread, tt.newSpread)
	}
}

func TestCompare(t *testing.T) {
	old, new := sampleReport(), sampleReport()
	new.Scenarios[0].NsPerOp = 20        // hotpath: 25 -> 20 ns/op, -20%: better
	new.Scenarios[0].Latency.P99 = 2100  // +6%: same
	new.Scenarios[1].Latency.P50 = 45000 // chan p50 30.2 -> 45 us, +49% > 2 x 0.1 spread: worse
	new.Scenarios = append(new.Scenarios[:2], Result{Name: "mpmc-2p2c", Impl: "hotpath", NsPerOp: 60})
	new.Machine.GoVersion = "go1.27"
	c := Compare(old, new)

	byKey := map[string]Change{}
	for _, ch := range c.Changes {
		byKey[ch.Name+"/"+ch.Impl+" "+ch.Metric] = ch
	}
	assert.Len(t, c.Changes, 6, "ns/op, p50, p99 for the two spsc results")
	assert.Equal(t, Better, byKey["spsc/hotpath ns/op"].Verdict)
	assert.Equal(t, Same, byKey["spsc/hotpath p99"].Verdict)
	assert.Equal(t, Worse, byKey["spsc/chan p50"].Verdict)
	assert.InDelta(t, 0.6, byKey["spsc/chan p99"].Noise, 1e-9, "2 x the larger p99 spread (0.3)")
	assert.Equal(t, []string{"spsc-batch64/copy"}, c.OnlyOld)
	assert.Equal(t, []string{"mpmc-2p2c/hotpath"}, c.OnlyNew)
	require.Len(t, c.Notes, 1)
	assert.Contains(t, c.Notes[0], "different Go")
	require.Len(t, c.Regressions(), 1)
	assert.Equal(t, "p50", c.Regressions()[0].Metric)

	var b bytes.Buffer
	require.NoError(t, c.WriteText(&b))
	golden(t, "compare.golden.txt", b.Bytes())
}

func TestCompareBusyMachine(t *testing.T) {
	old, new := sampleReport(), sampleReport()
	new.Machine.LoadAvg = 3.5
	c := Compare(old, new)
	require.Len(t, c.Notes, 1)
	assert.Contains(t, c.Notes[0], "load average at the start: 0.00 against 3.50 on 2 and 2 CPUs")
}

func TestFmtChange(t *testing.T) {
	for _, tt := range []struct {
		d    float64
		want string
	}{{0.04, "+4.0%"}, {-0.2, "-20.0%"}, {8.5, "+850.0%"}, {9, "x10"}, {99, "x100"}, {-0.9, "/10"}, {-0.99, "/100"}} {
		assert.Equal(t, tt.want, fmtChange(tt.d), "fmtChange(%v)", tt.d)
	}
	assert.Equal(t, "25%", fmtNoise(0.25))
	assert.Equal(t, ">999%", fmtNoise(12))
}

func TestCompareSameRun(t *testing.T) {
	r := sampleReport()
	c := Compare(r, r)
	assert.Empty(t, c.Regressions())
	assert.Empty(t, c.Notes)
	for _, ch := range c.Changes {
		assert.Equal(t, Same, ch.Verdict, "%s/%s %s", ch.Name, ch.Impl, ch.Metric)
	}
}

func TestCompareDurations(t *testing.T) {
	tests := []struct {
		name     string
		old, new int64
		want     string // "" for no note
	}{
		{name: "same", old: 3e9, new: 3e9},
		{name: "quick against full", old: 300e6, new: 3e9, want: "different durations: 300ms against 3s per implementation"},
		{name: "full against quick", old: 3e9, new: 300e6, want: "different durations: 3s against 300ms per implementation"},
		{name: "unknown", old: 0, new: 3e9, want: "different durations: unknown against 3s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old, new := sampleReport(), sampleReport()
			old.Run.DurationNs, new.Run.DurationNs = tt.old, tt.new
			c := Compare(old, new)
			if tt.want == "" {
				assert.Empty(t, c.Notes)
				return
			}
			require.Len(t, c.Notes, 1)
			assert.Contains(t, c.Notes[0], tt.want)
			assert.Contains(t, c.Notes[0], "-quick")
		})
	}
}

func TestCompareScenarioRates(t *testing.T) {
	// withRate sets the open-loop rate of every result of scenario in r.
	withRate := func(r *Report, scenario string, rate float64) *Report {
		for i := range r.Scenarios {
			if r.Scenarios[i].Name == scenario && r.Scenarios[i].Load != nil {
				r.Scenarios[i].Load.RatePerSec = rate
			}
		}
		return r
	}
	tests := []struct {
		name             string
		oldRun, newRun   float64 // run-wide rates
		oldSpsc, newSpsc float64 // spsc's own rates
		want             []string
	}{
		{name: "same rates", oldRun: 100e3, newRun: 100e3, oldSpsc: 100e3, newSpsc: 100e3},
		{name: "own rate unchanged", oldRun: 100e3, newRun: 100e3, oldSpsc: 1e6, newSpsc: 1e6},
		{name: "own rate changed", oldRun: 100e3, newRun: 100e3, oldSpsc: 1e6, newSpsc: 2e6,
			want: []string{"spsc: different open-loop rates: 1M against 2M events/s"}},
		{name: "own rate set in one run", oldRun: 100e3, newRun: 100e3, oldSpsc: 100e3, newSpsc: 1e6,
			want: []string{"spsc: different open-loop rates: 100k against 1M events/s"}},
		{name: "followed the run-wide rate", oldRun: 100e3, newRun: 50e3, oldSpsc: 100e3, newSpsc: 50e3,
			want: []string{"different open-loop rates: 100k against 50k events/s: latencies are not comparable"}},
		{name: "own rate against a changed run-wide rate", oldRun: 100e3, newRun: 50e3, oldSpsc: 1e6, newSpsc: 50e3,
			want: []string{"different open-loop rates: 100k against 50k", "spsc: different open-loop rates: 1M against 50k events/s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old, new := withRate(sampleReport(), "spsc", tt.oldSpsc), withRate(sampleReport(), "spsc", tt.newSpsc)
			old.Run.RatePerSec, new.Run.RatePerSec = tt.oldRun, tt.newRun
			c := Compare(old, new)
			require.Len(t, c.Notes, len(tt.want), "%q", c.Notes)
			for i, want := range tt.want {
				assert.Contains(t, c.Notes[i], want)
			}
		})
	}

	// A scenario measured without an open loop in one run has no rate to compare.
	old, new := sampleReport(), withRate(sampleReport(), "spsc", 1e6)
	old.Scenarios[0].Load, old.Scenarios[1].Load = nil, nil
	assert.Empty(t, Compare(old, new).Notes)
}

func TestCompareAllocs(t *testing.T) {
	tests := []struct {
		name          string
		old, new      int64
		spread        float64 // ns/op spread of both runs: allocations ignore it
		verdict       Verdict
		delta         float64
		text, noAlloc string
	}{
		{name: "none in either", old: 0, new: 0},
		{name: "0 to 1", old: 0, new: 1, verdict: Worse, text: `spsc/hotpath +allocs +0 +1 +\+1 +- +worse`},
		{name: "0 to 1 in a noisy run", old: 0, new: 1, spread: 0.8, verdict: Worse, text: `spsc/hotpath +allocs +0 +1 +\+1 +- +worse`},
		{name: "3 to 4", old: 3, new: 4, verdict: Worse, delta: 1.0 / 3, text: `spsc/hotpath +allocs +3 +4 +\+1 +- +worse`},
		{name: "2 to 0", old: 2, new: 0, verdict: Better, delta: -1, text: `spsc/hotpath +allocs +2 +0 +-2 +- +better`},
		{name: "2 to 2", old: 2, new: 2, verdict: Same, text: `spsc/hotpath +allocs +2 +2 +\+0 +- +same`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old, new := sampleReport(), sampleReport()
			old.Scenarios[0].AllocsPerOp, new.Scenarios[0].AllocsPerOp = tt.old, tt.new
			old.Scenarios[0].Spread.NsPerOp, new.Scenarios[0].Spread.NsPerOp = tt.spread, tt.spread
			c := Compare(old, new)
			var allocs []Change
			for _, ch := range c.Changes {
				if ch.Metric == "allocs" {
					allocs = append(allocs, ch)
				}
			}
			var b bytes.Buffer
			require.NoError(t, c.WriteText(&b))
			if tt.text == "" {
				assert.Empty(t, allocs, "no allocs row when neither run allocated")
				assert.NotContains(t, b.String(), "allocs")
				return
			}
			require.Len(t, allocs, 1, "only spsc/hotpath allocates")
			ch := allocs[0]
			assert.Equal(t, tt.verdict, ch.Verdict)
			assert.InDelta(t, tt.delta, ch.Delta, 1e-9)
			assert.Equal(t, float64(tt.old), ch.Old)
			assert.Equal(t, float64(tt.new), ch.New)
			assert.Regexp(t, tt.text, b.String())
			assert.Contains(t, b.String(), "any increase is worse")
			if tt.verdict == Worse {
				require.Len(t, c.Regressions(), 1)
				assert.Equal(t, "allocs", c.Regressions()[0].Metric)
			} else {
				assert.Empty(t, c.Regressions())
			}
		})
	}
}
