package wal

import (
	"bytes"
	"hash/crc32"
	"testing"

	"github.com/stretchr/testify/require"
)

// fuzzSegment returns the bytes of segment 1 of a small log (with a crash cut at cut bytes if
// cut > 0), for seeds.
func fuzzSegment(t testing.TB, cut int) []byte {
	m := NewMemFS()
	l, err := Open(Config{Dir: "/wal", FS: m, SegmentSize: 4 << 10, BufferSize: 1 << 10})
	require.NoError(t, err)
	for i := uint64(1); i <= 6; i++ {
		_, err := l.Append(byte(i), testRecord(i)[:10*i])
		require.NoError(t, err)
	}
	_, err = l.AppendBatch(9, 16, make([]byte, 64))
	require.NoError(t, err)
	require.NoError(t, l.Close())
	b, err := m.ReadFile("/wal/" + segmentName(1))
	require.NoError(t, err)
	if cut > 0 {
		clear(b[cut:])
	}
	return b
}

// FuzzReader feeds arbitrary bytes to recovery and the Reader as the log's only segment. Open
// must not panic or hang; it either refuses the segment (with ErrCorrupt, agreeing with
// Inspect) or recovers records that the Reader replays in sequence, after which an append
// survives a reopen.
func FuzzReader(f *testing.F) {
	good := fuzzSegment(f, 0)
	f.Add(good)
	f.Add(fuzzSegment(f, 300))
	f.Add(good[:200])
	f.Add(make([]byte, 512))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, seg []byte) {
		m := NewMemFS()
		require.NoError(t, m.MkdirAll("/wal"))
		require.NoError(t, m.WriteFile("/wal/"+segmentName(1), seg))
		rep, ierr := Inspect(m, "/wal")
		cfg := Config{Dir: "/wal", FS: m, SegmentSize: 4 << 10, BufferSize: 1 << 10}
		l, err := Open(cfg)
		if err != nil {
			require.ErrorIs(t, err, ErrCorrupt)
			require.ErrorIs(t, ierr, ErrCorrupt)
			return
		}
		require.NoError(t, ierr)
		first := max(rep.First, 1)
		recs := readAll(t, l, first)
		if rep.Last == 0 {
			require.Empty(t, recs)
		} else {
			require.Len(t, recs, int(rep.Last-rep.First+1))
		}
		for i, r := range recs {
			require.Equal(t, first+uint64(i), r.Seq)
		}
		seq, err := l.Append(1, []byte("after"))
		require.NoError(t, err)
		require.Equal(t, rep.Next, seq)
		require.NoError(t, l.Close())
		l, err = Open(cfg)
		require.NoError(t, err)
		again := readAll(t, l, first)
		require.Len(t, again, len(recs)+1)
		require.Equal(t, []byte("after"), again[len(recs)].Payload)
		require.NoError(t, l.Close())
	})
}

// FuzzDecodeFrame checks that decodeFrame never panics and that what it accepts re-encodes to
// the same bytes.
func FuzzDecodeFrame(f *testing.F) {
	good := fuzzSegment(f, 0)
	f.Add(good, uint32(1))
	f.Add(good[42:], uint32(1))
	f.Add(good, uint32(2))
	f.Fuzz(func(t *testing.T, b []byte, seg uint32) {
		h, n, err := decodeFrame(b, seg)
		if err != nil {
			return
		}
		require.GreaterOrEqual(t, n, headerSize)
		require.LessOrEqual(t, n, len(b))
		out := make([]byte, n)
		putHeader(out, &h)
		copy(out[headerSize:], b[headerSize:n])
		sealHeader(out, crc32.Checksum(out[headerSize:], castagnoli))
		require.True(t, bytes.Equal(out, b[:n]), "re-encoding differs")
		if h.count > 0 {
			require.Equal(t, int(h.length), h.recordSize()*int(h.count))
		}
	})
}
