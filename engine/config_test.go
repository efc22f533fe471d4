package engine

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/engine/metrics"
	"github.com/hotpath-go/hotpath/events"
)

func TestConfigValidate(t *testing.T) {
	reg1, err := metrics.NewRegistry(metrics.Config{Workers: 1})
	require.NoError(t, err)
	tests := []struct {
		name string
		c    Config
		want string // "" = valid
	}{
		{"zero is the defaults", Config{}, ""},
		{"workers", Config{Workers: MaxWorkers + 1}, "Workers = 65"},
		{"ring not a power of two", Config{RingSize: 100}, "RingSize = 100"},
		{"ring of one", Config{RingSize: 1}, "RingSize = 1"},
		{"batch", Config{Batch: -1}, "Batch = -1"},
		{"backlog", Config{Backlog: -1}, "Backlog = -1"},
		{"cpus per worker", Config{Workers: 2, CPUs: []int{1}}, "CPUs has 1 entries for 2 workers"},
		{"cpu twice", Config{Workers: 2, CPUs: []int{1, 1}}, "pins two workers to one CPU"},
		{"negative cpu", Config{CPUs: []int{-1}}, "CPUs[0] = -1"},
		{"negative nap", Config{MaxNap: -1}, "MaxNap"},
		{"metrics too small", Config{Workers: 2, Metrics: reg1}, "Metrics has 1 worker slots for 2 workers"},
		{"histogram", Config{Histogram: metrics.HistogramConfig{Digits: 9}}, "Histogram"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Validate()
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrConfig)
			assert.Contains(t, err.Error(), tt.want)
			_, err = New(tt.c)
			require.ErrorIs(t, err, ErrConfig)
		})
	}
}

func TestParseOverflow(t *testing.T) {
	for o := Block; o <= Fail; o++ {
		got, err := ParseOverflow(o.String())
		require.NoError(t, err)
		assert.Equal(t, o, got)
	}
	_, err := ParseOverflow("drop")
	require.ErrorIs(t, err, ErrRoute)
	assert.Equal(t, "Overflow(9)", Overflow(9).String())
}

func FuzzParseOverflow(f *testing.F) {
	for _, s := range []string{"block", "drop-newest", "drop-oldest", "fail", "", "Block", "drop"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := ParseOverflow(s)
		if err != nil {
			require.ErrorIs(t, err, ErrRoute)
			return
		}
		require.Equal(t, s, o.String(), "a parsed policy prints as its input")
	})
}

func TestSourcesAndUnrouted(t *testing.T) {
	e := newTestEngine(t, testConfig(1))
	a, err := e.Source("a")
	require.NoError(t, err)
	again, err := e.Source("a")
	require.NoError(t, err)
	assert.Equal(t, a, again)
	assert.Equal(t, "a", e.SourceName(a))
	assert.Equal(t, "", e.SourceName(999))
	_, err = e.Source("")
	require.ErrorIs(t, err, ErrRoute)

	var got collector[events.Signal]
	require.NoError(t, e.Register(Route{Name: "r", Source: "a", Target: To[events.Signal](&got)}))
	require.NoError(t, e.Start())
	p, err := e.NewProducer("a")
	require.NoError(t, err)
	q, err := e.NewProducer("b") // interned after Compile: no routes in the table
	require.NoError(t, err)
	require.NoError(t, Publish(p, &events.Signal{Strength: 1}), "Kind filled in from the type")
	require.NoError(t, Publish(p, &events.Order{}), "no route for Order: counted, not an error")
	require.NoError(t, Publish(q, &events.Signal{}))
	require.NoError(t, p.PublishRaw(&events.Raw{}), "kind 0")
	require.NoError(t, p.Close())
	require.NoError(t, q.Close())
	stop(t, e)
	require.Len(t, got.events(), 1)
	assert.Equal(t, events.KindSignal, got.events()[0].Kind)
	assert.Equal(t, a, got.events()[0].Source)
	assert.NotZero(t, got.events()[0].ID, "dedicated producers number events")
	assert.Equal(t, uint64(3), e.Unrouted())
	_, ok := e.Counts("nope")
	assert.False(t, ok)
	assert.Equal(t, 1, e.Workers())
	assert.NotNil(t, e.Kinds())
	assert.NotNil(t, e.Clock())
	assert.NotNil(t, e.Metrics().Route("r"))
}

// TestManyProducersKeepOrder: each of several producers' events reach each route in order.
func TestManyProducersKeepOrder(t *testing.T) {
	cfg := testConfig(2)
	cfg.RingSize = 32
	e := newTestEngine(t, cfg)
	var got [2]collector[events.MarketData]
	for w := range 2 {
		require.NoError(t, e.Register(Route{Source: "feed", Worker: w, Target: To[events.MarketData](&got[w])}))
	}
	require.NoError(t, e.Start())
	const producers, n = 4, 3000
	done := make(chan struct{})
	for p := range producers {
		pr, err := e.NewProducer("feed")
		if p%2 == 1 {
			pr, err = e.Publisher("feed")
		}
		require.NoError(t, err)
		go func() {
			defer func() { done <- struct{}{} }()
			for i := uint64(1); i <= n; i++ {
				m := md("AAPL", 1, uint64(p)<<32|i)
				if err := Publish(pr, &m); err != nil {
					t.Error(err)
					return
				}
			}
			_ = pr.Close()
		}()
	}
	for range producers {
		<-done
	}
	stop(t, e)
	for w := range 2 {
		evs := got[w].events()
		require.Len(t, evs, producers*n)
		last := map[uint64]uint64{}
		for _, ev := range evs {
			p, i := ev.ID>>32, ev.ID&0xFFFFFFFF
			require.Equal(t, last[p]+1, i, "route %d, producer %d", w, p)
			last[p] = i
		}
	}
}
