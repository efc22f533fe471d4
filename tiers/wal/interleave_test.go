package wal

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

var walInterleave = flag.Int("wal.interleave", 0, "run TestAppendInterleaved at this batch size (0 skips it)")

// TestAppendInterleaved is BenchmarkWALAppend with the two sides interleaved in chunks of 100
// batches (6,000 each), alternating which goes first, so that a shared machine's drift, and
// the cost of switching files, fall on both alike. It logs the per-batch times and raw/hotpath.
// Run it with -wal.interleave=512 -v.
func TestAppendInterleaved(t *testing.T) {
	batch := *walInterleave
	if batch <= 0 {
		t.Skip("set -wal.interleave=BATCH to run")
	}
	dir := t.TempDir()
	wake := make(chan struct{}, 1)
	every := uint64(DefaultSegmentSize / 2 / benchEvent)
	l, err := Open(Config{Dir: filepath.Join(dir, "wal"), OnDurable: func(uint64) {
		select {
		case wake <- struct{}{}:
		default:
		}
	}})
	require.NoError(t, err)
	quit := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- benchConsumer(l, wake, quit, every) }()
	l.waitSpare()

	f, err := os.Create(filepath.Join(dir, "raw"))
	require.NoError(t, err)
	_, err = f.WriteAt(make([]byte, DefaultSegmentSize), 0)
	require.NoError(t, err)
	require.NoError(t, f.Sync())
	fd := int(f.Fd())
	p := benchBatch(batch)
	var off int64
	raw := func() {
		if off+int64(len(p)) > DefaultSegmentSize {
			off = 0
		}
		_, err := unix.Pwrite(fd, p, off)
		require.NoError(t, err)
		require.NoError(t, unix.Fdatasync(fd))
		off += int64(len(p))
	}
	hot := func() {
		_, err := l.AppendBatch(1, benchEvent, p)
		require.NoError(t, err)
	}
	const rounds, chunk = 60, 100
	var th, tr time.Duration
	timed := func(fn func()) time.Duration {
		start := time.Now()
		for range chunk {
			fn()
		}
		return time.Since(start)
	}
	for round := range rounds {
		if round%2 == 0 {
			th += timed(hot)
			tr += timed(raw)
		} else {
			tr += timed(raw)
			th += timed(hot)
		}
	}
	n := time.Duration(rounds * chunk)
	t.Logf("batch=%d: hotpath %v/batch, raw %v/batch, raw/hotpath %.3f", batch, th/n, tr/n, float64(tr)/float64(th))
	close(quit)
	require.NoError(t, <-done)
	require.NoError(t, l.Close())
	require.NoError(t, f.Close())
}
