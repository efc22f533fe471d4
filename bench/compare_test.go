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
