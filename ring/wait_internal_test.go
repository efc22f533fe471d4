package ring

import (
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	require.NoError(t, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestParkedConsumerIdlesAndWakes: a consumer waiting on an empty ring with a parking strategy
// (by counts or by time) parks (uses almost no CPU) and wakes for the next publish.
func TestParkedConsumerIdlesAndWakes(t *testing.T) {
	for _, tt := range []struct {
		name string
		w    Wait
	}{{"Parking", Parking()}, {"Responsive", Responsive()}} {
		t.Run(tt.name, func(t *testing.T) { testParkedConsumer(t, tt.w) })
	}
}

func testParkedConsumer(t *testing.T, w Wait) {
	r, err := NewSPSC[int](64, WithWait(w))
	require.NoError(t, err)
	got := make(chan int)
	go func() {
		for {
			v, err := r.Pop()
			if err != nil {
				close(got)
				return
			}
			got <- v
		}
	}()
	for r.m.cw.n.Load() == 0 { // wait until the consumer has parked
		runtime.Gosched()
	}
	before := cpuTime(t)
	time.Sleep(200 * time.Millisecond) // measuring idle CPU, not synchronising
	used := cpuTime(t) - before
	assert.Less(t, used, 40*time.Millisecond, "a parked consumer must not burn CPU (used %v in 200ms)", used)

	start := time.Now()
	require.True(t, r.TryPush(42))
	assert.Equal(t, 42, <-got)
	t.Logf("wake-up after park: %v", time.Since(start))
	r.Close()
	_, open := <-got
	assert.False(t, open)
}

// TestParkedProducerNaps: a producer blocked on a full ring naps and resumes when a consumer
// frees a slot, without the consumer having to wake it.
func TestParkedProducerNaps(t *testing.T) {
	r, err := NewSPSC[int](2, WithWait(Parking()))
	require.NoError(t, err)
	require.True(t, r.TryPush(1))
	require.True(t, r.TryPush(2))
	done := make(chan error)
	go func() { done <- r.Push(3) }()
	v, err := r.Pop()
	require.NoError(t, err)
	assert.Equal(t, 1, v)
	require.NoError(t, <-done)
	for want := 2; want <= 3; want++ {
		v, err := r.Pop()
		require.NoError(t, err)
		assert.Equal(t, want, v)
	}
}

// TestStage walks the stages of count- and time-bounded strategies.
func TestStage(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name   string
		w      Wait
		checks int
		waited time.Duration
		want   Stage
	}{
		{"counts: spinning", Parking(), 10, 0, StageSpin},
		{"counts: yielding", Parking(), 70, 0, StageYield},
		{"counts: parked", Parking(), 84, 0, StagePark},
		{"counts: time is ignored", Parking(), 0, time.Hour, StageSpin},
		{"busy spin never parks", BusySpin(), 1 << 30, time.Hour, StageSpin},
		{"spin-yield yields on", SpinYield(), 1 << 30, 0, StageYield},
		{"no park: yields on", Wait{Spin: 1, Yield: 1}, 5, 0, StageYield},
		{"time: spinning", Responsive(), 1 << 20, 10 * time.Microsecond, StageSpin},
		{"time: counts are ignored", Wait{Spin: 1, SpinFor: ms}, 1 << 20, 0, StageSpin},
		{"time: yielding", Responsive(), 0, 500 * time.Microsecond, StageYield},
		{"time: parked", Responsive(), 0, 2 * ms, StagePark},
		{"time: no spin stage", Wait{YieldFor: ms, Park: true}, 0, 0, StageYield},
		{"time: no yield stage", Wait{SpinFor: ms, Park: true}, 0, ms, StagePark},
		{"time: no park", Wait{SpinFor: ms}, 0, time.Hour, StageYield},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.w.Stage(tt.checks, tt.waited))
		})
	}
}

func TestSpinPauseGrows(t *testing.T) {
	assert.Equal(t, 0.0, testing.AllocsPerRun(10, func() { spinPause(3) }))
}
