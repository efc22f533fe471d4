package affinity

import (
	"bytes"
	"errors"
	"flag"
	"image/png"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// tiny keeps measurements short under -race on two cores.
var tiny = C2CConfig{Samples: 5, RoundTrips: 20, Timeout: 10 * time.Second}

func allowedOrSkip(t *testing.T, n int) CPUSet {
	t.Helper()
	allowed, err := ThreadAllowed()
	if errors.Is(err, ErrUnsupported) {
		t.Skip("pinning unsupported here")
	}
	require.NoError(t, err)
	if allowed.Len() < n {
		t.Skipf("needs %d allowed CPUs, have %s", n, allowed)
	}
	return allowed
}

func TestMeasureC2C(t *testing.T) {
	allowed := allowedOrSkip(t, 2)
	cfg := tiny
	cfg.CPUs = NewCPUSet(allowed.CPUs()[:2]...)
	m, err := MeasureC2C(cfg)
	require.NoError(t, err)
	assert.True(t, m.Pinned)
	assert.Equal(t, cfg.CPUs.CPUs(), m.CPUs)
	require.Len(t, m.Pairs, 1)
	p := m.Pairs[0]
	assert.Equal(t, m.CPUs[0], p.A)
	assert.Equal(t, m.CPUs[1], p.B)
	for _, l := range []Latency{p.CAS, p.TwoLine} {
		assert.Positive(t, l.MedianNs)
		assert.GreaterOrEqual(t, l.P99Ns, l.MedianNs)
	}
	back, ok := m.Pair(p.B, p.A)
	assert.True(t, ok)
	assert.Equal(t, p, back)
	assert.Equal(t, p.TwoLine, p.Of(MethodTwoLine))
	_, ok = m.Pair(-1, 5)
	assert.False(t, ok)
}

func TestMeasureLimits(t *testing.T) {
	allowed := allowedOrSkip(t, 1)
	l, err := MeasureLimits(tiny)
	require.NoError(t, err)
	assert.Positive(t, l.CASNs)
	assert.Positive(t, l.TwoLineNs)
	assert.Equal(t, allowed.First(), l.A)
	if allowed.Len() >= 2 {
		assert.True(t, l.Pinned)
		assert.Equal(t, allowed.CPUs()[1], l.B)
	}

	one := tiny
	one.CPUs = NewCPUSet(allowed.First())
	l, err = MeasureLimits(one)
	require.NoError(t, err)
	assert.False(t, l.Pinned)
	assert.Equal(t, l.A, l.B)
	assert.Contains(t, l.Note, "unpinned")
	assert.Positive(t, l.CASNs)

	m, err := MeasureC2C(one)
	require.NoError(t, err)
	assert.Empty(t, m.Pairs)
	assert.Contains(t, strings.Join(m.Notes, " "), "no pair")
}

func TestMeasureC2CRefusesDisallowedCPU(t *testing.T) {
	allowed := allowedOrSkip(t, 1)
	outside := allowed.CPUs()[allowed.Len()-1] + 1
	cfg := tiny
	cfg.CPUs = NewCPUSet(allowed.First(), outside)
	_, err := MeasureC2C(cfg)
	require.ErrorIs(t, err, ErrCPUNotAllowed, "the side that cannot pin aborts the other")
}

func TestMeasureC2CTimeout(t *testing.T) {
	allowed := allowedOrSkip(t, 2)
	cfg := C2CConfig{CPUs: allowed, Samples: 1 << 20, RoundTrips: 1000, Timeout: 20 * time.Millisecond}
	start := time.Now()
	_, err := MeasureLimits(cfg)
	require.ErrorIs(t, err, ErrTimeout)
	assert.Less(t, time.Since(start), 5*time.Second)
}

func TestC2CConfigValidate(t *testing.T) {
	assert.NoError(t, C2CConfig{}.Validate())
	for _, c := range []C2CConfig{{Samples: -1}, {RoundTrips: -1}, {Timeout: -1}} {
		assert.ErrorContains(t, c.Validate(), "affinity: c2c config")
		_, err := MeasureC2C(c)
		assert.Error(t, err)
		_, err = MeasureLimits(c)
		assert.Error(t, err)
	}
	c, err := C2CConfig{}.withDefaults()
	require.NoError(t, err)
	assert.Equal(t, DefaultC2CSamples, c.Samples)
	assert.Equal(t, DefaultC2CRoundTrips, c.RoundTrips)
	assert.Equal(t, DefaultC2CTimeout, c.Timeout)
	assert.False(t, c.CPUs.IsEmpty())
}

func TestSummarise(t *testing.T) {
	var s []float64
	for i := 100; i >= 1; i-- {
		s = append(s, float64(i))
	}
	assert.Equal(t, Latency{MedianNs: 50, P99Ns: 99}, summarise(s))
	assert.Equal(t, Latency{MedianNs: 7, P99Ns: 7}, summarise([]float64{7}))
	assert.Equal(t, Latency{}, summarise(nil))
	assert.Equal(t, Latency{MedianNs: 1.2, P99Ns: 3.5}, summarise([]float64{3.45, 1.24}))
	assert.Equal(t, "cas", MethodCAS.String())
	assert.Equal(t, "two-line", MethodTwoLine.String())
	assert.Equal(t, "Method(9)", Method(9).String())
}

func TestMeasureJitter(t *testing.T) {
	allowed := allowedOrSkip(t, 1)
	rs, err := MeasureJitter(JitterConfig{Duration: 20 * time.Millisecond})
	require.NoError(t, err)
	require.Len(t, rs, allowed.Len())
	for i, r := range rs {
		assert.Equal(t, allowed.CPUs()[i], r.CPU)
		assert.True(t, r.Pinned)
		assert.Positive(t, r.Loops)
		assert.GreaterOrEqual(t, r.Duration, 20*time.Millisecond)
		require.Len(t, r.Stalls, 3)
		assert.Equal(t, DefaultJitterThresholds()[2], r.Stalls[2].Threshold)
		for j := 1; j < len(r.Stalls); j++ {
			assert.LessOrEqual(t, r.Stalls[j].Count, r.Stalls[j-1].Count, "bigger gaps are rarer")
		}
		if r.Stalls[0].Count > 0 {
			assert.Greater(t, r.MaxGap, time.Microsecond)
		}
	}
	rs, err = MeasureJitter(JitterConfig{CPUs: NewCPUSet(allowed.First()), Duration: 5 * time.Millisecond, Thresholds: []time.Duration{time.Nanosecond}})
	require.NoError(t, err)
	require.Len(t, rs, 1)
	assert.Positive(t, rs[0].Stalls[0].Count, "every read is more than 1ns after the previous")
	assert.InDelta(t, 1, rs[0].StalledFraction, 0.01, "with a 1ns threshold, all the time is in gaps")
	assert.Equal(t, rs[0].Duration, rs[0].Stalled)

	procs := runtime.GOMAXPROCS(0)
	rs, err = MeasureJitter(JitterConfig{Duration: 20 * time.Millisecond, Together: true})
	require.NoError(t, err)
	require.Len(t, rs, allowed.Len())
	for i, r := range rs {
		assert.Equal(t, allowed.CPUs()[i], r.CPU)
		assert.True(t, r.Together)
		assert.GreaterOrEqual(t, r.Duration, 20*time.Millisecond)
		assert.GreaterOrEqual(t, r.StalledFraction, 0.0)
		assert.LessOrEqual(t, r.StalledFraction, 1.0)
		assert.LessOrEqual(t, r.Stalled, r.Duration)
	}
	assert.Equal(t, procs, runtime.GOMAXPROCS(0), "GOMAXPROCS restored")

	_, err = MeasureJitter(JitterConfig{CPUs: NewCPUSet(allowed.CPUs()[allowed.Len()-1] + 1), Duration: time.Millisecond})
	assert.ErrorIs(t, err, ErrCPUNotAllowed)
	for _, c := range []JitterConfig{{Duration: -1}, {Thresholds: []time.Duration{0}}, {Thresholds: []time.Duration{2, 1}}} {
		_, err := MeasureJitter(c)
		assert.ErrorContains(t, err, "affinity: jitter config")
	}
}

// sampleMatrix is a fixed 4-CPU matrix: two SMT pairs far apart.
func sampleMatrix() *C2CMatrix {
	m := &C2CMatrix{CPUs: []int{0, 1, 2, 3}, Pinned: true, Samples: 100, RoundTrips: 500}
	v := map[[2]int]float64{{0, 1}: 18.5, {0, 2}: 61, {0, 3}: 63.2, {1, 2}: 60.4, {1, 3}: 62, {2, 3}: 19.1}
	for a := 0; a < 4; a++ {
		for b := a + 1; b < 4; b++ {
			x := v[[2]int{a, b}]
			m.Pairs = append(m.Pairs, PairLatency{A: a, B: b, CAS: Latency{MedianNs: x, P99Ns: 2 * x}, TwoLine: Latency{MedianNs: 2 * x, P99Ns: 4 * x}})
		}
	}
	return m
}

func TestHeatmapPNG(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, sampleMatrix().WritePNG(&buf, MethodCAS))
	img, err := png.Decode(&buf)
	require.NoError(t, err)
	b := img.Bounds()
	assert.Greater(t, b.Dx(), 4*cellSize(4))
	assert.Greater(t, b.Dy(), 4*cellSize(4))

	var empty bytes.Buffer
	require.NoError(t, (&C2CMatrix{}).WritePNG(&empty, MethodCAS), "an empty matrix still draws")
	_, err = png.Decode(&empty)
	require.NoError(t, err)
}

func TestHeatmapSVGGolden(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, sampleMatrix().WriteSVG(&buf, MethodCAS))
	golden := "testdata/heatmap.golden.svg"
	if *update {
		require.NoError(t, os.WriteFile(golden, buf.Bytes(), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), buf.String())
	assert.Contains(t, buf.String(), "<title>cpu 0 - cpu 1: 18.5 ns</title>")
}

func TestHeatColor(t *testing.T) {
	assert.Equal(t, uint8(0x1a), heatColor(1, 1, 3).R, "low is green")
	assert.Equal(t, uint8(0xd7), heatColor(3, 1, 3).R, "high is red")
	assert.Equal(t, uint8(0xfe), heatColor(2, 1, 3).R, "middle is yellow")
	assert.Equal(t, heatColor(5, 5, 5), heatColor(5, 5, 5), "flat range is green, no division by zero")
}

// BenchmarkHandoff measures one round trip (two one-way hand-offs) between
// the first two allowed CPUs, pinned, by each method and, as the baseline,
// an unbuffered channel ping-pong between the same pinned goroutines.
func BenchmarkHandoff(b *testing.B) {
	allowed, err := ThreadAllowed()
	if err != nil || allowed.Len() < 2 {
		b.Skip("needs two allowed CPUs")
	}
	cpus := allowed.CPUs()
	for _, m := range []Method{MethodCAS, MethodTwoLine} {
		b.Run(m.String(), func(b *testing.B) {
			b.ReportAllocs()
			// One warm-up sample plus one timed: b.N round trips in all.
			cfg := C2CConfig{Samples: 1, RoundTrips: max(b.N/2, 1), Timeout: time.Minute}
			b.ResetTimer()
			l, err := measureHandoff(m, cpus[0], cpus[1], true, cfg)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(l.MedianNs, "ns/one-way")
		})
	}
	b.Run("chan", func(b *testing.B) {
		b.ReportAllocs()
		ping, pong := make(chan struct{}), make(chan struct{})
		done := make(chan error, 1)
		go func() {
			p, err := Pin(cpus[1])
			if err != nil {
				done <- err
				return
			}
			for range ping {
				pong <- struct{}{}
			}
			done <- p.Unpin()
		}()
		p, err := Pin(cpus[0])
		if err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for range b.N {
			ping <- struct{}{}
			<-pong
		}
		b.StopTimer()
		close(ping)
		if err := p.Unpin(); err != nil {
			b.Fatal(err)
		}
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	})
	runtime.GC()
}
