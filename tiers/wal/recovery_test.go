package wal

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAppendDoesNotAllocate holds the package comment to its word for the append paths.
func TestAppendDoesNotAllocate(t *testing.T) {
	l, err := Open(Config{Dir: t.TempDir(), SegmentSize: 1 << 20, BufferSize: 64 << 10})
	require.NoError(t, err)
	defer l.Close()
	l.waitSpare()
	rec := testRecord(1)
	batch := make([]byte, 8*128)
	tests := []struct {
		name string
		fn   func()
	}{
		{"AppendAsync", func() { _, _ = l.AppendAsync(1, rec) }},
		{"AppendBatchAsync", func() { _, _ = l.AppendBatchAsync(1, 128, batch) }},
		{"Append", func() { _, _ = l.Append(1, rec) }},
		{"AppendBatch", func() { _, _ = l.AppendBatch(1, 128, batch) }},
		{"Durable", func() { _ = l.Durable() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Zero(t, testing.AllocsPerRun(50, tt.fn), "%s allocates", tt.name)
		})
	}
	require.NoError(t, l.Sync())
}

// TestOnDurableFromBothPassRunners mixes blocking appends (which may run the flush pass
// themselves) with asynchronous ones (the flusher runs the pass): OnDurable still sees
// increasing values, one call at a time.
func TestOnDurableFromBothPassRunners(t *testing.T) {
	cfg, _ := memConfig(t)
	var inCall, calls int
	var last uint64
	cfg.OnDurable = func(d uint64) {
		inCall++
		if inCall != 1 {
			t.Errorf("overlapping OnDurable calls")
		}
		if d <= last {
			t.Errorf("OnDurable(%d) after %d", d, last)
		}
		last, calls = d, calls+1
		inCall--
	}
	l, err := Open(cfg)
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 300 {
			if _, err := l.AppendAsync(1, testRecord(uint64(i))); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for i := range 300 {
		_, err := l.Append(1, testRecord(uint64(i)))
		require.NoError(t, err)
	}
	<-done
	require.NoError(t, l.Close())
	assert.Equal(t, uint64(600), last)
	assert.Positive(t, calls)
}

// TestReopenWithOtherSegmentSize changes SegmentSize between runs: the log keeps appending to
// the old segment until it is full, and spares of the old size are not reused.
func TestReopenWithOtherSegmentSize(t *testing.T) {
	m := NewMemFS()
	for round, size := range []int64{8 << 10, 16 << 10, 4 << 10} {
		l, err := Open(Config{Dir: "/wal", FS: m, SegmentSize: size, BufferSize: 2 << 10})
		require.NoError(t, err, "round %d", round)
		for i := range 100 {
			seq := uint64(round*100 + i + 1)
			got, err := l.Append(1, testRecord(seq))
			require.NoError(t, err)
			require.Equal(t, seq, got)
		}
		require.NoError(t, l.Close())
	}
	l, err := Open(Config{Dir: "/wal", FS: m, SegmentSize: 32 << 10})
	require.NoError(t, err)
	defer l.Close()
	checkPrefix(t, l, 300, "after size changes")
}

// TestRecoveryRules plants specific damage and checks the place and the rule Open reports.
func TestRecoveryRules(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, m *MemFS, segs []string)
		want   string // substring of the error; "" means Open succeeds
	}{
		{"clean", func(*testing.T, *MemFS, []string) {}, ""},
		{"segment missing from the middle", func(t *testing.T, m *MemFS, segs []string) {
			require.NoError(t, m.Remove(filepath.Join("/wal", segs[1])))
		}, "segment " + segmentName(1) + " offset"},
		{"first segment missing, no checkpoint", func(t *testing.T, m *MemFS, segs []string) {
			require.NoError(t, m.Remove(filepath.Join("/wal", segs[0])))
		}, "no checkpoint covers"},
		{"checkpoint past the end", func(t *testing.T, m *MemFS, segs []string) {
			require.NoError(t, writeCheckpoint(m, "/wal", "late", 1000))
		}, "past the log's last record"},
		{"checkpoint file damaged", func(t *testing.T, m *MemFS, segs []string) {
			require.NoError(t, m.WriteFile("/wal/checkpoint-x", []byte("HPCK0000000000000000")))
		}, "checkpoint \"x\""},
		{"frame of another segment in the middle", func(t *testing.T, m *MemFS, segs []string) {
			a, _ := m.ReadFile(filepath.Join("/wal", segs[0]))
			b, _ := m.ReadFile(filepath.Join("/wal", segs[1]))
			copy(a[200:], b[:200]) // a valid frame of segment 2 planted in segment 1
			require.NoError(t, m.WriteFile(filepath.Join("/wal", segs[0]), a))
		}, "segment " + segmentName(1) + " offset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMemFS()
			l, err := Open(Config{Dir: "/wal", FS: m, SegmentSize: 4 << 10, BufferSize: 1 << 10})
			require.NoError(t, err)
			for i := uint64(1); i <= 80; i++ {
				_, err := l.Append(1, testRecord(i))
				require.NoError(t, err)
			}
			require.NoError(t, l.Close())
			var segs []string
			for i := uint64(1); i <= 3; i++ {
				segs = append(segs, segmentName(i))
			}
			tt.damage(t, m, segs)
			_, ierr := Inspect(m, "/wal")
			l, err = Open(Config{Dir: "/wal", FS: m, SegmentSize: 4 << 10})
			if tt.want == "" {
				require.NoError(t, err)
				require.NoError(t, ierr)
				checkPrefix(t, l, 80, tt.name)
				require.NoError(t, l.Close())
				return
			}
			require.ErrorIs(t, err, ErrCorrupt)
			assert.Contains(t, err.Error(), tt.want)
			assert.Equal(t, fmt.Sprint(ierr), fmt.Sprint(err), "Inspect and Open agree")
		})
	}
}
