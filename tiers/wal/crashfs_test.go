package wal

import (
	"errors"
	"io/fs"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// crashCfg is the configuration the MemFS crash tests use: segments small enough to rotate
// often, buffers small enough to fill.
func crashCfg(m *MemFS) Config {
	return Config{Dir: "/wal", FS: m, SegmentSize: 8 << 10, BufferSize: 2 << 10}
}

// checkPrefix replays the log and checks that it is the records first..n, for some n >=
// durable, each byte for byte testRecord(seq), where first is the first retained record and no
// later than one past the lowest checkpoint. It returns n.
func checkPrefix(t *testing.T, l *Log, durable uint64, msg string) uint64 {
	t.Helper()
	first := max(l.Recovery().First, 1)
	low := uint64(1<<64 - 1)
	for _, c := range l.Checkpoints() {
		low = min(low, c)
	}
	if low != 1<<64-1 {
		require.LessOrEqual(t, first, low+1, "%s: a record no consumer finished was deleted", msg)
	}
	recs := readAll(t, l, first)
	for i, r := range recs {
		require.Equal(t, first+uint64(i), r.Seq, "%s: gap-free", msg)
		require.Equal(t, testRecord(r.Seq), r.Payload, "%s: seq %d: invented bytes", msg, r.Seq)
	}
	n := first + uint64(len(recs)) - 1
	require.GreaterOrEqual(t, n, durable, "%s: durable records lost", msg)
	return n
}

// TestCrashMemFSRandom appends with a writer goroutine while the flusher runs, and at a random
// moment takes the state a machine crash would leave - synced data, plus a random mix of old,
// new and torn sectors of what was not synced - then recovers it, twice, and appends on. In
// half the rounds a consumer checkpoints as it goes, so segments are recycled and the log
// writes over the stale frames of earlier segments.
func TestCrashMemFSRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, uint64(t.Name()[0])))
	for round := range 150 {
		m := NewMemFS()
		cfg := crashCfg(m)
		l, err := Open(cfg)
		require.NoError(t, err)
		consumer := round%2 == 1
		if consumer {
			require.NoError(t, l.Checkpoint("c", 0))
		}
		stopAt := 1 + rng.IntN(300)
		var crashed *MemFS
		var durable uint64
		var written atomic.Uint64
		for i := 0; i < stopAt; i++ {
			k := 1 + rng.IntN(6)
			batch := make([]byte, 0, k*128)
			for j := range k {
				batch = append(batch, testRecord(written.Load()+uint64(j)+1)...)
			}
			last, err := l.AppendBatchAsync(1, 128, batch)
			require.NoError(t, err)
			written.Store(last)
			if rng.IntN(4) == 0 {
				require.NoError(t, l.WaitDurable(last))
			}
			if consumer && rng.IntN(8) == 0 {
				require.NoError(t, l.Checkpoint("c", l.Durable()))
			}
		}
		durable = l.Durable()
		crashed = m.Crash(rng)
		require.NoError(t, l.Close())

		cfg.FS = crashed
		l, err = Open(cfg)
		require.NoError(t, err, "round %d: recovery", round)
		n := checkPrefix(t, l, durable, "round")
		require.LessOrEqual(t, n, written.Load())
		require.NoError(t, l.Close())

		// Recovering twice gives the same log and nothing to repair.
		rep, err := Inspect(crashed, cfg.Dir)
		require.NoError(t, err)
		require.Nil(t, rep.Torn, "round %d: repaired once", round)
		l, err = Open(cfg)
		require.NoError(t, err)
		require.Equal(t, n, checkPrefix(t, l, n, "second recovery"))

		// Appends after the repaired tail survive the next crash.
		for seq := n + 1; seq <= n+20; seq++ {
			_, err := l.Append(1, testRecord(seq))
			require.NoError(t, err)
		}
		again := crashed.Crash(rng)
		require.NoError(t, l.Close())
		cfg.FS = again
		l, err = Open(cfg)
		require.NoError(t, err, "round %d: recovery after appending to a repaired log", round)
		checkPrefix(t, l, n+20, "after repair")
		require.NoError(t, l.Close())
	}
}

// failOn returns a hook that fails the nth operation op on a path containing sub (n counts
// from 1) with err, applying part bytes of a failing write; later operations pass, unless
// sticky, when they all fail too. It also returns the count of operations op on the failed
// file seen after the nth: a retry of what failed. (Operations on other files, such as the
// preallocator syncing the next segment while the flusher fails, are not retries.) The hook
// runs with the MemFS locked, so its own state needs no lock.
func failOn(op Op, sub string, n int, part int, err error, sticky ...bool) (Hook, *atomic.Int64) {
	var seen, after atomic.Int64
	var failedPath string
	return func(o Op, path string, size int) (int, error) {
		if o != op || !strings.Contains(path, sub) {
			return size, nil
		}
		c := seen.Add(1)
		if int(c) == n {
			failedPath = path
			return min(part, size), err
		}
		if int(c) > n && path == failedPath {
			after.Add(1)
		}
		if int(c) > n && len(sticky) > 0 && sticky[0] {
			return min(part, size), err
		}
		return size, nil
	}, &after
}

// TestCrashFaults injects I/O errors through MemFS and checks that the log fails loudly,
// stays failed without retrying, and that a crash and recovery afterwards keep every record
// that was reported durable and invent nothing.
func TestCrashFaults(t *testing.T) {
	eio := syscall.EIO
	tests := []struct {
		name    string
		op      Op
		sub     string
		n, part int
		err     error
		sticky  bool
		want    []error
	}{
		{"fsync error", OpSync, ".wal", 5, 0, eio, false, []error{ErrFailed, eio}},
		{"short write", OpWrite, ".wal", 7, 40, nil, false, []error{ErrFailed}},
		{"ENOSPC mid-write", OpWrite, ".wal", 6, 100, syscall.ENOSPC, false, []error{ErrFailed, ErrNoSpace, syscall.ENOSPC}},
		{"ENOSPC preallocating", OpWrite, ".tmp", 1, 0, syscall.ENOSPC, true, []error{ErrFailed, ErrNoSpace, syscall.ENOSPC}},
		{"directory fsync error", OpSyncDir, "wal", 2, 0, eio, false, []error{ErrFailed, eio}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMemFS()
			cfg := crashCfg(m)
			cfg.SegmentSize = 4 << 10
			l, err := Open(cfg)
			require.NoError(t, err)
			hook, after := failOn(tt.op, tt.sub, tt.n, tt.part, tt.err, tt.sticky)
			m.SetHook(hook)
			var failed error
			var seq uint64
			for seq = 1; seq <= 200; seq++ {
				if _, err := l.Append(1, testRecord(seq)); err != nil {
					failed = err
					break
				}
			}
			require.Error(t, failed, "the fault must surface")
			for _, w := range tt.want {
				assert.ErrorIs(t, failed, w)
			}
			durable := l.Durable()
			assert.Less(t, durable, seq, "the failed record is not reported durable")
			// Poisoned: later appends fail, waits for what was durable still succeed.
			_, err = l.Append(1, testRecord(seq+1))
			assert.ErrorIs(t, err, ErrFailed)
			assert.NoError(t, l.WaitDurable(durable))
			assert.ErrorIs(t, l.Err(), ErrFailed)
			assert.ErrorIs(t, l.Close(), ErrFailed)
			if tt.op == OpSync {
				assert.Zero(t, after.Load(), "no fdatasync after a failed one (fsyncgate)")
			}
			m.SetHook(nil)

			for _, rng := range []*rand.Rand{nil, rand.New(rand.NewPCG(1, 2))} {
				cfg.FS = m.Crash(rng)
				l, err = Open(cfg)
				require.NoError(t, err, "recovery after %s", tt.name)
				checkPrefix(t, l, durable, tt.name)
				require.NoError(t, l.Close())
			}
		})
	}
}

// TestCrashFsyncgate shows why the log never retries: after a failed fdatasync, MemFS (like
// Linux) has dropped the dirty data and reports the next fdatasync as a success.
func TestCrashFsyncgate(t *testing.T) {
	m := NewMemFS()
	require.NoError(t, m.MkdirAll("/d"))
	f, err := m.Create("/d/f")
	require.NoError(t, err)
	_, err = f.WriteAt([]byte("hello"), 0)
	require.NoError(t, err)
	hook, _ := failOn(OpSync, "/d/f", 1, 0, syscall.EIO)
	m.SetHook(hook)
	require.ErrorIs(t, f.Sync(), syscall.EIO)
	require.NoError(t, f.Sync(), "the retry reports success")
	require.NoError(t, m.SyncDir("/d"))
	c := m.Crash(nil)
	data, err := c.ReadFile("/d/f")
	require.NoError(t, err)
	assert.NotEqual(t, []byte("hello"), data, "and yet the data is gone")
	require.NoError(t, f.Close())
	_, err = m.Open("/d/missing")
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.False(t, errors.Is(err, ErrFailed))
}
