package main

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/engine/metrics"
	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/tiers"
)

// dlqTestDir runs a reliable route whose handler always fails until n orders are dead letters,
// and returns the tier's directory.
func dlqTestDir(t *testing.T, route string, n uint64) string {
	t.Helper()
	dir := t.TempDir()
	rt, err := tiers.Reliable(tiers.ReliableConfig{Dir: dir, SegmentSize: 64 << 10, Retry: tiers.RetryConfig{Multiplier: 1}})
	require.NoError(t, err)
	e, err := engine.New(engine.Config{Clock: metrics.NewClock(metrics.ClockMonotonic)})
	require.NoError(t, err)
	down := engine.Fallible(func(*events.Order) error { return errors.New("venue\ndown") })
	require.NoError(t, e.Register(engine.Route{Name: route, Source: "risk", Tier: rt, Target: engine.To(down)}))
	require.NoError(t, e.Start())
	p, err := e.NewProducer("risk")
	require.NoError(t, err)
	for id := uint64(1); id <= n; id++ {
		require.NoError(t, engine.Publish(p, &events.Order{Header: events.Header{ID: id}}))
	}
	require.Eventually(t, func() bool { c, _ := e.Counts(route); return c.DeadLettered == n }, 20*time.Second, time.Millisecond)
	require.NoError(t, p.Close())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, e.Stop(ctx))
	require.NoError(t, rt.Close())
	return dir
}

func runDLQ(args ...string) (int, string, string) {
	var out, errb strings.Builder
	code := cmdDLQ(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCmdDLQ(t *testing.T) {
	dir := dlqTestDir(t, "risk/Order/1", 3)
	routeDir := tiers.RouteDir(dir, "risk/Order/1")

	for _, d := range []string{dir, routeDir, tiers.DeadLetterDir(dir, "risk/Order/1")} {
		code, out, stderr := runDLQ("list", d)
		require.Equal(t, 0, code, stderr)
		assert.Contains(t, out, "3 dead letters")
		assert.Contains(t, out, "risk/Order/1")
		assert.Contains(t, out, "retries-exhausted")
		assert.Contains(t, out, "venue down", "newlines in errors are flattened")
	}
	code, out, _ := runDLQ("list", "-json", dir)
	require.Equal(t, 0, code)
	var js []dlqJSON
	require.NoError(t, json.Unmarshal([]byte(out), &js))
	require.Len(t, js, 3)
	assert.Equal(t, uint64(1), js[0].ID)
	assert.Equal(t, uint16(events.KindOrder), js[0].Kind)
	assert.Equal(t, 1, js[0].Attempts)
	assert.Equal(t, "venue\ndown", js[0].LastError)

	code, _, stderr := runDLQ("replay", tiers.DeadLetterDir(dir, "risk/Order/1"))
	assert.Equal(t, 2, code, "a bare dead-letter log needs -into")
	assert.Contains(t, stderr, "-into")

	code, out, stderr = runDLQ("replay", dir)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "replayed 3 dead letters into "+tiers.SpillDir(dir, "risk/Order/1"))
	code, out, _ = runDLQ("list", dir)
	require.Equal(t, 0, code)
	assert.Contains(t, out, "0 dead letters")

	// The route delivers them when it next starts.
	rt, err := tiers.Reliable(tiers.ReliableConfig{Dir: dir, SegmentSize: 64 << 10})
	require.NoError(t, err)
	defer rt.Close()
	got := make(chan uint64, 3)
	e, err := engine.New(engine.Config{Clock: metrics.NewClock(metrics.ClockMonotonic)})
	require.NoError(t, err)
	require.NoError(t, e.Register(engine.Route{Name: "risk/Order/1", Source: "risk", Tier: rt,
		Target: engine.To(engine.HandlerFunc[events.Order](func(o *events.Order) { got <- o.ID }))}))
	require.NoError(t, e.Start())
	assert.Equal(t, []uint64{1, 2, 3}, []uint64{<-got, <-got, <-got})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, e.Stop(ctx))
}

func TestCmdDLQReplayInto(t *testing.T) {
	dir := dlqTestDir(t, "orders", 2)
	into := filepath.Join(t.TempDir(), "spill")
	code, out, stderr := runDLQ("replay", tiers.DeadLetterDir(dir, "orders"), "-into", into)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "replayed 2 dead letters into "+into)
}

func TestCmdDLQUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"nope"}, {"list"}, {"list", "a", "b"}, {"list", "-bogus", "x"}} {
		code, _, stderr := runDLQ(args...)
		assert.Equal(t, 2, code, "%v", args)
		assert.Contains(t, stderr, "usage: hotpath dlq", "%v", args)
	}
	code, _, stderr := runDLQ("list", t.TempDir())
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "no dead-letter log")
	code, _, _ = runDLQ("list", filepath.Join(t.TempDir(), "missing"))
	assert.Equal(t, 1, code)
}
