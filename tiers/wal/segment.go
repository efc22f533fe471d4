package wal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// File names in a log directory.
const (
	segmentSuffix    = ".wal"
	tmpSuffix        = ".tmp"
	checkpointPrefix = "checkpoint-"
)

// segmentName returns the file name of segment n: 16 hex digits, so names sort by number.
func segmentName(n uint64) string { return fmt.Sprintf("%016x%s", n, segmentSuffix) }

// parseSegmentName returns the number of the segment named s.
func parseSegmentName(s string) (uint64, bool) {
	hex, ok := strings.CutSuffix(s, segmentSuffix)
	if !ok || len(hex) != 16 {
		return 0, false
	}
	n, err := strconv.ParseUint(hex, 16, 64)
	return n, err == nil && n != 0
}

// segmentScan is what one pass over a segment's bytes found.
type segmentScan struct {
	num  uint64
	size int64

	// The valid prefix: frames from offset 0 whose checksums hold and whose sequences continue
	// from the expected one.
	frames  int
	records uint64
	first   uint64 // first record's sequence; 0 if the prefix holds no records
	last    uint64 // last record's sequence; 0 if none
	next    uint64 // sequence expected after the prefix (the expected one at entry if empty)
	end     int64  // offset where the prefix ends
	stop    error  // why it ends: errZeroHeader for a clean end, else the defect at end
	stopSeq uint64 // for errSeqGap, the sequence found at end

	// The residue [end, size): bytes after the prefix.
	lastNonZero   int64  // offset of the last non-zero byte in the segment; -1 if all zero
	residueFrames int    // valid frames found in the residue
	residueClaim  uint64 // highest durable claim among them
}

// errSeqGap reports a valid frame whose sequence does not continue the log.
var errSeqGap = errors.New("sequence gap")

// residueDirty reports whether the segment holds non-zero bytes after its valid prefix.
func (s *segmentScan) residueDirty() bool { return s.lastNonZero >= s.end }

// scanSegment scans the bytes b of segment num. expect is the sequence the segment's first
// frame must carry, 0 if unknown (the first segment of the log).
func scanSegment(b []byte, num, expect uint64) segmentScan {
	s := segmentScan{num: num, size: int64(len(b)), next: expect, lastNonZero: lastNonZero(b)}
	seg := uint32(num)
	var off int
	for {
		h, n, err := decodeFrame(b[off:], seg)
		if err == nil && s.next != 0 && h.seq != s.next {
			err, s.stopSeq = errSeqGap, h.seq
		}
		if err != nil {
			s.end, s.stop = int64(off), err
			break
		}
		s.frames++
		if h.count > 0 {
			if s.first == 0 {
				s.first = h.seq
			}
			s.last = h.last()
			s.records += uint64(h.count)
		}
		s.next = h.seq + uint64(h.count)
		off += n
	}
	if s.residueDirty() {
		s.scanResidue(b, seg)
	}
	return s
}

// scanResidue looks for valid frames at every byte offset after the prefix. A valid frame there
// is left over from writes that a crash tore (its claim is then at most the durable point of
// that crash) or it proves that the prefix was cut short by damage (its claim reaches past the
// prefix).
func (s *segmentScan) scanResidue(b []byte, seg uint32) {
	var want [4]byte
	binary.LittleEndian.PutUint32(want[:], seg)
	// Candidates are found by their segment field (bytes 4..7 of a header) with a vectorised
	// search, so a residue that is mostly zeros or foreign data costs little.
	for p := int(s.end); p+headerSize <= len(b); p++ {
		i := bytes.Index(b[p+4:], want[:])
		if i < 0 {
			return
		}
		p += i
		if p+headerSize > len(b) {
			return
		}
		h, _, err := decodeFrame(b[p:], seg)
		if err != nil {
			continue
		}
		s.residueFrames++
		s.residueClaim = max(s.residueClaim, h.durable)
	}
}

// lastNonZero returns the offset of the last non-zero byte of b, or -1.
func lastNonZero(b []byte) int64 {
	i := len(b)
	for i >= 8 && binary.LittleEndian.Uint64(b[i-8:i]) == 0 {
		i -= 8
	}
	for i > 0 && b[i-1] == 0 {
		i--
	}
	return int64(i) - 1
}
