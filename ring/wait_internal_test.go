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

// TestParkedConsumerIdlesAndWakes: a consumer waiting on an empty Parking ring parks (uses
// almost no CPU) and wakes for the next publish.
func TestParkedConsumerIdlesAndWakes(t *testing.T) {
	r, err := NewSPSC[int](64, WithWait(Parking()))
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

func TestSpinPauseGrows(t *testing.T) {
	assert.Equal(t, 0.0, testing.AllocsPerRun(10, func() { spinPause(3) }))
}
