package tiers_test

import (
	"errors"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/tiers"
)

// deadLetters runs a route whose handler always fails until n events are dead letters in dir,
// and closes everything.
func deadLetters(t *testing.T, dir, route string, n uint64) {
	t.Helper()
	rt, err := tiers.Reliable(tiers.ReliableConfig{Dir: dir, SegmentSize: 64 << 10, Retry: fastRetry(1)})
	require.NoError(t, err)
	down := engine.Fallible(func(*events.Order) error { return errors.New("venue down") })
	e := newEngine(t, testConfig(1), engine.Route{Name: route, Source: "risk", Tier: rt, Target: engine.To(down)})
	p, err := e.NewProducer("risk")
	require.NoError(t, err)
	publishN(t, p, 1, n)
	require.Eventually(t, func() bool { return counts(t, e, route).DeadLettered == n }, 20*time.Second, time.Millisecond)
	require.NoError(t, p.Close())
	stop(t, e)
	require.NoError(t, rt.Close())
}

// TestDeadLetterFiles: the dead letters of a stopped route are listed from its directory, and
// replayed into its spill log, from which its next start delivers them.
func TestDeadLetterFiles(t *testing.T) {
	dir := t.TempDir()
	const route = "risk/Order/1"
	deadLetters(t, dir, route, 5)

	ds, err := tiers.ReadDeadLetters(nil, tiers.DeadLetterDir(dir, route))
	require.NoError(t, err)
	require.Len(t, ds, 5)
	for i, d := range ds {
		assert.Equal(t, uint64(i+1), d.Event.ID)
		assert.Equal(t, route, d.Route)
		assert.Equal(t, 2, d.Attempts)
		assert.Equal(t, "venue down", d.LastError)
		assert.Equal(t, tiers.ReasonExhausted, d.Reason)
	}
	n, err := tiers.ReplayDeadLetters(nil, tiers.DeadLetterDir(dir, route), tiers.SpillDir(dir, route))
	require.NoError(t, err)
	assert.Equal(t, 5, n)
	ds, err = tiers.ReadDeadLetters(nil, tiers.DeadLetterDir(dir, route))
	require.NoError(t, err)
	assert.Empty(t, ds)

	rt, err := tiers.Reliable(tiers.ReliableConfig{Dir: dir, SegmentSize: 64 << 10})
	require.NoError(t, err)
	rec := newRecorder()
	e := newEngine(t, testConfig(1), engine.Route{Name: route, Source: "risk", Tier: rt, Target: engine.To[events.Order](rec)})
	rec.waitFor(t, 5, 20*time.Second)
	stop(t, e)
	require.NoError(t, rt.Close())
	assert.Equal(t, seq(1, 5), rec.got())

	_, err = tiers.ReadDeadLetters(nil, filepath.Join(dir, "missing"))
	assert.Error(t, err)
	_, err = tiers.ReplayDeadLetters(nil, filepath.Join(dir, "missing"), tiers.SpillDir(dir, route))
	assert.Error(t, err)
}

func TestRouteDir(t *testing.T) {
	for _, tc := range []struct{ route, want string }{
		{"orders", "orders"},
		{"risk/Order/1", "risk%2FOrder%2F1"},
		{".hidden", "%2Ehidden"},
		{"a.b-c_d", "a.b-c_d"},
		{"sp ace%", "sp%20ace%25"},
	} {
		got := filepath.Base(tiers.RouteDir("/d", tc.route))
		assert.Equalf(t, tc.want, got, "RouteDir(%q)", tc.route)
		back, err := url.PathUnescape(got)
		require.NoError(t, err)
		assert.Equal(t, tc.route, back)
	}
	assert.Equal(t, "/d/risk%2FOrder%2F1/spill", tiers.SpillDir("/d", "risk/Order/1"))
	assert.Equal(t, "/d/risk%2FOrder%2F1/dlq", tiers.DeadLetterDir("/d", "risk/Order/1"))
}
