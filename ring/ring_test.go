package ring_test

import (
	"flag"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/internal/leakcheck"
	"github.com/hotpath-go/hotpath/ring"
)

var stressN = flag.Int("ring.n", 1_000_000, "events per stress test")

func TestMain(m *testing.M) { leakcheck.Main(m) }

// ev makes a test event carrying producer p's n-th value.
func ev(p, n uint64) events.Raw {
	var r events.Raw
	r.ID = p<<48 | n
	r.TS = int64(n)
	return r
}

func waits() map[string]ring.Wait {
	return map[string]ring.Wait{"parking": ring.Parking(), "spinyield": ring.SpinYield(), "yield": {}}
}

func TestSlotIsOneAlignedCacheLine(t *testing.T) {
	assert.Equal(t, uintptr(64), ring.SlotSize[events.Raw](), "an events.Raw slot is one cache line")
	assert.Equal(t, ring.CacheLine, ring.DetectedCacheLine(), "cpuid's cache line matches the layout")
	for _, size := range []int{2, 64, 1024, 65536} {
		r, err := ring.NewSPSC[events.Raw](size)
		require.NoError(t, err)
		for _, pos := range []uint64{0, 1, uint64(size - 1)} {
			// Slot returns &slot.val; the slot starts 8 bytes before it.
			addr := uintptr(unsafe.Pointer(r.Slot(pos))) - 8
			assert.Zerof(t, addr%64, "size %d: slot %d at %#x is not line-aligned", size, pos, addr)
		}
	}
}

func TestCapacity(t *testing.T) {
	for _, n := range []int{0, 1, 3, 100, -4} {
		_, err := ring.NewSPSC[int](n)
		assert.ErrorIsf(t, err, ring.ErrCapacity, "NewSPSC(%d)", n)
		_, err = ring.NewMPMC[int](n)
		assert.ErrorIsf(t, err, ring.ErrCapacity, "NewMPMC(%d)", n)
		_, err = ring.NewMulticast[int](n)
		assert.ErrorIsf(t, err, ring.ErrCapacity, "NewMulticast(%d)", n)
	}
	r, err := ring.NewSPSC[int](4)
	require.NoError(t, err)
	assert.Equal(t, 4, r.Cap())
	_, err = r.Reserve(5)
	assert.ErrorIs(t, err, ring.ErrTooLarge)
}

func TestSPSCFullAndEmpty(t *testing.T) {
	r, err := ring.NewSPSC[int](4)
	require.NoError(t, err)
	_, ok := r.TryPop()
	assert.False(t, ok, "empty")
	for i := range 4 {
		require.Truef(t, r.TryPush(i), "push %d", i)
	}
	assert.False(t, r.TryPush(4), "full")
	v, ok := r.TryPop()
	require.True(t, ok)
	assert.Equal(t, 0, v)
	assert.True(t, r.TryPush(4), "room after a pop")
	for want := 1; want <= 4; want++ {
		v, ok := r.TryPop()
		require.True(t, ok)
		assert.Equal(t, want, v)
	}
	_, ok = r.TryReserve(5)
	assert.False(t, ok)
}

func TestSPSCStress(t *testing.T) {
	for name, w := range waits() {
		t.Run(name, func(t *testing.T) {
			n := uint64(*stressN)
			if name != "parking" {
				n /= 4
			}
			r, err := ring.NewSPSC[events.Raw](1024, ring.WithWait(w))
			require.NoError(t, err)
			go func() {
				// Mix the producer APIs: Push, PushN and Reserve/Commit.
				batch := make([]events.Raw, 0, 37)
				for i := uint64(1); i <= n; {
					switch i % 3 {
					case 0:
						require.NoError(t, r.Push(ev(0, i)))
						i++
					case 1:
						batch = batch[:0]
						for j := 0; j < 37 && i <= n; j++ {
							batch = append(batch, ev(0, i))
							i++
						}
						require.NoError(t, r.PushN(batch))
					default:
						k := int(min(13, n-i+1))
						lower, err := r.Reserve(k)
						require.NoError(t, err)
						for j := range k {
							*r.Slot(lower + uint64(j)) = ev(0, i)
							i++
						}
						r.Commit(lower, k)
					}
				}
				r.Close()
			}()
			var got, sum uint64
			for {
				// Mix the consumer APIs: Pop and Drain.
				if got%2 == 0 {
					v, err := r.Pop()
					if err != nil {
						require.ErrorIs(t, err, ring.ErrClosed)
						break
					}
					got++
					require.Equal(t, got, v.ID, "FIFO")
					sum += v.ID
					continue
				}
				_, err := r.Drain(64, func(v *events.Raw, _ bool) {
					got++
					require.Equal(t, got, v.ID, "FIFO")
					sum += v.ID
				})
				if err != nil {
					require.ErrorIs(t, err, ring.ErrClosed)
					break
				}
			}
			assert.Equal(t, n, got, "every event once")
			assert.Equal(t, n*(n+1)/2, sum)
			assert.ErrorIs(t, r.Push(ev(0, 0)), ring.ErrClosed)
		})
	}
}

func TestMulticastPipelineAndDiamond(t *testing.T) {
	n := uint64(*stressN / 4)
	r, err := ring.NewMulticast[events.Raw](256)
	require.NoError(t, err)
	a, err := r.NewConsumer()
	require.NoError(t, err)
	b, err := r.NewConsumer()
	require.NoError(t, err)
	c, err := r.NewConsumer(a, b) // diamond: c after a and b
	require.NoError(t, err)
	d, err := r.NewConsumer(c) // pipeline: d after c
	require.NoError(t, err)

	// a and b stamp their own flag bits in place; c checks both are there and adds its own; d
	// checks all three. This proves dependents see their dependencies' writes.
	type result struct{ count, sum uint64 }
	results := make([]result, 4)
	var wg sync.WaitGroup
	run := func(i int, cons *ring.Consumer[events.Raw], need, mark uint32) {
		defer wg.Done()
		var next uint64 = 1
		for {
			_, err := cons.Drain(100, func(v *events.Raw, _ bool) {
				require.Equal(t, next, v.ID, "consumer %d FIFO", i)
				require.Equalf(t, need, atomic.LoadUint32(&v.Flags)&need, "consumer %d sees its dependencies' marks", i)
				if mark != 0 {
					atomic.OrUint32(&v.Flags, mark)
				}
				results[i].count++
				results[i].sum += v.ID
				next++
			})
			if err != nil {
				require.ErrorIs(t, err, ring.ErrClosed)
				return
			}
		}
	}
	wg.Add(4)
	go run(0, a, 0, 1)
	go run(1, b, 0, 2)
	go run(2, c, 3, 4)
	go run(3, d, 7, 0)
	for i := uint64(1); i <= n; i++ {
		require.NoError(t, r.Push(ev(0, i)))
	}
	r.Close()
	wg.Wait()
	for i, res := range results {
		assert.Equalf(t, n, res.count, "consumer %d saw every event", i)
		assert.Equalf(t, n*(n+1)/2, res.sum, "consumer %d sum", i)
	}
	_, err = r.NewConsumer()
	assert.ErrorIs(t, err, ring.ErrSealed)
}

func TestMPMCStress(t *testing.T) {
	for _, tc := range []struct {
		name       string
		prod, cons int
		w          ring.Wait
	}{
		{"4P4C/parking", 4, 4, ring.Parking()},
		{"2P2C/spinyield", 2, 2, ring.SpinYield()},
		{"workshare/1P3C", 1, 3, ring.Parking()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			per := uint64(*stressN / tc.prod)
			if tc.w != ring.Parking() {
				per /= 4
			}
			r, err := ring.NewMPMC[events.Raw](512, ring.WithWait(tc.w))
			require.NoError(t, err)
			var pwg, cwg sync.WaitGroup
			for p := range tc.prod {
				pwg.Add(1)
				go func() {
					defer pwg.Done()
					buf := make([]events.Raw, 0, 8)
					for i := uint64(1); i <= per; i++ {
						if p%2 == 0 {
							require.NoError(t, r.Push(ev(uint64(p), i)))
							continue
						}
						buf = append(buf, ev(uint64(p), i))
						if len(buf) == cap(buf) || i == per {
							require.NoError(t, r.PushN(buf))
							buf = buf[:0]
						}
					}
				}()
			}
			counts := make([][]uint64, tc.cons) // per consumer, per producer: count
			sums := make([]uint64, tc.cons)
			for c := range tc.cons {
				counts[c] = make([]uint64, tc.prod)
				cwg.Add(1)
				go func() {
					defer cwg.Done()
					last := make([]uint64, tc.prod)
					take := func(v *events.Raw) {
						p, i := v.ID>>48, v.ID&(1<<48-1)
						require.Greaterf(t, i, last[p], "consumer %d: producer %d out of order", c, p)
						last[p] = i
						counts[c][p]++
						sums[c] += i
					}
					dst := make([]events.Raw, 16)
					for k := 0; ; k++ {
						if k%2 == 0 {
							n, err := r.PopN(dst)
							if err != nil {
								require.ErrorIs(t, err, ring.ErrClosed)
								return
							}
							for j := range n {
								take(&dst[j])
							}
							continue
						}
						_, err := r.Drain(32, func(v *events.Raw, _ bool) { take(v) })
						if err != nil {
							require.ErrorIs(t, err, ring.ErrClosed)
							return
						}
					}
				}()
			}
			pwg.Wait()
			r.Close()
			cwg.Wait()
			var total, sum uint64
			for p := range tc.prod {
				var n uint64
				for c := range tc.cons {
					n += counts[c][p]
				}
				assert.Equalf(t, per, n, "producer %d: every event exactly once", p)
				total += n
			}
			for _, s := range sums {
				sum += s
			}
			assert.Equal(t, per*uint64(tc.prod), total)
			assert.Equal(t, uint64(tc.prod)*per*(per+1)/2, sum, "sum of values: nothing duplicated or lost")
		})
	}
}

// TestMPMCCloseUnderLoad closes the ring while producers are pushing: every push that returned nil
// is delivered exactly once; pushes after Close fail with ErrClosed; nobody hangs.
func TestMPMCCloseUnderLoad(t *testing.T) {
	for round := range 20 {
		r, err := ring.NewMPMC[events.Raw](64)
		require.NoError(t, err)
		const prod = 3
		accepted := make([]atomic.Uint64, prod)
		var pwg, cwg sync.WaitGroup
		var started atomic.Int32
		for p := range prod {
			pwg.Add(1)
			go func() {
				defer pwg.Done()
				started.Add(1)
				for i := uint64(1); ; i++ {
					if err := r.Push(ev(uint64(p), i)); err != nil {
						require.ErrorIs(t, err, ring.ErrClosed)
						return
					}
					accepted[p].Add(1)
				}
			}()
		}
		var delivered atomic.Uint64
		var seen sync.Map
		for range 2 {
			cwg.Add(1)
			go func() {
				defer cwg.Done()
				for {
					v, err := r.Pop()
					if err != nil {
						require.ErrorIs(t, err, ring.ErrClosed)
						return
					}
					_, dup := seen.LoadOrStore(v.ID, true)
					require.False(t, dup, "round %d: duplicate %#x", round, v.ID)
					delivered.Add(1)
				}
			}()
		}
		for started.Load() < prod || delivered.Load() < 1000 {
			runtime.Gosched()
		}
		r.Close()
		pwg.Wait()
		cwg.Wait()
		var acc uint64
		for p := range accepted {
			acc += accepted[p].Load()
		}
		require.Equalf(t, acc, delivered.Load(), "round %d: accepted = delivered", round)
	}
}

// TestCloseWakesBlocked: producers blocked on a full ring and consumers blocked on an empty one
// all return ErrClosed.
func TestCloseWakesBlocked(t *testing.T) {
	for name, w := range waits() {
		t.Run(name, func(t *testing.T) {
			full, _ := ring.NewMPMC[int](2, ring.WithWait(w))
			require.True(t, full.TryPush(1))
			require.True(t, full.TryPush(2))
			empty, _ := ring.NewMPMC[int](2, ring.WithWait(w))
			spsc, _ := ring.NewSPSC[int](2, ring.WithWait(w))
			errs := make(chan error, 4)
			go func() { errs <- full.Push(3) }()
			go func() { _, err := empty.Pop(); errs <- err }()
			go func() { _, err := empty.Pop(); errs <- err }()
			go func() { _, err := spsc.Pop(); errs <- err }()
			full.Close()
			empty.Close()
			spsc.Close()
			for range 4 {
				assert.ErrorIs(t, <-errs, ring.ErrClosed)
			}
			// A closed ring still gives up what it holds.
			v, err := full.Pop()
			require.NoError(t, err)
			assert.Equal(t, 1, v)
		})
	}
}

func TestZeroAllocs(t *testing.T) {
	e := ev(1, 1)
	spsc, _ := ring.NewSPSC[events.Raw](1024)
	mc, _ := ring.NewMulticast[events.Raw](1024)
	c1, _ := mc.NewConsumer()
	c2, _ := mc.NewConsumer(c1)
	mp, _ := ring.NewMPMC[events.Raw](1024)
	batch := make([]events.Raw, 8)
	fn := func(v *events.Raw, end bool) {}
	ops := map[string]func(){
		"spsc/push-pop": func() { spsc.TryPush(e); spsc.TryPop() },
		"spsc/reserve-commit-poll-release": func() {
			l, _ := spsc.TryReserve(4)
			*spsc.Slot(l) = e
			spsc.Commit(l, 4)
			_, u := spsc.Poll(8)
			spsc.Release(u)
		},
		"spsc/pushN-drain": func() { _ = spsc.PushN(batch); _, _ = spsc.Drain(8, fn) },
		"multicast/push-pop": func() {
			mc.TryPush(e)
			c1.TryPop()
			c2.TryPop()
		},
		"mpmc/push-pop":   func() { mp.TryPush(e); mp.TryPop() },
		"mpmc/pushN-popN": func() { _ = mp.PushN(batch); _, _ = mp.PopN(batch) },
		"mpmc/claim": func() {
			mp.TryPush(e)
			l, u := mp.Claim(8)
			mp.ReleaseRange(l, u)
		},
	}
	for name, op := range ops {
		assert.Zerof(t, testing.AllocsPerRun(1000, op), "%s allocates", name)
	}
}

// TestReady: Ready reports an event without taking it, for every ring kind a worker spins on.
func TestReady(t *testing.T) {
	s, err := ring.NewSPSC[int](8)
	require.NoError(t, err)
	assert.False(t, s.Ready())
	require.True(t, s.TryPush(1))
	assert.True(t, s.Ready())
	assert.True(t, s.Ready(), "Ready does not take the event")
	v, ok := s.TryPop()
	require.True(t, ok)
	assert.Equal(t, 1, v)
	assert.False(t, s.Ready())

	m, err := ring.NewMPMC[int](8)
	require.NoError(t, err)
	assert.False(t, m.Ready())
	require.True(t, m.TryPush(2))
	assert.True(t, m.Ready())
	v, ok = m.TryPop()
	require.True(t, ok)
	assert.Equal(t, 2, v)
	assert.False(t, m.Ready())
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = s.Ready(); _ = m.Ready() }))
}
