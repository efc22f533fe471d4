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
	freeSuffix       = ".free"
	checkpointPrefix = "checkpoint-"
)

// segmentName returns the file name of segment n: 16 hex digits, so names sort by number.
func segmentName(n uint64) string { return fmt.Sprintf("%016x%s", n, segmentSuffix) }

// freeName returns the name under which deleted segment n waits to be reused.
func freeName(n uint64) string { return fmt.Sprintf("%016x%s", n, freeSuffix) }

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
	start   uint64 // sequence of the prefix's first frame (a record's or a marker's); 0 if none
	first   uint64 // first record's sequence; 0 if the prefix holds no records
	last    uint64 // last record's sequence; 0 if none
	next    uint64 // sequence expected after the prefix (the expected one at entry if empty)
	end     int64  // offset where the prefix ends
	stop    error  // why it ends: errZeroHeader for zeros, else the defect at end
	stopSeq uint64 // for errSeqGap, the sequence found at end

	// stopOwn is set if the prefix ends at a damaged frame of this segment: its header carries
	// this segment's number and the expected sequence, but the frame does not verify. Zeros,
	// and frames left from an earlier use of a recycled file, are not the segment's own.
	stopOwn bool
	stopEnd int64 // if stopOwn, the end of the damaged frame's extent as far as it can be told

	// Valid frames of this segment found after the prefix.
	residueFrames int
	residueClaim  uint64 // highest durable claim among them
	residueEnd    int64  // end of the last of them
	// ownEnd is the end of the last frame after the prefix whose header is the segment's own
	// (see ownHeader) with a sequence at or past the prefix's end, valid or not: what a crashed
	// writer may have left that could pass for a frame, or for damage, later.
	ownEnd int64
}

// errSeqGap reports a valid frame whose sequence does not continue the log.
var errSeqGap = errors.New("sequence gap")

// ownHeader reports whether a header that decodeHeader (err) or checkFrame rejected still
// looks like one the log wrote for segment seg: its fields are sane and only the checksum, or
// the length reaching past the segment, is wrong. That is what a torn write of a frame leaves.
func ownHeader(h *frameHeader, err error, seg uint32) bool {
	return h.segment == seg && (err == nil || errors.Is(err, errBadChecksum) || errors.Is(err, errShortFrame))
}

// written reports whether the log ever wrote to this segment (as far as its bytes tell): a
// segment with no frame of its own number is a spare, whatever stale bytes it holds.
func (s *segmentScan) written() bool {
	return s.frames > 0 || s.stopOwn || s.residueFrames > 0 || s.ownEnd > s.end
}

// repairEnd returns the end of the bytes after the prefix that recovery zeroes if the segment
// has a torn tail: the damaged frame and everything after it that carries this segment's number
// and a sequence not yet used, so that nothing of the crashed writer can reappear behind (or be
// mistaken for damage after) later appends.
func (s *segmentScan) repairEnd() int64 { return max(s.end, s.stopEnd, s.residueEnd, s.ownEnd) }

// scanSegment scans the bytes b of segment num. expect is the sequence the segment's first
// frame must carry, 0 if unknown (the first segment of the log).
func scanSegment(b []byte, num, expect uint64) segmentScan {
	s := segmentScan{num: num, size: int64(len(b)), next: expect}
	seg := uint32(num)
	var off int
	for {
		h, n, err := decodeFrame(b[off:], seg)
		if err == nil && s.next != 0 && h.seq != s.next {
			err, s.stopSeq = errSeqGap, h.seq
		}
		if err != nil {
			s.end, s.stop = int64(off), err
			if ownHeader(&h, err, seg) && (s.next == 0 || h.seq == s.next) {
				s.stopOwn = true
				s.stopEnd = min(int64(off)+headerSize+int64(h.length), s.size)
			}
			break
		}
		if s.frames == 0 {
			s.start = h.seq
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
	s.scanResidue(b, seg)
	return s
}

// scanResidue looks for valid frames of this segment at every byte offset after the prefix. One
// there is left over from writes that a crash tore (its claim is then at most the durable point
// of that crash) or it proves that the prefix was cut short by damage (its claim reaches past
// the prefix, or the segment is not the last written).
func (s *segmentScan) scanResidue(b []byte, seg uint32) {
	var want [4]byte
	binary.LittleEndian.PutUint32(want[:], seg)
	// Candidates are found by their segment field (bytes 4..7 of a header) with a vectorised
	// search, so a residue of zeros or of another segment's frames costs little.
	start := int(s.end) + 1
	if s.stop == nil || errors.Is(s.stop, errZeroHeader) {
		start = int(s.end)
	}
	for p := start; p+headerSize <= len(b); p++ {
		i := bytes.Index(b[p+4:], want[:])
		if i < 0 {
			return
		}
		p += i
		if p+headerSize > len(b) {
			return
		}
		h, err := decodeHeader(b[p:], seg, int64(len(b)-p))
		if ownHeader(&h, err, seg) && h.seq >= s.next {
			s.ownEnd = max(s.ownEnd, min(int64(p+headerSize)+int64(h.length), int64(len(b))))
		}
		if err != nil {
			continue
		}
		n := headerSize + int(h.length)
		if checkFrame(&h, b[p:p+headerSize], b[p+headerSize:p+n]) != nil {
			continue
		}
		s.residueFrames++
		s.residueClaim = max(s.residueClaim, h.durable)
		s.residueEnd = max(s.residueEnd, int64(p+n))
	}
}
