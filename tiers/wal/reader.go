package wal

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
)

// Record is one record returned by a Reader.
type Record struct {
	Seq  uint64
	Type byte
	// Payload aliases the Reader's buffer: it is valid until the next call to Next.
	Payload []byte
}

// readWindow is the size of a Reader's read-ahead.
const readWindow = 256 << 10

// Reader replays a log's records in sequence order from a starting sequence. It returns only
// durable records, so what it returns survives a crash; when it has caught up, Next returns
// io.EOF and a later Next continues with records made durable since. A Reader is not safe for
// concurrent use; any number of Readers may read one Log while it is appended to.
type Reader struct {
	l    *Log
	next uint64 // sequence of the next record to return

	f       File    // open segment, nil before the first read
	openNum uint64  // its number
	seg     segInfo // the segment that holds next, as last located
	off     int64   // offset of the next frame in f
	win     []byte  // read-ahead window: bytes of f from winOff
	winOff  int64
	frame   []byte // body of the current frame
	hdr     frameHeader
	idx     int // next record index in the current frame
	corrupt error
}

// NewReader returns a Reader positioned at sequence from (1 for the start of the log). If
// from is below the first retained sequence, Next fails with ErrNotRetained.
func (l *Log) NewReader(from uint64) *Reader {
	return &Reader{l: l, next: max(from, 1), win: make([]byte, 0, readWindow)}
}

// Next returns the next durable record, or io.EOF when there is none yet. Damage in what the
// log had made durable yields an error wrapping ErrCorrupt that names the segment and offset;
// after an error other than io.EOF the Reader stays failed.
func (r *Reader) Next() (Record, error) {
	if r.corrupt != nil {
		return Record{}, r.corrupt
	}
	for {
		if r.idx < int(r.hdr.count) {
			size := r.hdr.recordSize()
			seq := r.hdr.seq + uint64(r.idx)
			p := r.frame[r.idx*size : (r.idx+1)*size]
			r.idx++
			if seq < r.next {
				continue
			}
			r.next = seq + 1
			return Record{Seq: seq, Type: r.hdr.typ, Payload: p}, nil
		}
		if r.next > r.l.durable.Load() {
			return Record{}, io.EOF
		}
		if err := r.advance(); err != nil {
			if !errors.Is(err, io.EOF) {
				r.corrupt = err
			}
			return Record{}, err
		}
	}
}

// advance loads the frame that holds (or precedes) r.next.
func (r *Reader) advance() error {
	if r.f == nil || r.next > r.seg.last {
		if err := r.locate(); err != nil {
			return err
		}
	}
	for fresh := false; ; fresh = true {
		h, n, err := r.frameAt(r.off, fresh)
		if err == nil && h.seq > r.next {
			err = fmt.Errorf("%w: expected sequence %d, frame has %d", errSeqGap, r.next, h.seq)
		}
		if err == nil {
			r.hdr, r.idx = h, 0
			r.frame = r.win[r.off-r.winOff+headerSize : r.off-r.winOff+int64(n)]
			r.off += int64(n)
			return nil
		}
		if !isDecodeError(err) {
			return err
		}
		if fresh {
			if !r.retained() {
				// Checkpoints released the segment while we read it, and it was reused.
				return fmt.Errorf("%w: sequence %d: segment %s was released", ErrNotRetained, r.next, segmentName(r.seg.num))
			}
			// A durable record belongs here, and reading the bytes again did not find it.
			return fmt.Errorf("%w: segment %s offset %d: %w", ErrCorrupt, segmentName(r.seg.num), r.off, err)
		}
	}
}

// retained reports whether the Reader's segment is still part of the log.
func (r *Reader) retained() bool {
	r.l.mu.Lock()
	defer r.l.mu.Unlock()
	for _, s := range r.l.segs {
		if s.num == r.seg.num {
			return true
		}
	}
	return false
}

// isDecodeError reports whether err says the bytes are not a valid frame (as opposed to an I/O
// error).
func isDecodeError(err error) bool {
	for _, e := range []error{errZeroHeader, errBadHeader, errBadSegment, errShortFrame, errBadChecksum, errSeqGap} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// locate finds the segment that holds r.next and opens it if it is not the open one.
func (r *Reader) locate() error {
	r.l.mu.Lock()
	var found bool
	var first uint64
	for i, s := range r.l.segs {
		if i == 0 {
			first = s.first
		}
		if s.first != 0 && s.first <= r.next && r.next <= s.last {
			r.seg, found = s, true
			break
		}
	}
	r.l.mu.Unlock()
	if !found {
		if first == 0 || r.next < first {
			return fmt.Errorf("%w: sequence %d, first retained %d", ErrNotRetained, r.next, first)
		}
		return fmt.Errorf("%w: no segment holds durable sequence %d", ErrCorrupt, r.next)
	}
	if r.f != nil && r.openNum == r.seg.num {
		return nil
	}
	if r.f != nil {
		r.f.Close()
		r.f = nil
	}
	f, err := r.l.fs.Open(filepath.Join(r.l.dir, segmentName(r.seg.num)))
	if err != nil {
		return fmt.Errorf("%w: sequence %d: %w", ErrNotRetained, r.next, err)
	}
	r.f, r.openNum, r.off = f, r.seg.num, 0
	r.win, r.winOff = r.win[:0], 0
	r.hdr, r.idx = frameHeader{}, 0
	return nil
}

// frameAt decodes and verifies the frame at off in the open segment, reading it into the window
// if needed (always, if fresh).
func (r *Reader) frameAt(off int64, fresh bool) (frameHeader, int, error) {
	room := r.seg.size - off
	if room < headerSize {
		return frameHeader{}, 0, errShortFrame
	}
	if fresh || !r.has(off, headerSize) {
		if err := r.fill(off, headerSize); err != nil {
			return frameHeader{}, 0, err
		}
	}
	h, err := decodeHeader(r.win[off-r.winOff:], uint32(r.seg.num), room)
	if err != nil {
		return h, 0, err
	}
	n := headerSize + int(h.length)
	if !r.has(off, n) {
		if err := r.fill(off, n); err != nil {
			return h, 0, err
		}
	}
	b := r.win[off-r.winOff:][:n]
	if err := checkFrame(&h, b[:headerSize], b[headerSize:]); err != nil {
		return h, 0, err
	}
	return h, n, nil
}

func (r *Reader) has(off int64, n int) bool {
	return off >= r.winOff && off+int64(n) <= r.winOff+int64(len(r.win))
}

// fill reads at least n bytes (a window's worth if the segment has them) from off.
func (r *Reader) fill(off int64, n int) error {
	size := int(min(int64(max(n, readWindow)), r.seg.size-off))
	if cap(r.win) < size {
		r.win = make([]byte, size)
	}
	r.win = r.win[:size]
	m, err := r.f.ReadAt(r.win, off)
	r.win, r.winOff = r.win[:m], off
	if m >= n {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		return errShortFrame
	}
	return fmt.Errorf("wal: read segment %s: %w", segmentName(r.seg.num), err)
}

// Close releases the Reader's open segment. The Reader must not be used afterwards.
func (r *Reader) Close() error {
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	return err
}
