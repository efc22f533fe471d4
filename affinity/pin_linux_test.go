//go:build linux

package affinity

import (
	"errors"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// onGoroutine runs f on a fresh goroutine and waits for it, so that a
// test's own goroutine never gets pinned.
func onGoroutine(f func()) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		f()
	}()
	wg.Wait()
}

func TestPinEachAllowedCPU(t *testing.T) {
	allowed, err := ThreadAllowed()
	require.NoError(t, err)
	for _, cpu := range allowed.CPUs() {
		onGoroutine(func() {
			before, err := ThreadAllowed()
			require.NoError(t, err)
			p, err := Pin(cpu)
			require.NoError(t, err, "Pin(%d)", cpu)
			assert.Equal(t, cpu, p.CPU())
			assert.True(t, p.Original().Equal(before))
			mask, err := ThreadAllowed()
			require.NoError(t, err)
			assert.Equal(t, NewCPUSet(cpu).String(), mask.String(), "mask after Pin(%d)", cpu)
			on, err := CurrentCPU()
			require.NoError(t, err)
			assert.Equal(t, cpu, on, "running on")
			runtime.Gosched() // still there after a trip through the scheduler
			on, _ = CurrentCPU()
			assert.Equal(t, cpu, on, "running on after Gosched")

			require.NoError(t, p.Unpin())
			after, err := ThreadAllowed()
			require.NoError(t, err)
			assert.Equal(t, before.String(), after.String(), "mask restored by Unpin")
			assert.ErrorIs(t, p.Unpin(), ErrUnpinned)
		})
	}
}

func TestPinRefusesCPUOutsideAllowedSet(t *testing.T) {
	allowed, err := ThreadAllowed()
	require.NoError(t, err)
	outside := allowed.CPUs()[len(allowed.CPUs())-1] + 1
	for _, cpu := range []int{outside, -1, 1 << 20} {
		onGoroutine(func() {
			p, err := Pin(cpu)
			require.ErrorIs(t, err, ErrCPUNotAllowed, "Pin(%d)", cpu)
			assert.Nil(t, p)
			assert.Contains(t, err.Error(), "allowed "+allowed.String())
			mask, err := ThreadAllowed()
			require.NoError(t, err)
			assert.True(t, mask.Equal(allowed), "mask unchanged after a refused pin")
		})
	}
}

func TestPinNestedAndWrongThread(t *testing.T) {
	allowed, err := ThreadAllowed()
	require.NoError(t, err)
	cpu := allowed.CPUs()[len(allowed.CPUs())-1]
	onGoroutine(func() {
		outer, err := Pin(cpu)
		require.NoError(t, err)
		inner, err := Pin(cpu)
		require.NoError(t, err)
		assert.Equal(t, NewCPUSet(cpu).String(), inner.Original().String())

		// Unpin from another goroutine (necessarily another thread: this one
		// is locked) is refused and changes nothing.
		var otherErr error
		onGoroutine(func() { otherErr = inner.Unpin() })
		assert.ErrorIs(t, otherErr, ErrWrongThread)

		require.NoError(t, inner.Unpin())
		mask, _ := ThreadAllowed()
		assert.Equal(t, NewCPUSet(cpu).String(), mask.String(), "inner Unpin restores the outer pin")
		require.NoError(t, outer.Unpin())
		mask, _ = ThreadAllowed()
		assert.True(t, mask.Equal(allowed))
	})
}

func TestPinnedWorkerExitsLocked(t *testing.T) {
	// A worker that returns while pinned takes its thread with it: the
	// thread's single-CPU mask is never seen again by another goroutine.
	allowed, err := ThreadAllowed()
	require.NoError(t, err)
	cpu := allowed.First()
	var tid int
	onGoroutine(func() {
		p, err := Pin(cpu)
		require.NoError(t, err)
		tid = p.tid
	})
	require.NotEqual(t, os.Getpid(), tid, "TestMain's init holds the main thread")
	_, err = os.Stat("/proc/self/task/" + strconv.Itoa(tid))
	deadline := time.Now().Add(2 * time.Second)
	for err == nil && time.Now().Before(deadline) {
		runtime.Gosched()
		_, err = os.Stat("/proc/self/task/" + strconv.Itoa(tid))
	}
	assert.True(t, errors.Is(err, os.ErrNotExist), "thread %d should have exited with its locked goroutine", tid)
}

func TestPinDoesNotLowerExplicitGOMAXPROCS(t *testing.T) {
	allowed, err := ThreadAllowed()
	require.NoError(t, err)
	want := max(allowed.Len(), 2)
	prev := SetGOMAXPROCS(want)
	defer runtime.GOMAXPROCS(prev)
	assert.Equal(t, want, SetGOMAXPROCS(0), "n <= 0 reports")

	onGoroutine(func() {
		p, err := Pin(allowed.First())
		require.NoError(t, err)
		defer func() { require.NoError(t, p.Unpin()) }()
		// Make the runtime start threads while this one is pinned, and
		// watch GOMAXPROCS across more than one of sysmon's once-a-second
		// updates.
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _ = os.ReadFile("/proc/self/stat")
			}()
		}
		wg.Wait()
		end := time.Now().Add(1100 * time.Millisecond)
		for time.Now().Before(end) {
			require.Equal(t, want, runtime.GOMAXPROCS(0), "GOMAXPROCS while pinned")
			runtime.Gosched()
		}
	})
	assert.Equal(t, want, runtime.GOMAXPROCS(0), "GOMAXPROCS after unpin")
}

func TestDefaultGOMAXPROCSReadsThePinnedMask(t *testing.T) {
	// Why the engine sets GOMAXPROCS explicitly: the runtime's default is
	// derived from the affinity mask of whichever thread computes it, and a
	// pinned thread's mask holds one CPU.
	allowed, err := ThreadAllowed()
	require.NoError(t, err)
	if allowed.Len() < 2 {
		t.Skip("needs two allowed CPUs")
	}
	prev := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(prev)
	var pinnedDefault int
	onGoroutine(func() {
		p, err := Pin(allowed.First())
		require.NoError(t, err)
		runtime.SetDefaultGOMAXPROCS()
		pinnedDefault = runtime.GOMAXPROCS(0)
		require.NoError(t, p.Unpin())
	})
	assert.Equal(t, 1, pinnedDefault, "SetDefaultGOMAXPROCS on a pinned thread")
}
