package wal

import (
	"errors"
	"fmt"
	"hash/crc32"
	"path/filepath"
	"sync"
	"sync/atomic"
)

// Log is a write-ahead log: appends from any goroutine, group-committed by one flusher
// goroutine, replayed by Readers, trimmed by consumers' checkpoints. All methods are safe for
// concurrent use.
type Log struct {
	cfg      Config
	fs       FS
	dir      string
	maxBody  int    // largest frame body
	recovery Report // what Open found

	// durable is the highest sequence known durable. Written by the flusher (under mu) and by
	// Open; read without a lock by WaitDurable's fast path, Durable and Readers.
	durable atomic.Uint64

	kick chan struct{} // cap 1: "the flusher has work"; appenders send without blocking
	done chan struct{} // closed when the flusher has exited and closed its files

	ckMu sync.Mutex // serialises Checkpoint's file work

	mu sync.Mutex
	// Appender state, guarded by mu.
	cur, free *buffer           // cur is being filled; free is nil while the flusher writes it
	nextSeq   uint64            // sequence of the next record
	segNum    uint64            // segment the next frame goes to
	segOff    int64             // offset in it
	segCap    int64             // its size
	segs      []segInfo         // retained segments, oldest first; the last is segNum
	ckpts     map[string]uint64 // consumer checkpoints
	syncReq   uint64            // a caller waits for this sequence regardless of the policy
	closing   bool              // Close was called: appends fail with ErrClosed
	err       error             // the poison: set once by the flusher, never cleared
	space     sync.Cond         // a buffer was freed, or the log failed
	synced    sync.Cond         // durable advanced, or the log failed or finished

	// Flusher state, owned by the flusher goroutine.
	file       File   // the segment being written
	fileNum    uint64 // its number
	fileOff    int64  // end of the last write to it
	fileDirty  bool   // written since its last sync
	spareAsked bool   // the next segment has been requested from pre
	pre        *preallocator
}

// segInfo is one retained segment's sequence range. Guarded by Log.mu.
type segInfo struct {
	num         uint64
	size        int64
	first, last uint64 // record sequences; 0, 0 while it holds none
}

// buffer is a run of encoded frames waiting for the flusher.
type buffer struct {
	b    []byte // frames back to back; cap is Config.BufferSize
	seg  uint64 // segment that b[0] goes to
	off  int64  // offset in that segment
	cuts []cut  // places where the following frames go to the next segment
	last uint64 // highest record sequence in b; 0 if none
}

// cut is a segment boundary inside a buffer.
type cut struct {
	at   int    // offset in buffer.b
	seg  uint64 // segment that b[at:] goes to
	last uint64 // highest record sequence before at (what a sync of the old segment covers)
}

func (b *buffer) reset(seg uint64, off int64) {
	b.b, b.seg, b.off, b.cuts, b.last = b.b[:0], seg, off, b.cuts[:0], 0
}

// Open opens the log in cfg.Dir, creating the directory and the first segment if needed. On an
// existing directory it recovers (see the package comment): it removes temporary files, zeroes a
// torn tail of the last written segment and syncs it, and resumes appending after the last valid
// frame. It fails with ErrCorrupt, naming the segment and offset, if damage reaches data that
// the log had made durable. Recovering the same directory twice gives the same log.
func Open(cfg Config) (*Log, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	l := &Log{
		cfg: cfg, fs: cfg.FS, dir: filepath.Clean(cfg.Dir), maxBody: cfg.maxFrameBody(),
		kick: make(chan struct{}, 1), done: make(chan struct{}), ckpts: map[string]uint64{},
	}
	l.space.L, l.synced.L = &l.mu, &l.mu
	if err := l.fs.MkdirAll(l.dir); err != nil {
		return nil, fmt.Errorf("wal: open %s: %w", l.dir, err)
	}
	a, err := analyze(l.fs, l.dir)
	if err != nil {
		return nil, err
	}
	l.recovery = a.report
	if a.err != nil {
		return nil, a.err
	}
	if err := l.recover(&a); err != nil {
		if l.file != nil {
			l.file.Close()
		}
		if l.pre != nil {
			l.pre.stop()
		}
		return nil, err
	}
	l.cur = &buffer{b: make([]byte, 0, cfg.BufferSize), seg: l.segNum, off: l.segOff}
	l.free = &buffer{b: make([]byte, 0, cfg.BufferSize)}
	go l.flushLoop()
	return l, nil
}

// recover turns the analysis into a running state: it repairs the directory, opens the
// segment to append to, and starts the preallocator with the spare and the free segments.
func (l *Log) recover(a *analysis) error {
	r := &a.report
	for _, c := range r.Checkpoints {
		l.ckpts[c.Name] = c.Seq
	}
	l.nextSeq = r.Next
	l.durable.Store(r.Next - 1)
	l.pre = newPreallocator(l.fs, l.dir, l.cfg.SegmentSize)

	// The segment to append to: the last written one, else the first one (a spare).
	active := a.active
	if active < 0 && len(a.scans) > 0 {
		active = 0
	}
	// Segments after it hold nothing. The next one stays as the spare if it fits; the others
	// join the free pool or go.
	dirty := len(r.TempFiles) > 0
	for _, t := range r.TempFiles {
		if err := l.fs.Remove(filepath.Join(l.dir, t)); err != nil {
			return fmt.Errorf("wal: remove %s: %w", t, err)
		}
	}
	spareIdx := -1
	var extra []segmentScan
	for i := active + 1; active >= 0 && i < len(a.scans); i++ {
		sc := a.scans[i]
		if i == active+1 && sc.num == a.scans[active].num+1 && sc.size == l.cfg.SegmentSize {
			spareIdx = i
			continue
		}
		extra = append(extra, sc)
	}
	free := r.Free
	for _, sc := range extra {
		dirty = true
		from := filepath.Join(l.dir, segmentName(sc.num))
		if sc.size == l.cfg.SegmentSize && len(free) < maxFree {
			if err := l.fs.Rename(from, filepath.Join(l.dir, freeName(sc.num))); err != nil {
				return fmt.Errorf("wal: recycle %s: %w", from, err)
			}
			free = append(free, freeName(sc.num))
			continue
		}
		if err := l.fs.Remove(from); err != nil {
			return fmt.Errorf("wal: remove %s: %w", from, err)
		}
	}
	for _, name := range free {
		if !l.pre.addFree(name) {
			dirty = true
			if err := l.fs.Remove(filepath.Join(l.dir, name)); err != nil {
				return fmt.Errorf("wal: remove %s: %w", name, err)
			}
		}
	}
	if dirty {
		if err := l.fs.SyncDir(l.dir); err != nil {
			return fmt.Errorf("wal: open %s: %w", l.dir, err)
		}
	}

	if active < 0 {
		f, err := l.pre.recycle(1)
		if f == nil && err == nil {
			f, err = createSegment(l.fs, l.dir, 1, l.cfg.SegmentSize, make([]byte, zeroChunk), nil)
		}
		if err != nil {
			return err
		}
		l.file, l.fileNum = f, 1
		l.segs = []segInfo{{num: 1, size: l.cfg.SegmentSize}}
		l.segNum, l.segCap = 1, l.cfg.SegmentSize
		l.pre.req <- 2
		l.spareAsked = true
		return nil
	}
	for _, s := range a.scans[:active+1] {
		l.segs = append(l.segs, segInfo{num: s.num, size: s.size, first: s.first, last: s.last})
	}
	s := &a.scans[active]
	name := filepath.Join(l.dir, segmentName(s.num))
	f, err := l.fs.Open(name)
	if err != nil {
		return fmt.Errorf("wal: open segment: %w", err)
	}
	l.file, l.fileNum = f, s.num
	if r.Torn != nil {
		if err := zeroRange(f, s.end, s.repairEnd()); err != nil {
			return fmt.Errorf("wal: repair torn tail of %s: %w", name, err)
		}
	}
	// What survived a process crash may sit only in the page cache: make it durable before
	// reporting it durable.
	if err := f.Sync(); err != nil {
		return fmt.Errorf("wal: sync %s: %w", name, err)
	}
	l.segNum, l.segOff, l.segCap = s.num, s.end, s.size
	l.fileOff = s.end
	if spareIdx >= 0 {
		num := a.scans[spareIdx].num
		sp, err := l.fs.Open(filepath.Join(l.dir, segmentName(num)))
		if err != nil {
			return fmt.Errorf("wal: open segment: %w", err)
		}
		l.pre.res <- spare{num: num, f: sp}
	} else {
		l.pre.req <- s.num + 1
	}
	l.spareAsked = true
	return nil
}

// zeroRange writes zeros over [from, to) of f.
func zeroRange(f File, from, to int64) error {
	zeros := make([]byte, min(zeroChunk, to-from))
	for off := from; off < to; off += int64(len(zeros)) {
		if _, err := f.WriteAt(zeros[:min(int64(len(zeros)), to-off)], off); err != nil {
			return err
		}
	}
	return nil
}

// Recovery returns what Open found in the directory before repairing it.
func (l *Log) Recovery() Report { return l.recovery }

// Dir returns the log's directory.
func (l *Log) Dir() string { return l.dir }

// Durable returns the highest sequence that is durable: every record with a sequence at or
// below it survives a crash. It is an atomic load, cheap enough to poll from a hot loop.
func (l *Log) Durable() uint64 { return l.durable.Load() }

// Last returns the sequence of the last record appended (durable or not); 0 if none.
func (l *Log) Last() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.nextSeq - 1
}

// Err returns the error that poisoned the log, or nil.
func (l *Log) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// MaxRecordSize returns the largest record Append accepts.
func (l *Log) MaxRecordSize() int { return l.maxBody }

// Append appends one record of type typ and returns its sequence once it is durable (under
// SyncNone, once it is buffered). The payload is copied; the caller may reuse it at once.
func (l *Log) Append(typ byte, payload []byte) (uint64, error) {
	seq, err := l.AppendAsync(typ, payload)
	if err != nil || l.cfg.Sync == SyncNone {
		return seq, err
	}
	return seq, l.WaitDurable(seq)
}

// AppendBatch appends len(records)/size records of size bytes each, all of type typ, and
// returns the sequence of the last one once all are durable (under SyncNone, once buffered).
// They get consecutive sequences and go in as few frames as fit (one, up to the buffer size).
func (l *Log) AppendBatch(typ byte, size int, records []byte) (uint64, error) {
	seq, err := l.AppendBatchAsync(typ, size, records)
	if err != nil || l.cfg.Sync == SyncNone {
		return seq, err
	}
	return seq, l.WaitDurable(seq)
}

// AppendAsync appends one record and returns its sequence without waiting for it to be durable;
// use WaitDurable, Durable or Config.OnDurable to learn when it is. It blocks only while both
// buffers are full (the disk is behind). The payload is copied. It does not allocate.
func (l *Log) AppendAsync(typ byte, payload []byte) (uint64, error) {
	if len(payload) == 0 {
		return 0, errors.New("wal: empty record")
	}
	if len(payload) > l.maxBody {
		return 0, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(payload), l.maxBody)
	}
	return l.appendFrame(typ, 1, payload, crc32.Checksum(payload, castagnoli))
}

// AppendBatchAsync is AppendBatch without the wait: it returns the last record's sequence (the
// first is that minus len(records)/size, plus one). Records of one call are contiguous in
// sequence but may be split over frames; a crash keeps a prefix of them. It does not allocate.
func (l *Log) AppendBatchAsync(typ byte, size int, records []byte) (uint64, error) {
	if size <= 0 || len(records) == 0 || len(records)%size != 0 {
		return 0, fmt.Errorf("wal: batch of %d bytes is not a whole number of %d-byte records", len(records), size)
	}
	if size > l.maxBody {
		return 0, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, size, l.maxBody)
	}
	per := min(l.maxBody/size, maxRecordsPerFrame)
	var last uint64
	for len(records) > 0 {
		k := min(len(records)/size, per)
		body := records[:k*size]
		seq, err := l.appendFrame(typ, k, body, crc32.Checksum(body, castagnoli))
		if err != nil {
			return 0, err
		}
		last = seq + uint64(k) - 1
		records = records[k*size:]
	}
	return last, nil
}

// appendFrame encodes one frame of count records into the current buffer and returns the
// sequence of its first record. bodyCRC is the checksum of body, computed before the lock.
func (l *Log) appendFrame(typ byte, count int, body []byte, bodyCRC uint32) (uint64, error) {
	n := headerSize + len(body)
	l.mu.Lock()
	for {
		if l.err != nil {
			err := l.err
			l.mu.Unlock()
			return 0, err
		}
		if l.closing {
			l.mu.Unlock()
			return 0, ErrClosed
		}
		if len(l.cur.b)+n <= cap(l.cur.b) {
			break
		}
		l.kickFlusher()
		l.space.Wait()
	}
	seq := l.encodeLocked(typ, count, body, bodyCRC)
	l.mu.Unlock()
	l.kickFlusher()
	return seq, nil
}

// encodeLocked places a frame in the current buffer, rotating to the next segment if it does
// not fit in this one. l.mu must be held and the buffer must have room.
func (l *Log) encodeLocked(typ byte, count int, body []byte, bodyCRC uint32) uint64 {
	n := int64(headerSize + len(body))
	b := l.cur
	if l.segOff+n > l.segCap {
		l.segNum++
		l.segOff, l.segCap = 0, l.cfg.SegmentSize
		b.cuts = append(b.cuts, cut{at: len(b.b), seg: l.segNum, last: l.nextSeq - 1})
		l.segs = append(l.segs, segInfo{num: l.segNum, size: l.segCap})
	}
	seq := l.nextSeq
	h := frameHeader{
		segment: uint32(l.segNum), seq: seq, durable: l.durable.Load(),
		length: uint32(len(body)), count: uint16(count), typ: typ,
	}
	pos := len(b.b)
	b.b = b.b[:pos+int(n)]
	f := b.b[pos:]
	putHeader(f, &h)
	copy(f[headerSize:], body)
	sealHeader(f, bodyCRC)
	l.segOff += n
	if count > 0 {
		l.nextSeq += uint64(count)
		b.last = l.nextSeq - 1
		s := &l.segs[len(l.segs)-1]
		if s.first == 0 {
			s.first = seq
		}
		s.last = l.nextSeq - 1
	}
	return seq
}

// kickFlusher tells the flusher there is work, without blocking.
func (l *Log) kickFlusher() {
	select {
	case l.kick <- struct{}{}:
	default:
	}
}

// WaitDurable blocks until the record with sequence seq is durable, or the log fails or closes
// first. Under SyncNone it requests a sync. It returns nil at once if seq is already durable,
// even on a failed log.
func (l *Log) WaitDurable(seq uint64) error {
	if l.durable.Load() >= seq {
		return nil
	}
	return l.waitSlow(seq, l.cfg.Sync == SyncNone)
}

func (l *Log) waitSlow(seq uint64, request bool) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if seq >= l.nextSeq {
		return fmt.Errorf("wal: sequence %d has not been appended (last %d)", seq, l.nextSeq-1)
	}
	if request && l.syncReq < seq {
		l.syncReq = seq
		l.kickFlusher()
	}
	for l.durable.Load() < seq {
		if l.err != nil {
			return l.err
		}
		select {
		case <-l.done:
			return ErrClosed
		default:
		}
		l.synced.Wait()
	}
	return nil
}

// Sync makes every record appended so far durable, whatever the policy, and waits for it.
func (l *Log) Sync() error {
	l.mu.Lock()
	seq := l.nextSeq - 1
	l.mu.Unlock()
	if l.durable.Load() >= seq {
		return nil
	}
	return l.waitSlow(seq, true)
}

// Close flushes and syncs what was appended, writes a marker frame that records it all as
// durable (so later damage to the last frames is detected, not taken for a torn tail), and
// stops the flusher. Appends after Close fail with ErrClosed. It returns the poison error if the
// log had failed, and ErrClosed if called twice.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closing {
		l.mu.Unlock()
		<-l.done
		return ErrClosed
	}
	l.closing = true
	l.mu.Unlock()
	l.kickFlusher()
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	l.synced.Broadcast()
	return l.err
}
