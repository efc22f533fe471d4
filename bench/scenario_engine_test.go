package bench

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/affinity"
	"github.com/hotpath-go/hotpath/events"
)

func TestTradingYAMLIsThePlans(t *testing.T) {
	doc, err := os.ReadFile("../docs/examples/trading.yaml")
	require.NoError(t, err)
	assert.Equal(t, string(doc), string(tradingYAML), "bench/trading.yaml must be a copy of docs/examples/trading.yaml")
}

func TestTradingFlowProbe(t *testing.T) {
	// The plan's flow: one external input (MarketData from data_source) with four payloads,
	// each making exactly one Order at execution, on the file's one worker, with no inline
	// route (no lock at the timed point).
	f := newFlow("trading.yaml", tradingYAML)
	require.NoError(t, f.prepare())
	assert.Len(t, f.inputs, flowPayloads)
	for _, in := range f.inputs {
		assert.Equal(t, "data_source", in.source)
		assert.Equal(t, events.KindMarketData, in.ev.Kind)
	}
	assert.Equal(t, 1, f.fanout)
	assert.Equal(t, 1, f.workers)
	assert.False(t, f.shared)
	assert.Empty(t, f.notes)
}

func TestConfigScenario(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(src), 0o644))
		return p
	}
	tests := []struct {
		name, src string
		fanout    int    // 0: an error
		want      string // in the error
	}{
		{"plan.yaml", string(tradingYAML), 1, ""},
		{"full.yaml", mustRead(t, "../docs/examples/trading-full.yaml"), 3, ""},
		{"phase6.yaml", `
routing:
  feed: {MarketData: {routes: [{type: pipeline, steps: [market_to_signal, signal_to_order, executor]}]}}
`, 1, ""},
		{"broken.yaml", "routing:\n  feed:\n    MarketData:\n      routes: [{type: pipeline, steps: [nosuch]}]\n", 0, "broken.yaml:4:"},
		{"inner.yaml", "routing:\n  risk: {Order: {routes: [{type: pipeline, steps: [execution]}]}}\n", 0, "no route takes events from outside"},
		{"untimed.yaml", "routing:\n  feed: {MarketData: {routes: [{type: pipeline, steps: [indicators]}]}}\n", 0, "reaches execution or executor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ConfigScenario(write(tt.name, tt.src))
			if tt.fanout == 0 {
				require.Error(t, err)
				assert.True(t, errors.Is(err, ErrFlow), "ConfigScenario(%s) = %v, want ErrFlow", tt.name, err)
				assert.ErrorContains(t, err, tt.want)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "config", s.Name)
			assert.Equal(t, "hotpath", s.Baseline)
			tgt, err := s.Impls[0].New()
			require.NoError(t, err)
			assert.Equal(t, tt.fanout, tgt.Shape().Fanout, "deliveries at execution/executor per input")
			c := closedLoop{clk: realClock(), reps: 1}
			_, _, err = c.once(s.Impls[0], 4000)
			require.NoError(t, err, "every input reaches the timed point fanout times")
		})
	}
	_, err := ConfigScenario(filepath.Join(dir, "missing.yaml"))
	assert.ErrorIs(t, err, ErrFlow)
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

func TestCommonCount(t *testing.T) {
	tests := []struct {
		in   []int
		want int
	}{
		{nil, 0},
		{[]int{0, 0}, 0},
		{[]int{1, 1, 1, 1}, 1},
		{[]int{3, 0, 3, 1}, 3},
		{[]int{2, 1, 2, 1}, 1}, // equally frequent: the smaller
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, commonCount(tt.in), "commonCount(%v)", tt.in)
	}
}

func TestChanBusRoutesByKey(t *testing.T) {
	var b chanBus
	got := make(chan uint64, 4)
	b.subscribe("feed", events.KindMarketData, 4, func() {}, func(e *events.Raw) { got <- e.ID })
	b.publish("feed", &events.Raw{Header: events.Header{ID: 1, Kind: events.KindMarketData}})
	b.publish("feed", &events.Raw{Header: events.Header{ID: 2, Kind: events.KindOrder}})       // no route
	b.publish("other", &events.Raw{Header: events.Header{ID: 3, Kind: events.KindMarketData}}) // no route
	b.close()
	close(got)
	var ids []uint64
	for id := range got {
		ids = append(ids, id)
	}
	assert.Equal(t, []uint64{1}, ids)
}

// envTarget records the Env it was started with.
type envTarget struct {
	syncTarget
	consumers int
	got       Env
}

func (t *envTarget) Shape() Shape {
	sh := t.syncTarget.Shape()
	sh.Consumers = t.consumers
	return sh
}

func (t *envTarget) Start(env Env) error { t.got = env; return t.syncTarget.Start(env) }

func TestEnvCPUs(t *testing.T) {
	// A Target whose consumers pin themselves learns their CPUs from Env.CPUs: the CPUs after
	// the producers' in the open loop's order, when the harness pins.
	tgt := &envTarget{consumers: 1}
	o := openLoop{clk: realClock(), rate: 100_000, length: 5 * time.Millisecond, segments: 1, cpus: []int{7, 3, 9}}
	// Pinning the producer to CPU 7 fails on small machines, and the harness notes it and
	// goes on; what the Target was told is what matters here.
	_, err := o.run(tgt)
	require.NoError(t, err)
	assert.True(t, tgt.got.Dedicated)
	assert.Equal(t, []int{3}, tgt.got.CPUs)

	tgt = &envTarget{consumers: 3}
	o.cpus = []int{0, 1}
	_, err = o.run(tgt)
	require.NoError(t, err)
	assert.False(t, tgt.got.Dedicated, "four goroutines, two CPUs")
	assert.Nil(t, tgt.got.CPUs)
}

func TestScenarioRate(t *testing.T) {
	// A scenario's own Rate overrides the suite's for its open loop, and the result says so.
	s := Scenario{Name: "echo", Baseline: "echo", Rate: 50_000,
		Impls: []Impl{syncImpl("echo", func() *syncTarget { return &syncTarget{} })}}
	cfg := Config{Duration: 60 * time.Millisecond, Rate: 20_000, Reps: 1, NoPin: true, Limits: quickLimits()}
	r, err := Run(context.Background(), cfg, []Scenario{s})
	require.NoError(t, err)
	res := r.Find("echo", "echo")
	require.NotNil(t, res)
	require.NotNil(t, res.Load)
	assert.Equal(t, 50_000.0, res.Load.RatePerSec)
	assert.Contains(t, res.Notes, "open loop at 50k events/s, the scenario's own rate")
	assert.Equal(t, 20_000.0, r.Run.RatePerSec)
}

func TestRunOnGivenCPUs(t *testing.T) {
	allowed, err := affinity.ThreadAllowed()
	if err != nil || allowed.Len() < 2 {
		t.Skip("needs two allowed CPUs")
	}
	cpus := allowed.CPUs()
	want := []int{cpus[1], cpus[0]}
	cfg := Config{Duration: 60 * time.Millisecond, Reps: 1, CPUs: want, Scenarios: []string{"spsc"}, Limits: quickLimits()}
	s := SPSC()
	s.Impls = s.Impls[:1]
	r, err := Run(context.Background(), cfg, []Scenario{s})
	require.NoError(t, err)
	require.NotNil(t, r.Scenarios[0].Load)
	assert.True(t, r.Scenarios[0].Load.Pinned)
	assert.Equal(t, want, r.Scenarios[0].Load.CPUs, "producer on the first CPU given, consumer on the second")
}

func TestWALAppendCleansUp(t *testing.T) {
	// Each wal-append target works in a temporary directory of its own and removes it.
	before := tempEntries(t)
	for _, im := range WALAppend().Impls {
		c := closedLoop{clk: realClock(), reps: 1}
		_, _, err := c.once(im, 3*WALBatch+7)
		require.NoError(t, err, im.Name)
	}
	assert.Equal(t, before, tempEntries(t), "hotpath-wal-append-* directories left in %s", os.TempDir())
}

func tempEntries(t *testing.T) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(os.TempDir(), "hotpath-wal-append-*"))
	require.NoError(t, err)
	return m
}

func TestWALBytes(t *testing.T) {
	evs := []events.Raw{{Header: events.Header{ID: 1}}, {Header: events.Header{ID: 2}}}
	b := walBytes(evs)
	assert.Len(t, b, 2*events.MaxSize)
	assert.Equal(t, byte(2), b[events.MaxSize], "the second event's ID, little-endian, at byte 56")
	assert.True(t, bytes.Equal(b[1:8], make([]byte, 7)))
}

func TestSweep(t *testing.T) {
	// A Sweep scenario gives one result per implementation and point, named <scenario>-<pct>,
	// at that share of the first implementation's closed-loop throughput (the same rates for
	// every implementation), each with the closed loop's figures.
	s := Scenario{Name: "echo", Baseline: "b", Sweep: []int{10, 50},
		Impls: []Impl{
			syncImpl("a", func() *syncTarget { return &syncTarget{} }),
			syncImpl("b", func() *syncTarget { return &syncTarget{} }),
		}}
	cfg := Config{Duration: 60 * time.Millisecond, Rate: 20_000, Reps: 1, NoPin: true, Limits: quickLimits()}
	var phases []string
	cfg.Progress = func(p Progress) {
		if p.Phase != "" {
			phases = append(phases, p.Scenario+"/"+p.Impl+" "+p.Phase)
		}
	}
	r, err := Run(context.Background(), cfg, []Scenario{s})
	require.NoError(t, err)
	var names []string
	for _, res := range r.Scenarios {
		names = append(names, res.Name+"/"+res.Impl)
	}
	assert.Equal(t, []string{"echo-10/a", "echo-50/a", "echo-10/b", "echo-50/b"}, names)
	a10, a50, b10 := r.Find("echo-10", "a"), r.Find("echo-50", "a"), r.Find("echo-10", "b")
	require.NotNil(t, a10.Load)
	require.NotNil(t, a50.Load)
	require.NotNil(t, b10.Load)
	scale := a10.OpsPerSec
	assert.Positive(t, scale)
	assert.Equal(t, a10.OpsPerSec, a50.OpsPerSec, "one closed loop per implementation")
	assert.InDelta(t, 0.1*scale, a10.Load.RatePerSec, 1)
	assert.InDelta(t, 0.5*scale, a50.Load.RatePerSec, 1)
	assert.Equal(t, a10.Load.RatePerSec, b10.Load.RatePerSec, "the same rates for every implementation")
	assert.NotNil(t, a10.Latency)
	assert.Contains(t, a50.Notes[len(a50.Notes)-1], "50% of a's closed-loop throughput")
	assert.Equal(t, 1.0, r.Find("echo-10", "b").RatioToBaseline, "each point compares with its baseline")
	assert.Equal(t, []string{"echo/a closed loop", "echo-10/a open loop", "echo-50/a open loop",
		"echo/b closed loop", "echo-10/b open loop", "echo-50/b open loop", "/ limits again"}, phases[2:])
}
