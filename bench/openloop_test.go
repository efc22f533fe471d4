package bench

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeOpenLoop is an open loop on a stepClock: 1000 events at one per microsecond, all
// recorded (no warm-up), in two segments.
func fakeOpenLoop(clk *stepClock) openLoop {
	return openLoop{clk: clk, rate: 1e6, length: time.Millisecond, segments: 2}
}

func TestOpenLoopPacesAtTheRate(t *testing.T) {
	clk := &stepClock{step: 50}
	out, err := fakeOpenLoop(clk).run(&syncTarget{clk: clk})
	require.NoError(t, err)
	assert.Equal(t, int64(1000), out.sent, "events sent in 1 ms at 1M/s")
	assert.Equal(t, int64(1000), out.latency.Count)
	assert.Zero(t, out.load.Unsent)
	assert.InDelta(t, 1e6, out.load.AchievedPerSec, 1e4, "achieved rate")
	// Sent on time, each latency is the few clock reads between the due time and the Sink.
	assert.LessOrEqual(t, out.latency.Max, int64(200), "max latency of an on-time event")
	assert.GreaterOrEqual(t, out.latency.P50, int64(50))
	assert.False(t, out.load.Pinned)
	assert.Empty(t, out.notes)
}

func TestOpenLoopCorrectsCoordinatedOmission(t *testing.T) {
	// The target stalls for 200 us while sending event 100, as a full queue would. The
	// producer then sends every overdue event at once, and each one's latency counts from its
	// intended time: about 223 events (those due during the stall and the catching up, at
	// 900 ns gained per event) have latencies from 200 us down to 0. A sender that timed
	// from the actual send would report one slow event and 999 fast ones.
	clk := &stepClock{step: 50}
	out, err := fakeOpenLoop(clk).run(&syncTarget{clk: clk, stallAt: 100, stall: 200_000})
	require.NoError(t, err)
	h := out.hist
	require.Equal(t, int64(1000), h.TotalCount())
	assert.Less(t, h.ValueAtQuantile(75), int64(1000), "p75: on time")
	assert.Greater(t, h.ValueAtQuantile(80), int64(10_000), "p80: delayed by the stall")
	assert.InDelta(t, 195_000, float64(out.latency.P99), 8_000, "p99: the events due early in the stall")
	assert.InDelta(t, 200_100, float64(out.latency.Max), 200, "max: the stalled event itself")
	assert.Zero(t, out.load.Unsent, "the producer caught up")
}

func TestOpenLoopSaturated(t *testing.T) {
	// A stall past the hard end (the schedule's end + 50 ms here) leaves the rest unsent,
	// reported as such rather than silently dropped from the percentiles.
	clk := &stepClock{step: 50}
	out, err := fakeOpenLoop(clk).run(&syncTarget{clk: clk, stallAt: 100, stall: int64(100 * time.Millisecond)})
	require.NoError(t, err)
	assert.Equal(t, int64(101), out.sent)
	assert.Equal(t, int64(899), out.load.Unsent)
	require.Len(t, out.notes, 1)
	assert.Contains(t, out.notes[0], "saturated: 899 of 1000")
	// The unsent events are in the histogram, at a lower bound of their latency: at least
	// the 100 ms the producer was stalled, minus how early in the schedule they were due.
	assert.Equal(t, int64(1000), out.latency.Count, "sent and unsent events are all counted")
	assert.Greater(t, out.latency.P50, int64(50*time.Millisecond), "p50: an unsent event's lower bound")
	assert.GreaterOrEqual(t, out.latency.Max, int64(100*time.Millisecond), "max: at least the stall")
}

func TestOpenLoopTwoProducers(t *testing.T) {
	clk := &stepClock{step: 20}
	out, err := fakeOpenLoop(clk).run(&syncTarget{clk: clk, producers: 2})
	require.NoError(t, err)
	assert.Equal(t, int64(1000), out.sent)
	assert.Equal(t, int64(1000), out.latency.Count)
}

func TestOpenLoopWarmupIsNotRecorded(t *testing.T) {
	clk := &stepClock{step: 50}
	o := fakeOpenLoop(clk)
	o.warmup = 250 * time.Microsecond
	out, err := o.run(&syncTarget{clk: clk})
	require.NoError(t, err)
	assert.Equal(t, int64(1000), out.sent)
	assert.Equal(t, int64(750), out.latency.Count)
}

func TestOpenLoopDetectsLoss(t *testing.T) {
	clk := &stepClock{step: 50}
	_, err := fakeOpenLoop(clk).run(&syncTarget{clk: clk, drop: 5})
	assert.True(t, errors.Is(err, ErrLost), "got %v", err)
}

func TestClosedLoop(t *testing.T) {
	c := closedLoop{clk: realClock(), perRep: 5 * time.Millisecond, reps: 3}
	out, err := c.run(syncImpl("sync", func() *syncTarget { return &syncTarget{} }))
	require.NoError(t, err)
	assert.Greater(t, out.ops, int64(3*calibrateFrom))
	assert.Greater(t, out.nsPerOp, 0.0)
	assert.GreaterOrEqual(t, out.spread, 0.0)
	assert.Less(t, float64(out.allocs)/float64(out.ops), 0.01, "allocations per event of a target that allocates nothing")
}

func TestClosedLoopCountsAllocations(t *testing.T) {
	c := closedLoop{clk: realClock(), perRep: 2 * time.Millisecond, reps: 2}
	out, err := c.run(syncImpl("alloc", func() *syncTarget { return &syncTarget{alloc: true} }))
	require.NoError(t, err)
	assert.InDelta(t, 1.0, float64(out.allocs)/float64(out.ops), 0.02, "one allocation per event")
}

func TestClosedLoopDetectsLoss(t *testing.T) {
	c := closedLoop{clk: realClock(), perRep: time.Millisecond, reps: 1}
	_, err := c.run(syncImpl("lossy", func() *syncTarget { return &syncTarget{drop: 3} }))
	assert.True(t, errors.Is(err, ErrLost), "got %v", err)
}
