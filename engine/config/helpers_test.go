package config_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/engine/config"
	"github.com/hotpath-go/hotpath/engine/config/demo"
	"github.com/hotpath-go/hotpath/engine/metrics"
	"github.com/hotpath-go/hotpath/events"
)

// demoLoader returns a loader with the demo components and tiers, and a fresh events registry.
func demoLoader(t testing.TB) (config.Loader, *demo.Components) {
	t.Helper()
	comps := config.NewRegistry()
	d := demo.New()
	require.NoError(t, d.Register(comps))
	ts := demo.Tiers()
	t.Cleanup(func() { _ = ts.Close() })
	return config.Loader{Components: comps, Kinds: events.NewRegistry(), Tiers: ts}, d
}

// mistakes returns the messages of err, one string per mistake, as Error() writes them.
func mistakes(t testing.TB, err error) []string {
	t.Helper()
	var errs *config.Errors
	require.True(t, errors.As(err, &errs), "error %v (%T) is not a *config.Errors", err, err)
	out := make([]string, len(errs.List))
	for i, e := range errs.List {
		out[i] = e.Error()
	}
	return out
}

// newEngine returns an engine for cfg (its engine section, the loader's kinds) with a cheap
// clock, and a func that stops it.
func newEngine(t testing.TB, cfg engine.Config) (*engine.Engine, func()) {
	t.Helper()
	cfg.Clock = metrics.NewClock(metrics.ClockMonotonic)
	e, err := engine.New(cfg)
	require.NoError(t, err)
	return e, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		require.NoError(t, e.Stop(ctx))
	}
}
