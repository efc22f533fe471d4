package wal

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// smallLog builds a log of a few segments of 4 KiB holding 60 records of assorted sizes, each
// appended on its own (one frame, one sync each), and returns the MemFS state with the records.
// With sealed it is closed (its last frame a marker that vouches for the rest); otherwise it is
// the state of a crash right after the last sync.
func smallLog(t *testing.T, sealed bool) (*MemFS, [][]byte) {
	t.Helper()
	m := NewMemFS()
	l, err := Open(Config{Dir: "/wal", FS: m, SegmentSize: 4 << 10, BufferSize: 1 << 10})
	require.NoError(t, err)
	var recs [][]byte
	for i := range 60 {
		p := testRecord(uint64(i + 1))[:20+(i*37)%108]
		_, err := l.Append(byte(i), p)
		require.NoError(t, err)
		recs = append(recs, p)
	}
	if !sealed {
		c := m.Crash(nil)
		require.NoError(t, l.Close())
		return c, recs
	}
	require.NoError(t, l.Close())
	return m, recs
}

// cloneWith copies the files of m's /wal, replacing the named one's contents.
func cloneWith(t *testing.T, m *MemFS, name string, data []byte) *MemFS {
	t.Helper()
	c := NewMemFS()
	require.NoError(t, c.MkdirAll("/wal"))
	names, err := m.List("/wal")
	require.NoError(t, err)
	for _, n := range names {
		b, err := m.ReadFile(filepath.Join("/wal", n))
		require.NoError(t, err)
		if n == name {
			b = data
		}
		require.NoError(t, c.WriteFile(filepath.Join("/wal", n), b))
	}
	return c
}

// written returns the written segments of m's log and where each one's data ends.
func written(t *testing.T, m *MemFS) ([]string, []int64) {
	t.Helper()
	rep, err := Inspect(m, "/wal")
	require.NoError(t, err)
	var names []string
	var ends []int64
	for _, s := range rep.Segments {
		if !s.Spare {
			names, ends = append(names, s.Name), append(ends, s.End)
		}
	}
	require.GreaterOrEqual(t, len(names), 2, "the small log spans segments")
	return names, ends
}

// recoverRecords opens the log on m and returns its payloads, or the error Open gave.
func recoverRecords(t *testing.T, m *MemFS) ([][]byte, error) {
	t.Helper()
	l, err := Open(Config{Dir: "/wal", FS: m, SegmentSize: 4 << 10, BufferSize: 1 << 10})
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for _, r := range readAll(t, l, 1) {
		out = append(out, r.Payload)
	}
	require.NoError(t, l.Close())
	return out, nil
}

// damaged checks one damaged copy: Open either fails with ErrCorrupt naming the segment and an
// offset, or recovers a prefix of the records at least minKeep long, byte for byte.
func damaged(t *testing.T, m *MemFS, seg string, want [][]byte, minKeep int, what string) bool {
	t.Helper()
	got, err := recoverRecords(t, m)
	if err != nil {
		require.ErrorIs(t, err, ErrCorrupt, what)
		require.Contains(t, err.Error(), seg, what)
		require.Contains(t, err.Error(), "offset", what)
		return true
	}
	require.GreaterOrEqual(t, len(got), minKeep, "%s: records lost silently", what)
	require.LessOrEqual(t, len(got), len(want), what)
	for i := range got {
		require.Equal(t, want[i], got[i], "%s: record %d", what, i+1)
	}
	return false
}

// TestCorruptBitFlipEveryOffset flips one bit at every offset of every written segment of a
// small log. After a clean Close every flip in data is reported as corruption or leaves every
// record intact (the flip hit the closing marker or the zeros after it). After a crash, a flip
// in the last frame - which no later frame vouches for - may be taken for a torn write; any
// other flip is reported.
func TestCorruptBitFlipEveryOffset(t *testing.T) {
	for _, sealed := range []bool{true, false} {
		t.Run(fmt.Sprintf("sealed=%v", sealed), func(t *testing.T) {
			m, recs := smallLog(t, sealed)
			names, ends := written(t, m)
			minKeep := len(recs)
			if !sealed {
				minKeep--
			}
			var flips, reported int
			for i, name := range names {
				orig, err := m.ReadFile(filepath.Join("/wal", name))
				require.NoError(t, err)
				for off := int64(0); off < ends[i]+8 && off < int64(len(orig)); off++ {
					b := append([]byte(nil), orig...)
					b[off] ^= 1 << (off % 8)
					flips++
					if damaged(t, cloneWith(t, m, name, b), name, recs, minKeep, fmt.Sprintf("flip %s@%d", name, off)) {
						reported++
					}
				}
			}
			t.Logf("%d flips: %d reported as corruption, the rest recovered at least %d of %d records intact", flips, reported, minKeep, len(recs))
		})
	}
}

// TestCorruptZeroedSectors zeroes each 512-byte sector of the written segments in turn.
func TestCorruptZeroedSectors(t *testing.T) {
	m, recs := smallLog(t, true)
	names, ends := written(t, m)
	for i, name := range names {
		orig, err := m.ReadFile(filepath.Join("/wal", name))
		require.NoError(t, err)
		for off := int64(0); off < ends[i]; off += sectorSize {
			b := append([]byte(nil), orig...)
			clear(b[off:min(off+sectorSize, int64(len(b)))])
			damaged(t, cloneWith(t, m, name, b), name, recs, len(recs), fmt.Sprintf("zero %s@%d", name, off))
		}
	}
}

// TestCorruptTornWriteEveryOffset tears the last write of a crashed log at every offset: the
// bytes from the tear on were never written. Recovery must repair it without error and keep
// exactly the frames that lie wholly before the tear.
func TestCorruptTornWriteEveryOffset(t *testing.T) {
	m, recs := smallLog(t, false)
	names, ends := written(t, m)
	last := names[len(names)-1]
	orig, err := m.ReadFile(filepath.Join("/wal", last))
	require.NoError(t, err)
	// The frames of the last segment: records before it, then frame boundaries.
	rep, err := Inspect(m, "/wal")
	require.NoError(t, err)
	var before int
	var firstInLast uint64
	for _, s := range rep.Segments {
		if s.Name == last {
			firstInLast = s.First
			break
		}
		before += int(s.Records)
	}
	require.Equal(t, uint64(before+1), firstInLast)
	var bounds []int64 // end offsets of the frames in the last segment
	for off := int64(0); off < ends[len(ends)-1]; {
		h, n, err := decodeFrame(orig[off:], uint32(mustParse(t, last)))
		require.NoError(t, err)
		require.EqualValues(t, 1, h.count)
		off += int64(n)
		bounds = append(bounds, off)
	}
	lastStart := int64(0)
	if len(bounds) > 1 {
		lastStart = bounds[len(bounds)-2]
	}
	for cut := lastStart; cut < ends[len(ends)-1]; cut++ {
		b := append([]byte(nil), orig...)
		clear(b[cut:ends[len(ends)-1]])
		got, err := recoverRecords(t, cloneWith(t, m, last, b))
		require.NoError(t, err, "tear at %d", cut)
		require.Len(t, got, len(recs)-1, "tear at %d keeps every frame before it", cut)
	}
	// And a tear across several frames of one write: drop everything after a frame boundary.
	for i, end := range bounds {
		b := append([]byte(nil), orig...)
		clear(b[end:ends[len(ends)-1]])
		got, err := recoverRecords(t, cloneWith(t, m, last, b))
		require.NoError(t, err)
		require.Len(t, got, before+i+1)
	}
}

func mustParse(t *testing.T, name string) uint64 {
	n, ok := parseSegmentName(name)
	require.True(t, ok, name)
	return n
}
