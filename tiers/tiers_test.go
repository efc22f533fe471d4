package tiers_test

import (
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/tiers"
)

func TestBreakerStates(t *testing.T) {
	b, err := tiers.NewBreaker(tiers.BreakerConfig{FailureThreshold: 3, OpenDuration: time.Second, HalfOpenProbes: 2})
	require.NoError(t, err)
	sec := int64(time.Second)
	steps := []struct {
		at      int64
		allow   bool
		outcome string // "ok", "fail" or "" (no call)
		state   tiers.CircuitState
	}{
		{0, true, "fail", tiers.CircuitClosed},
		{1, true, "ok", tiers.CircuitClosed}, // a success resets the consecutive count
		{2, true, "fail", tiers.CircuitClosed},
		{3, true, "fail", tiers.CircuitClosed},
		{4, true, "fail", tiers.CircuitOpen}, // third consecutive failure opens
		{5, false, "", tiers.CircuitOpen},
		{4 + sec - 1, false, "", tiers.CircuitOpen},
		{4 + sec, true, "ok", tiers.CircuitHalfOpen},   // first probe
		{4 + sec + 1, true, "ok", tiers.CircuitClosed}, // second probe success closes
		{5 + sec, true, "fail", tiers.CircuitClosed},
		{6 + sec, true, "fail", tiers.CircuitClosed},
		{7 + sec, true, "fail", tiers.CircuitOpen},
		{7 + 2*sec, true, "fail", tiers.CircuitOpen}, // a failed probe re-opens
		{8 + 2*sec, false, "", tiers.CircuitOpen},
	}
	for i, s := range steps {
		got := b.Allow(s.at)
		require.Equalf(t, s.allow, got, "step %d: Allow(%d) = %v, want %v", i, s.at, got, s.allow)
		switch s.outcome {
		case "ok":
			b.Success(s.at)
		case "fail":
			b.Failure(s.at)
		}
		require.Equalf(t, s.state, b.State(), "step %d: state", i)
	}
	assert.Equal(t, uint64(3), b.Opened())
	assert.Equal(t, 7+3*sec, b.RetryAt(), "open until the last opening plus OpenDuration")
}

func TestBreakerConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  tiers.BreakerConfig
		ok   bool
	}{
		{"defaults", tiers.DefaultBreakerConfig(), true},
		{"no threshold", tiers.BreakerConfig{OpenDuration: time.Second, HalfOpenProbes: 1}, false},
		{"no duration", tiers.BreakerConfig{FailureThreshold: 1, HalfOpenProbes: 1}, false},
		{"no probes", tiers.BreakerConfig{FailureThreshold: 1, OpenDuration: time.Second}, false},
	}
	for _, tc := range tests {
		_, err := tiers.NewBreaker(tc.cfg)
		if tc.ok {
			assert.NoErrorf(t, err, tc.name)
		} else {
			assert.ErrorIsf(t, err, tiers.ErrBreakerConfig, tc.name)
		}
	}
	assert.Equal(t, "half-open", tiers.CircuitHalfOpen.String())
}

func TestBreakerAllocs(t *testing.T) {
	b, _ := tiers.NewBreaker(tiers.DefaultBreakerConfig())
	var now int64
	assert.Zero(t, testing.AllocsPerRun(1000, func() {
		now++
		if b.Allow(now) {
			b.Failure(now)
		}
	}))
}

func TestRetryDelay(t *testing.T) {
	c := tiers.RetryConfig{MaxRetries: 5, InitialInterval: 100 * time.Millisecond, MaxInterval: time.Second, Multiplier: 2}
	require.NoError(t, c.Validate())
	want := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for i, w := range want {
		assert.Equalf(t, w*time.Millisecond, c.Delay(i+1, 0.3), "Delay(%d) without jitter", i+1)
	}
	c.RandomizationFactor = 0.5
	assert.Equal(t, 50*time.Millisecond, c.Delay(1, 0))
	assert.Equal(t, 100*time.Millisecond, c.Delay(1, 0.5))
	assert.InDelta(t, float64(150*time.Millisecond), float64(c.Delay(1, 0.999999)), float64(time.Microsecond))
	for _, bad := range []tiers.RetryConfig{
		{MaxRetries: -1, Multiplier: 1},
		{InitialInterval: time.Second, MaxInterval: time.Millisecond, Multiplier: 1},
		{Multiplier: 0.5},
		{Multiplier: 1, RandomizationFactor: 2},
	} {
		assert.ErrorIs(t, bad.Validate(), tiers.ErrRetryConfig)
	}
	assert.NoError(t, tiers.DefaultRetryConfig().Validate())
}

func TestRandUniform(t *testing.T) {
	r := tiers.NewRand(42)
	var buckets [10]int
	for range 100000 {
		f := r.Float64()
		require.True(t, f >= 0 && f < 1)
		buckets[int(f*10)]++
	}
	for i, n := range buckets {
		assert.InDeltaf(t, 10000, n, 600, "bucket %d", i)
	}
	var zero tiers.Rand
	assert.NotEqual(t, zero.Float64(), zero.Float64())
}

func TestDelayQueueOrder(t *testing.T) {
	q := tiers.NewDelayQueue[int](1000)
	rng := rand.New(rand.NewPCG(1, 2))
	type item struct {
		due int64
		v   int
	}
	var in []item
	for i := range 1000 {
		due := rng.Int64N(50) // many equal due times: insertion order breaks ties
		require.True(t, q.Push(due, i))
		in = append(in, item{due, i})
	}
	assert.False(t, q.Push(0, -1), "full")
	sort.SliceStable(in, func(a, b int) bool { return in[a].due < in[b].due })
	_, ok := q.PopDue(-1)
	assert.False(t, ok, "nothing due before time 0")
	next, ok := q.Next()
	require.True(t, ok)
	assert.Equal(t, in[0].due, next)
	for _, want := range in {
		v, ok := q.PopDue(want.due)
		require.True(t, ok)
		require.Equal(t, want.v, v)
	}
	assert.Zero(t, q.Len())
	assert.Zero(t, testing.AllocsPerRun(1000, func() {
		q.Push(5, 1)
		q.PopDue(5)
	}))
}
