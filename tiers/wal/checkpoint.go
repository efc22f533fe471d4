package wal

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"path/filepath"
)

// A checkpoint file holds one consumer's finished sequence:
//
//	+--------+----------------+---------+
//	| "HPCK" | seq (u64 LE)   | CRC-32C |   16 bytes; the CRC covers bytes 0..11 and the name
//	+--------+----------------+---------+
//
// It is written to a temporary file, fdatasynced, renamed over checkpoint-<name>, and the
// directory is fsynced, so a crash leaves either the old checkpoint or the new one.
const (
	checkpointMagic = "HPCK"
	checkpointSize  = 16
	maxConsumerName = 64
)

// validConsumer reports whether name can name a consumer: 1 to 64 of [A-Za-z0-9._-], not
// starting with a dot.
func validConsumer(name string) bool {
	if len(name) == 0 || len(name) > maxConsumerName || name[0] == '.' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func encodeCheckpoint(name string, seq uint64) []byte {
	b := make([]byte, checkpointSize)
	copy(b, checkpointMagic)
	binary.LittleEndian.PutUint64(b[4:], seq)
	c := crc32.Update(crc32.Checksum(b[:12], castagnoli), castagnoli, []byte(name))
	binary.LittleEndian.PutUint32(b[12:], c)
	return b
}

func decodeCheckpoint(name string, b []byte) (uint64, error) {
	if len(b) != checkpointSize || string(b[:4]) != checkpointMagic {
		return 0, fmt.Errorf("%w: checkpoint %q: bad size or magic", ErrCorrupt, name)
	}
	c := crc32.Update(crc32.Checksum(b[:12], castagnoli), castagnoli, []byte(name))
	if c != binary.LittleEndian.Uint32(b[12:]) {
		return 0, fmt.Errorf("%w: checkpoint %q: checksum mismatch", ErrCorrupt, name)
	}
	return binary.LittleEndian.Uint64(b[4:]), nil
}

// writeCheckpoint durably replaces consumer name's checkpoint in dir with seq.
func writeCheckpoint(fsys FS, dir, name string, seq uint64) error {
	final := filepath.Join(dir, checkpointPrefix+name)
	tmp := final + tmpSuffix
	f, err := fsys.Create(tmp)
	if err != nil {
		return fmt.Errorf("wal: checkpoint %q: %w", name, err)
	}
	_, err = f.WriteAt(encodeCheckpoint(name, seq), 0)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = fsys.Rename(tmp, final)
	}
	if err == nil {
		err = fsys.SyncDir(dir)
	}
	if err != nil {
		return fmt.Errorf("wal: checkpoint %q: %w", name, err)
	}
	return nil
}

// readCheckpoint reads consumer name's checkpoint file in dir.
func readCheckpoint(fsys FS, dir, name string) (uint64, error) {
	f, err := fsys.Open(filepath.Join(dir, checkpointPrefix+name))
	if err != nil {
		return 0, fmt.Errorf("wal: checkpoint %q: %w", name, err)
	}
	defer f.Close()
	b := make([]byte, checkpointSize+1)
	n, _ := f.ReadAt(b, 0)
	return decodeCheckpoint(name, b[:n])
}

// Checkpoint durably records that consumer name has finished every record up to and including
// seq, then deletes the segments whose records every consumer has finished. A consumer that
// has not checkpointed yet holds nothing back; register it with Checkpoint(name, 0) before
// reading so that segments it still needs are kept. Checkpoints never move back: a lower seq
// than the consumer's current one is ignored. seq must be durable.
//
// Each call costs an fdatasync and a directory fsync (two for deletions): checkpoint every
// few thousand records or every few milliseconds, not per record.
func (l *Log) Checkpoint(name string, seq uint64) error {
	if !validConsumer(name) {
		return fmt.Errorf("wal: checkpoint: invalid consumer name %q", name)
	}
	if d := l.durable.Load(); seq > d {
		return fmt.Errorf("wal: checkpoint %q: sequence %d is not durable (durable %d)", name, seq, d)
	}
	l.ckMu.Lock()
	defer l.ckMu.Unlock()
	l.mu.Lock()
	if l.closing {
		l.mu.Unlock()
		return ErrClosed
	}
	old, ok := l.ckpts[name]
	l.mu.Unlock()
	if ok && seq <= old {
		return nil
	}
	if err := writeCheckpoint(l.fs, l.dir, name, seq); err != nil {
		return err
	}
	l.mu.Lock()
	l.ckpts[name] = seq
	var doomed []segInfo
	doomed, l.segs = l.trimLocked()
	l.mu.Unlock()
	if len(doomed) == 0 {
		return nil
	}
	// Keep a few for reuse: renamed to *.free now, to the next segment's name when needed.
	room := l.pre.freeRoom()
	var recycled []string
	for _, s := range doomed {
		path := filepath.Join(l.dir, segmentName(s.num))
		if room > 0 && s.size == l.cfg.SegmentSize {
			if err := l.fs.Rename(path, filepath.Join(l.dir, freeName(s.num))); err != nil {
				return fmt.Errorf("wal: recycle segment %s: %w", segmentName(s.num), err)
			}
			recycled = append(recycled, freeName(s.num))
			room--
			continue
		}
		if err := l.fs.Remove(path); err != nil {
			return fmt.Errorf("wal: delete segment %s: %w", segmentName(s.num), err)
		}
	}
	if err := l.fs.SyncDir(l.dir); err != nil {
		return fmt.Errorf("wal: delete segments: %w", err)
	}
	removed := false
	for _, name := range recycled {
		if !l.pre.addFree(name) {
			if err := l.fs.Remove(filepath.Join(l.dir, name)); err != nil {
				return fmt.Errorf("wal: delete segment %s: %w", name, err)
			}
			removed = true
		}
	}
	if removed {
		if err := l.fs.SyncDir(l.dir); err != nil {
			return fmt.Errorf("wal: delete segments: %w", err)
		}
	}
	return nil
}

// trimLocked splits off the leading segments that may be deleted: not the segment being
// appended to, every record finished by every consumer, and a later record durable (so that
// recovery still finds where the sequence stands). l.mu must be held.
func (l *Log) trimLocked() (doomed, rest []segInfo) {
	low := uint64(1<<64 - 1)
	for _, s := range l.ckpts {
		low = min(low, s)
	}
	if len(l.ckpts) == 0 {
		return nil, l.segs
	}
	durable := l.durable.Load()
	k := 0
	for k < len(l.segs)-1 {
		s := l.segs[k]
		if s.last != 0 && (s.last > low || s.last >= durable) {
			break
		}
		doomed = append(doomed, s)
		k++
	}
	if k == 0 {
		return nil, l.segs
	}
	rest = l.segs[:copy(l.segs, l.segs[k:])]
	return doomed, rest
}

// Checkpoints returns every consumer's checkpoint.
func (l *Log) Checkpoints() map[string]uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]uint64, len(l.ckpts))
	for k, v := range l.ckpts {
		out[k] = v
	}
	return out
}
