package ring_test

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/ring"
)

// TestFanInStress: N producers x M consumers, every event exactly once, FIFO per producer as
// seen by each consumer, sums checked.
func TestFanInStress(t *testing.T) {
	for _, tc := range []struct {
		name       string
		prod, cons int
	}{{"4P4C", 4, 4}, {"2P2C", 2, 2}, {"8P1C", 8, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			per := uint64(*stressN / tc.prod / 2)
			q, err := ring.NewFanIn[events.Raw](256, tc.prod)
			require.NoError(t, err)
			var pwg, cwg sync.WaitGroup
			for p := range tc.prod {
				pr, err := q.NewProducer()
				require.NoError(t, err)
				pwg.Add(1)
				go func() {
					defer pwg.Done()
					buf := make([]events.Raw, 0, 8)
					for i := uint64(1); i <= per; i++ {
						if p%2 == 0 {
							require.NoError(t, pr.Push(ev(uint64(p), i)))
							continue
						}
						buf = append(buf, ev(uint64(p), i))
						if len(buf) == cap(buf) || i == per {
							require.NoError(t, pr.PushN(buf))
							buf = buf[:0]
						}
					}
				}()
			}
			_, err = q.NewProducer()
			assert.ErrorIs(t, err, ring.ErrTooManyProducers)
			counts := make([][]uint64, tc.cons)
			sums := make([]uint64, tc.cons)
			for c := range tc.cons {
				counts[c] = make([]uint64, tc.prod)
				cons := q.NewConsumer()
				cwg.Add(1)
				go func() {
					defer cwg.Done()
					last := make([]uint64, tc.prod)
					take := func(v *events.Raw, _ bool) {
						p, i := v.ID>>48, v.ID&(1<<48-1)
						require.Greaterf(t, i, last[p], "consumer %d: producer %d out of order", c, p)
						last[p] = i
						counts[c][p]++
						sums[c] += i
					}
					for k := 0; ; k++ {
						if k%3 == 0 {
							v, err := cons.Pop()
							if err != nil {
								require.ErrorIs(t, err, ring.ErrClosed)
								return
							}
							take(&v, true)
							continue
						}
						if _, err := cons.Drain(32, take); err != nil {
							require.ErrorIs(t, err, ring.ErrClosed)
							return
						}
					}
				}()
			}
			pwg.Wait()
			q.Close()
			cwg.Wait()
			var sum uint64
			for p := range tc.prod {
				var n uint64
				for c := range tc.cons {
					n += counts[c][p]
				}
				assert.Equalf(t, per, n, "producer %d: every event exactly once", p)
			}
			for _, s := range sums {
				sum += s
			}
			assert.Equal(t, uint64(tc.prod)*per*(per+1)/2, sum)
		})
	}
}

// TestFanInCloseUnderLoad: Close from another goroutine while producers push; accepted =
// delivered, nobody hangs.
func TestFanInCloseUnderLoad(t *testing.T) {
	for round := range 10 {
		q, err := ring.NewFanIn[events.Raw](64, 3)
		require.NoError(t, err)
		var accepted, delivered atomic.Uint64
		var pwg, cwg sync.WaitGroup
		for range 3 {
			pr, err := q.NewProducer()
			require.NoError(t, err)
			pwg.Add(1)
			go func() {
				defer pwg.Done()
				for i := uint64(1); ; i++ {
					if err := pr.Push(ev(0, i)); err != nil {
						require.ErrorIs(t, err, ring.ErrClosed)
						return
					}
					accepted.Add(1)
				}
			}()
		}
		for range 2 {
			cons := q.NewConsumer()
			cwg.Add(1)
			go func() {
				defer cwg.Done()
				for {
					n, err := cons.Drain(16, func(*events.Raw, bool) {})
					if err != nil {
						return
					}
					delivered.Add(uint64(n))
				}
			}()
		}
		for delivered.Load() < 500 {
			runtime.Gosched()
		}
		q.Close()
		pwg.Wait()
		cwg.Wait()
		require.Equalf(t, accepted.Load(), delivered.Load(), "round %d", round)
		_, err = q.NewProducer()
		assert.ErrorIs(t, err, ring.ErrClosed)
	}
}

func TestFanInZeroAllocs(t *testing.T) {
	q, _ := ring.NewFanIn[events.Raw](1024, 2)
	p, _ := q.NewProducer()
	c := q.NewConsumer()
	e := ev(1, 1)
	fn := func(*events.Raw, bool) {}
	assert.Zero(t, testing.AllocsPerRun(1000, func() {
		p.TryPush(e)
		c.TryPop()
		p.TryPush(e)
		_, _ = c.Pop()
		p.TryPush(e)
		_, _ = c.Drain(8, fn)
	}))
}
