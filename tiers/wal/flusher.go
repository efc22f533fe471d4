package wal

import (
	"errors"
	"fmt"
	"hash/crc32"
	"path/filepath"
	"time"
)

// flushState is the flusher goroutine's own state.
type flushState struct {
	written  uint64 // highest record sequence written to a segment (synced or not)
	lastSync time.Time
	timer    *time.Timer // SyncInterval only
	timerC   <-chan time.Time
	sealed   bool // Close's marker frame has been written (or skipped for lack of room)
}

// flushLoop is the flusher goroutine: the only writer of segment files. Each pass takes the
// whole current buffer (everything appended while the previous pass wrote and synced), writes it
// with one WriteAt per segment it touches, and syncs per the policy; a sync therefore commits
// every record appended before it began (group commit). It sleeps on the kick channel, never on
// a timer, except for SyncInterval's deadline.
func (l *Log) flushLoop() {
	st := flushState{written: l.durable.Load(), lastSync: time.Now()}
	defer l.finish(&st)
	for {
		work, exit := l.flushOnce(&st)
		if exit {
			return
		}
		if work {
			continue
		}
		select {
		case <-l.kick:
		case <-st.timerC:
			st.timerC = nil
		}
	}
}

// flushOnce does one pass. It reports whether it did anything and whether the flusher is done.
func (l *Log) flushOnce(st *flushState) (work, exit bool) {
	l.mu.Lock()
	if l.err != nil {
		l.mu.Unlock()
		return false, true
	}
	b := l.takeLocked()
	closing := l.closing
	if closing && b == nil && st.written == l.nextSeq-1 && l.durable.Load() == st.written {
		if st.sealed {
			l.mu.Unlock()
			return false, true
		}
		// Everything is durable: write a marker frame that records it as such, so that damage to
		// the last frames is reported as corruption rather than mistaken for a torn tail.
		st.sealed = true
		if !l.sealLocked() {
			// No room for the marker: the full segment stays as it is.
			l.mu.Unlock()
			return false, true
		}
		b = l.takeLocked()
	}
	req := l.syncReq
	l.mu.Unlock()

	var err error
	if b != nil {
		err = l.writeBuffer(b, st)
	}
	durable := l.durable.Load()
	unsynced := st.written > durable || (b != nil && st.sealed)
	due := unsynced && (l.cfg.Sync == SyncEveryBatch || closing || req > durable ||
		(l.cfg.Sync == SyncInterval && time.Since(st.lastSync) >= l.cfg.SyncInterval))
	if err == nil && due {
		err = l.syncFile(st)
	}

	l.mu.Lock()
	if b != nil {
		l.free = b
		l.space.Broadcast()
	}
	if err != nil {
		l.failLocked(err)
		l.mu.Unlock()
		return false, true
	}
	advanced := due && st.written > durable
	if advanced {
		l.durable.Store(st.written)
		l.synced.Broadcast()
	}
	l.mu.Unlock()
	if advanced && l.cfg.OnDurable != nil {
		l.cfg.OnDurable(st.written)
	}
	if unsynced && !due && st.timerC == nil && l.cfg.Sync == SyncInterval {
		d := l.cfg.SyncInterval - time.Since(st.lastSync)
		if st.timer == nil {
			st.timer = time.NewTimer(d)
		} else {
			st.timer.Reset(d)
		}
		st.timerC = st.timer.C
	}
	return b != nil || due, false
}

// zeroSector is the padding body of sealing markers. Never written to.
var zeroSector [sectorSize]byte

// sealLocked encodes Close's marker frames: their durable field covers every record, so that
// damage to the last data frames is reported rather than taken for a torn tail. The marker that
// vouches is placed at the start of a sector of its own (after a padding marker if needed), so
// that one lost or zeroed sector cannot take the last data and its voucher together. It reports
// false if the segment has no room for even one marker. l.mu must be held; cur must be empty.
func (l *Log) sealLocked() bool {
	room := min(l.segCap-l.segOff, int64(cap(l.cur.b)))
	if room < headerSize {
		return false
	}
	if l.segOff%sectorSize != 0 {
		pad := (sectorSize - (l.segOff+headerSize)%sectorSize) % sectorSize
		if 2*headerSize+pad <= room {
			body := zeroSector[:pad]
			l.encodeLocked(0, 0, body, crc32.Checksum(body, castagnoli))
		}
	}
	l.encodeLocked(0, 0, nil, 0)
	return true
}

// takeLocked swaps out the current buffer if it holds anything and returns it; nil if empty or
// if the flusher still holds the other buffer. l.mu must be held.
func (l *Log) takeLocked() *buffer {
	if len(l.cur.b) == 0 || l.free == nil {
		return nil
	}
	b := l.cur
	l.cur, l.free = l.free, nil
	l.cur.reset(l.segNum, l.segOff)
	l.space.Broadcast()
	return b
}

// failLocked poisons the log with err. l.mu must be held.
func (l *Log) failLocked(err error) {
	if l.err == nil {
		l.err = err
	}
	l.space.Broadcast()
	l.synced.Broadcast()
}

// writeBuffer writes b's frames to their segments, rotating at each cut.
func (l *Log) writeBuffer(b *buffer, st *flushState) error {
	if b.seg != l.fileNum {
		return fmt.Errorf("%w: internal: buffer for segment %d, flusher on %d", ErrFailed, b.seg, l.fileNum)
	}
	start, off := 0, b.off
	for _, c := range b.cuts {
		if c.at > start {
			if err := l.writeAt(b.b[start:c.at], off); err != nil {
				return err
			}
		}
		st.written = max(st.written, c.last)
		if err := l.rotate(c, st); err != nil {
			return err
		}
		start, off = c.at, 0
	}
	if len(b.b) > start {
		if err := l.writeAt(b.b[start:], off); err != nil {
			return err
		}
	}
	st.written = max(st.written, b.last)
	// Ask for the next segment once this one is a quarter full: late enough that segments
	// freed by checkpoints meanwhile can be recycled, early enough to zero-fill a new one.
	if !l.spareAsked && l.fileOff*4 >= l.cfg.SegmentSize {
		l.pre.req <- l.fileNum + 1
		l.spareAsked = true
	}
	return nil
}

func (l *Log) writeAt(p []byte, off int64) error {
	if _, err := l.file.WriteAt(p, off); err != nil {
		return failure("write", segmentName(l.fileNum), err)
	}
	l.fileOff = off + int64(len(p))
	l.fileDirty = true
	return nil
}

// syncFile syncs the segment being written.
func (l *Log) syncFile(st *flushState) error {
	if err := l.file.Sync(); err != nil {
		return failure("fdatasync", segmentName(l.fileNum), err)
	}
	l.fileDirty = false
	st.lastSync = time.Now()
	return nil
}

// rotate syncs the full segment (whatever the policy: recovery relies on every segment but the
// last written one being synced whole) and switches to the preallocated next one.
func (l *Log) rotate(c cut, st *flushState) error {
	if l.fileDirty {
		if err := l.syncFile(st); err != nil {
			return err
		}
	}
	l.publish(st.written)
	l.file.Close()
	l.file = nil
	if !l.spareAsked {
		l.pre.req <- c.seg
	}
	sp := <-l.pre.res
	l.spareAsked = false
	if errors.Is(sp.err, ErrNoSpace) {
		// One more try, here: a checkpoint may have freed space since. Only for a full disk:
		// after a failed fsync nothing is retried.
		f, err := createSegment(l.fs, l.dir, c.seg, l.cfg.SegmentSize, make([]byte, zeroChunk), nil)
		if err != nil {
			return err
		}
		sp = spare{num: c.seg, f: f}
	}
	if sp.err != nil {
		return sp.err
	}
	if sp.num != c.seg {
		sp.f.Close()
		return fmt.Errorf("%w: internal: spare segment %d, want %d", ErrFailed, sp.num, c.seg)
	}
	l.file, l.fileNum, l.fileOff = sp.f, sp.num, 0
	return nil
}

// publish raises the durable sequence to seq after a sync that covered it.
func (l *Log) publish(seq uint64) {
	l.mu.Lock()
	advanced := seq > l.durable.Load()
	if advanced {
		l.durable.Store(seq)
		l.synced.Broadcast()
	}
	l.mu.Unlock()
	if advanced && l.cfg.OnDurable != nil {
		l.cfg.OnDurable(seq)
	}
}

// finish runs as the flusher exits: it closes the segment, stops the preallocator and wakes
// every waiter.
func (l *Log) finish(st *flushState) {
	if l.file != nil {
		if err := l.file.Close(); err != nil {
			l.mu.Lock()
			if l.err == nil && l.durable.Load() < l.nextSeq-1 {
				l.err = failure("close", filepath.Join(l.dir, segmentName(l.fileNum)), err)
			}
			l.mu.Unlock()
		}
	}
	l.pre.stop()
	if st.timer != nil {
		st.timer.Stop()
	}
	close(l.done)
	l.mu.Lock()
	l.space.Broadcast()
	l.synced.Broadcast()
	l.mu.Unlock()
}
