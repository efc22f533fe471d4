package wal

import (
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testRecord returns the deterministic 128-byte payload of record i.
func testRecord(i uint64) []byte {
	b := make([]byte, 128)
	fillRecord(b, i)
	return b
}

func fillRecord(b []byte, i uint64) {
	binary.LittleEndian.PutUint64(b, i)
	x := i*0x9E3779B97F4A7C15 + 1
	for j := 8; j < len(b); j++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[j] = byte(x)
	}
}

// memConfig returns a small-segment configuration on a fresh MemFS.
func memConfig(t testing.TB) (Config, *MemFS) {
	t.Helper()
	m := NewMemFS()
	return Config{Dir: "/wal", FS: m, SegmentSize: 8 << 10, BufferSize: 4 << 10}, m
}

// readAll replays the whole log.
func readAll(t testing.TB, l *Log, from uint64) []Record {
	t.Helper()
	r := l.NewReader(from)
	defer r.Close()
	var out []Record
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		rec.Payload = append([]byte(nil), rec.Payload...)
		out = append(out, rec)
	}
}

func TestAppendReadBack(t *testing.T) {
	cfg, _ := memConfig(t)
	l, err := Open(cfg)
	require.NoError(t, err)
	for i := uint64(1); i <= 300; i++ {
		seq, err := l.Append(7, testRecord(i))
		require.NoError(t, err)
		require.Equal(t, i, seq, "Append #%d = seq %d", i, seq)
	}
	recs := readAll(t, l, 1)
	require.Len(t, recs, 300)
	for i, r := range recs {
		assert.Equal(t, uint64(i+1), r.Seq)
		assert.Equal(t, byte(7), r.Type)
		assert.Equal(t, testRecord(r.Seq), r.Payload)
	}
	require.NoError(t, l.Close())

	l, err = Open(cfg)
	require.NoError(t, err)
	defer l.Close()
	assert.Nil(t, l.Recovery().Torn)
	assert.Equal(t, uint64(300), l.Durable())
	recs = readAll(t, l, 123)
	require.Len(t, recs, 178)
	assert.Equal(t, uint64(123), recs[0].Seq)
	assert.Greater(t, len(l.Recovery().Segments), 3, "300 records of 160 bytes span several 8 KiB segments")
}

func TestAppendBatchSplitsFrames(t *testing.T) {
	cfg, _ := memConfig(t)
	l, err := Open(cfg)
	require.NoError(t, err)
	defer l.Close()
	batch := make([]byte, 0, 100*128)
	for i := uint64(1); i <= 100; i++ {
		batch = append(batch, testRecord(i)...)
	}
	last, err := l.AppendBatch(3, 128, batch)
	require.NoError(t, err)
	require.Equal(t, uint64(100), last)
	recs := readAll(t, l, 1)
	require.Len(t, recs, 100)
	for _, r := range recs {
		require.Equal(t, testRecord(r.Seq), r.Payload)
	}
}

func TestAppendErrors(t *testing.T) {
	cfg, _ := memConfig(t)
	l, err := Open(cfg)
	require.NoError(t, err)
	tests := []struct {
		name string
		err  func() error
		want error
	}{
		{"empty record", func() error { _, err := l.Append(1, nil); return err }, nil},
		{"too large", func() error { _, err := l.Append(1, make([]byte, 5<<10)); return err }, ErrTooLarge},
		{"ragged batch", func() error { _, err := l.AppendBatch(1, 128, make([]byte, 129)); return err }, nil},
		{"record size too large", func() error { _, err := l.AppendBatch(1, 5<<10, make([]byte, 10<<10)); return err }, ErrTooLarge},
		{"wait for the future", func() error { return l.WaitDurable(99) }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.err()
			require.Error(t, err)
			if tt.want != nil {
				assert.ErrorIs(t, err, tt.want)
			}
		})
	}
	require.NoError(t, l.Close())
	_, err = l.Append(1, []byte{1})
	assert.ErrorIs(t, err, ErrClosed)
	assert.ErrorIs(t, l.Close(), ErrClosed)
}

func TestConcurrentAppendersGroupCommit(t *testing.T) {
	cfg, _ := memConfig(t)
	cfg.SegmentSize = 64 << 10
	var syncs int
	m := cfg.FS.(*MemFS)
	m.SetHook(func(op Op, _ string, n int) (int, error) {
		if op == OpSync {
			syncs++
		}
		return n, nil
	})
	l, err := Open(cfg)
	require.NoError(t, err)
	const writers, each = 8, 200
	var wg sync.WaitGroup
	got := make([][]uint64, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := make([]byte, 64)
			for i := range each {
				binary.LittleEndian.PutUint32(p, uint32(w))
				binary.LittleEndian.PutUint32(p[4:], uint32(i))
				seq, err := l.Append(1, p)
				if !assert.NoError(t, err) {
					return
				}
				assert.GreaterOrEqual(t, l.Durable(), seq)
				got[w] = append(got[w], seq)
			}
		}()
	}
	wg.Wait()
	recs := readAll(t, l, 1)
	require.Len(t, recs, writers*each)
	next := make([]uint32, writers)
	for _, r := range recs {
		w, i := binary.LittleEndian.Uint32(r.Payload), binary.LittleEndian.Uint32(r.Payload[4:])
		require.Equal(t, next[w], i, "writer %d's records in order", w)
		require.Equal(t, got[w][i], r.Seq)
		next[w]++
	}
	require.NoError(t, l.Close())
	m.SetHook(nil)
	t.Logf("%d appends, %d fdatasyncs", writers*each, syncs)
}

func TestAppendAsyncAndNotify(t *testing.T) {
	cfg, _ := memConfig(t)
	var mu sync.Mutex
	var notified uint64
	cfg.OnDurable = func(d uint64) {
		mu.Lock()
		defer mu.Unlock()
		if d <= notified {
			t.Errorf("OnDurable(%d) after %d: not increasing", d, notified)
		}
		notified = d
	}
	l, err := Open(cfg)
	require.NoError(t, err)
	var last uint64
	for i := uint64(1); i <= 50; i++ {
		last, err = l.AppendAsync(2, testRecord(i))
		require.NoError(t, err)
	}
	require.NoError(t, l.WaitDurable(last))
	require.GreaterOrEqual(t, l.Durable(), last)
	require.NoError(t, l.Close())
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, last, notified)
}

func TestSyncPolicies(t *testing.T) {
	for _, p := range []SyncPolicy{SyncEveryBatch, SyncInterval, SyncNone} {
		t.Run(p.String(), func(t *testing.T) {
			cfg, m := memConfig(t)
			cfg.Sync = p
			l, err := Open(cfg)
			require.NoError(t, err)
			for i := uint64(1); i <= 20; i++ {
				_, err := l.Append(1, testRecord(i))
				require.NoError(t, err)
			}
			if p == SyncNone {
				// Nothing forced a sync: a crash now may lose all 20.
				crashed := m.Crash(nil)
				l2, err := Open(Config{Dir: cfg.Dir, FS: crashed, SegmentSize: cfg.SegmentSize})
				require.NoError(t, err)
				assert.LessOrEqual(t, l2.Durable(), uint64(20))
				require.NoError(t, l2.Close())
				require.NoError(t, l.WaitDurable(20))
			}
			require.Equal(t, uint64(20), l.Durable())
			crashed := m.Crash(nil)
			require.NoError(t, l.Close())
			l2, err := Open(Config{Dir: cfg.Dir, FS: crashed, SegmentSize: cfg.SegmentSize})
			require.NoError(t, err)
			defer l2.Close()
			assert.Len(t, readAll(t, l2, 1), 20)
		})
	}
}

func TestCheckpointDeletesSegments(t *testing.T) {
	cfg, m := memConfig(t)
	l, err := Open(cfg)
	require.NoError(t, err)
	require.NoError(t, l.Checkpoint("spill", 0))
	for i := uint64(1); i <= 400; i++ {
		_, err := l.Append(1, testRecord(i))
		require.NoError(t, err)
	}
	segments := func() int {
		names, err := m.List(cfg.Dir)
		require.NoError(t, err)
		n := 0
		for _, name := range names {
			if _, ok := parseSegmentName(name); ok {
				n++
			}
		}
		return n
	}
	before := segments()
	require.NoError(t, l.Checkpoint("dlq", 300))
	assert.Equal(t, before, segments(), "spill at 0 holds every segment")
	require.NoError(t, l.Checkpoint("spill", 300))
	assert.Less(t, segments(), before, "segments below 300 deleted")
	_, err = l.NewReader(1).Next()
	assert.ErrorIs(t, err, ErrNotRetained)
	recs := readAll(t, l, 300)
	require.Equal(t, uint64(300), recs[0].Seq)
	assert.Error(t, l.Checkpoint("spill", 401), "not durable")
	assert.Error(t, l.Checkpoint("../x", 1))
	require.NoError(t, l.Close())

	// Crash after the deletions: recovery agrees.
	l, err = Open(Config{Dir: cfg.Dir, FS: m.Crash(nil), SegmentSize: cfg.SegmentSize})
	require.NoError(t, err)
	defer l.Close()
	assert.Equal(t, map[string]uint64{"spill": 300, "dlq": 300}, l.Checkpoints())
	rep := l.Recovery()
	assert.LessOrEqual(t, rep.First, uint64(301))
	assert.Equal(t, uint64(400), rep.Last)
	assert.Equal(t, testRecord(350), readAll(t, l, 350)[0].Payload)
}

func TestReaderFollowsLiveLog(t *testing.T) {
	cfg, _ := memConfig(t)
	l, err := Open(cfg)
	require.NoError(t, err)
	defer l.Close()
	r := l.NewReader(1)
	defer r.Close()
	_, err = r.Next()
	require.ErrorIs(t, err, io.EOF)
	rng := rand.New(rand.NewPCG(1, 2))
	var want uint64 = 1
	for round := 0; round < 40; round++ {
		n := 1 + rng.IntN(30)
		for range n {
			_, err := l.Append(1, testRecord(want+uint64(0)))
			require.NoError(t, err)
			rec, err := r.Next()
			require.NoError(t, err)
			require.Equal(t, want, rec.Seq)
			require.Equal(t, testRecord(want), rec.Payload)
			want++
		}
		_, err = r.Next()
		require.ErrorIs(t, err, io.EOF)
	}
}

// A Reader that no consumer protects can have its segment recycled under it: it reports
// ErrNotRetained, not corruption, and never returns bytes of the new segment.
func TestReaderSegmentRecycledUnderIt(t *testing.T) {
	cfg, _ := memConfig(t)
	l, err := Open(cfg)
	require.NoError(t, err)
	defer l.Close()
	require.NoError(t, l.Checkpoint("c", 0))
	for i := uint64(1); i <= 100; i++ {
		_, err := l.Append(1, testRecord(i))
		require.NoError(t, err)
	}
	r := l.NewReader(1)
	defer r.Close()
	rec, err := r.Next()
	require.NoError(t, err)
	require.Equal(t, uint64(1), rec.Seq)
	// Release and reuse everything before the reader's position, many times over.
	for i := uint64(101); i <= 1000; i++ {
		_, err := l.Append(1, testRecord(i))
		require.NoError(t, err)
		if i%10 == 0 {
			require.NoError(t, l.Checkpoint("c", i))
		}
	}
	for {
		rec, err := r.Next()
		if err != nil {
			require.ErrorIs(t, err, ErrNotRetained)
			break
		}
		require.Equal(t, testRecord(rec.Seq), rec.Payload)
	}
}
