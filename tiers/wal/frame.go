package wal

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
)

// headerSize is the size in bytes of a frame header (see the package comment for the layout).
const headerSize = 32

// maxRecordsPerFrame is the largest record count a frame header can hold.
const maxRecordsPerFrame = 1<<16 - 1

// castagnoli is the CRC-32C table; the standard library uses the SSE4.2 / ARMv8 instruction.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// frameHeader is a decoded frame header.
type frameHeader struct {
	crc     uint32 // checksum of the body, then of header bytes 4..31
	segment uint32 // low 32 bits of the segment number the frame was written for
	seq     uint64 // sequence of the first record; for a marker frame, the next sequence
	durable uint64 // every record <= durable was durable when the frame was built
	length  uint32 // body bytes
	count   uint16 // records in the body; 0 for a marker frame
	typ     byte   // record type, opaque to the log
	flags   byte   // reserved, 0
}

// recordSize returns the size of each record in the frame (0 for a marker frame).
func (h *frameHeader) recordSize() int {
	if h.count == 0 {
		return 0
	}
	return int(h.length) / int(h.count)
}

// last returns the sequence of the frame's last record (seq-1 for a marker frame).
func (h *frameHeader) last() uint64 { return h.seq + uint64(h.count) - 1 }

// putHeader writes h's fields except the checksum into b[4:headerSize].
func putHeader(b []byte, h *frameHeader) {
	_ = b[headerSize-1]
	binary.LittleEndian.PutUint32(b[4:], h.segment)
	binary.LittleEndian.PutUint64(b[8:], h.seq)
	binary.LittleEndian.PutUint64(b[16:], h.durable)
	binary.LittleEndian.PutUint32(b[24:], h.length)
	binary.LittleEndian.PutUint16(b[28:], h.count)
	b[30] = h.typ
	b[31] = h.flags
}

// frameCRC returns the checksum of a frame whose body checksum is bodyCRC and whose header
// bytes are hdr. The body comes first so that a writer can checksum a large body before it
// takes the lock that assigns the sequence and the segment.
func frameCRC(bodyCRC uint32, hdr []byte) uint32 {
	return crc32.Update(bodyCRC, castagnoli, hdr[4:headerSize])
}

// sealHeader sets the checksum of the frame in b (header then body, bodyCRC precomputed).
func sealHeader(b []byte, bodyCRC uint32) {
	binary.LittleEndian.PutUint32(b[0:], frameCRC(bodyCRC, b))
}

// errFrame values say why decodeHeader rejected a header; the scanners turn them into
// ErrCorrupt with a place, or into the end of a segment's valid prefix.
var (
	errZeroHeader  = errors.New("zero header")
	errBadHeader   = errors.New("invalid header fields")
	errBadSegment  = errors.New("frame from another segment")
	errShortFrame  = errors.New("frame runs past the end of the segment")
	errBadChecksum = errors.New("checksum mismatch")
)

// decodeHeader parses and sanity-checks the header in b[:headerSize] for a frame found in
// segment seg with room bytes of the segment left from the header's start. It does not check the
// checksum; checkFrame does.
func decodeHeader(b []byte, seg uint32, room int64) (frameHeader, error) {
	_ = b[headerSize-1]
	h := frameHeader{
		crc:     binary.LittleEndian.Uint32(b[0:]),
		segment: binary.LittleEndian.Uint32(b[4:]),
		seq:     binary.LittleEndian.Uint64(b[8:]),
		durable: binary.LittleEndian.Uint64(b[16:]),
		length:  binary.LittleEndian.Uint32(b[24:]),
		count:   binary.LittleEndian.Uint16(b[28:]),
		typ:     b[30],
		flags:   b[31],
	}
	if h.crc == 0 && h.segment == 0 && h.seq == 0 && h.durable == 0 && h.length == 0 &&
		h.count == 0 && h.typ == 0 && h.flags == 0 {
		return h, errZeroHeader
	}
	if h.segment != seg {
		return h, errBadSegment
	}
	switch {
	case h.flags != 0, h.seq == 0, h.durable >= h.seq,
		h.count != 0 && h.length%uint32(h.count) != 0,
		h.seq+uint64(h.count) < h.seq: // sequence overflow
		return h, errBadHeader
	}
	if int64(h.length) > room-headerSize {
		return h, errShortFrame
	}
	return h, nil
}

// checkFrame verifies the checksum of the frame whose header is hdr and body is body.
func checkFrame(h *frameHeader, hdr, body []byte) error {
	if frameCRC(crc32.Checksum(body, castagnoli), hdr) != h.crc {
		return errBadChecksum
	}
	return nil
}

// decodeFrame decodes the frame at the start of b, which holds the rest of segment seg. It
// returns the header and the frame's total size. It never panics on any input.
func decodeFrame(b []byte, seg uint32) (frameHeader, int, error) {
	if len(b) < headerSize {
		if isZero(b) {
			return frameHeader{}, 0, errZeroHeader
		}
		return frameHeader{}, 0, errShortFrame
	}
	h, err := decodeHeader(b, seg, int64(len(b)))
	if err != nil {
		return h, 0, err
	}
	n := headerSize + int(h.length)
	if err := checkFrame(&h, b[:headerSize], b[headerSize:n]); err != nil {
		return h, 0, err
	}
	return h, n, nil
}

// isZero reports whether b holds only zero bytes.
func isZero(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b) != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
