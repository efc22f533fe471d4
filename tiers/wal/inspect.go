package wal

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
)

// Report describes a log directory: what Inspect found, or what Open found before it repaired
// the directory (Log.Recovery).
type Report struct {
	Dir         string
	Segments    []SegmentInfo
	Checkpoints []CheckpointInfo
	// First and Last are the first and last retained record sequences; both 0 if the log holds
	// no records. Next is the sequence the next append gets.
	First, Last, Next uint64
	// Torn, if set, is a torn tail: bytes after the last valid frame of the last written
	// segment that no later frame records as durable. Open zeroes them.
	Torn *Damage
	// Corrupt, if set, is damage inside data the log had made durable. Open refuses the
	// directory with ErrCorrupt naming this place.
	Corrupt *Damage
	// TempFiles are leftovers of interrupted segment or checkpoint creation; Open removes them.
	TempFiles []string
	// Free are deleted segments kept for reuse (recycling), by file name.
	Free []string
}

// SegmentInfo describes one segment file.
type SegmentInfo struct {
	Name   string
	Number uint64
	Size   int64
	// Frames and Records count the valid prefix; First and Last are its record sequences
	// (0 if it holds none).
	Frames      int
	Records     uint64
	First, Last uint64
	// End is the offset where the valid prefix ends.
	End int64
	// Spare is set for a segment the log has not written yet (preallocated or recycled).
	Spare bool
}

// CheckpointInfo is one consumer's checkpoint.
type CheckpointInfo struct {
	Name string
	Seq  uint64
}

// Damage is a place in a segment and what is wrong there.
type Damage struct {
	Segment string // file name
	Offset  int64  // byte offset in the segment
	Bytes   int64  // length of the damaged or torn region
	Reason  string
}

func (d *Damage) String() string {
	return fmt.Sprintf("segment %s offset %d: %s", d.Segment, d.Offset, d.Reason)
}

// Inspect reads the log in dir without changing it and reports its segments, sequence ranges,
// checkpoints and any damage. A nil fsys means OSFS. It returns an error wrapping ErrCorrupt
// (with the report filled in) when the log holds corruption that Open would refuse.
func Inspect(fsys FS, dir string) (Report, error) {
	if fsys == nil {
		fsys = OSFS{}
	}
	a, err := analyze(fsys, dir)
	if err != nil {
		return a.report, err
	}
	return a.report, a.err
}

// analysis is Inspect's report plus what Open needs to resume appending.
type analysis struct {
	report Report
	scans  []segmentScan
	active int // index in scans of the last written segment; -1 if none
	err    error
}

// analyze applies the recovery rules (see the package comment) to the directory.
func analyze(fsys FS, dir string) (analysis, error) {
	a := analysis{report: Report{Dir: dir}, active: -1}
	names, err := fsys.List(dir)
	if err != nil {
		return a, fmt.Errorf("wal: list %s: %w", dir, err)
	}
	var nums []uint64
	for _, n := range names {
		switch {
		case strings.HasSuffix(n, tmpSuffix):
			a.report.TempFiles = append(a.report.TempFiles, n)
		case strings.HasSuffix(n, freeSuffix):
			a.report.Free = append(a.report.Free, n)
		case strings.HasPrefix(n, checkpointPrefix):
			c := strings.TrimPrefix(n, checkpointPrefix)
			if !validConsumer(c) {
				continue
			}
			seq, err := readCheckpoint(fsys, dir, c)
			if err != nil {
				return a, err
			}
			a.report.Checkpoints = append(a.report.Checkpoints, CheckpointInfo{Name: c, Seq: seq})
		default:
			if num, ok := parseSegmentName(n); ok {
				nums = append(nums, num)
			}
		}
	}
	sort.Slice(nums, func(i, j int) bool { return nums[i] < nums[j] })

	var buf []byte
	var expect uint64
	for _, num := range nums {
		buf, err = readSegment(fsys, filepath.Join(dir, segmentName(num)), buf)
		if err != nil {
			return a, err
		}
		s := scanSegment(buf, num, expect)
		a.scans = append(a.scans, s)
		expect = s.next
		if s.written() {
			a.active = len(a.scans) - 1
		}
	}
	a.classify()
	return a, nil
}

// readSegment reads the whole named file into buf (grown as needed).
func readSegment(fsys FS, path string, buf []byte) ([]byte, error) {
	f, err := fsys.Open(path)
	if err != nil {
		return buf, fmt.Errorf("wal: open segment: %w", err)
	}
	defer f.Close()
	size, err := f.Size()
	if err != nil {
		return buf, fmt.Errorf("wal: stat segment %s: %w", path, err)
	}
	if int64(cap(buf)) < size {
		buf = make([]byte, size)
	}
	buf = buf[:size]
	if n, err := f.ReadAt(buf, 0); n != len(buf) && (err == nil || errors.Is(err, io.EOF)) {
		return buf, fmt.Errorf("wal: read segment %s: short read %d of %d", path, n, size)
	} else if err != nil && !errors.Is(err, io.EOF) {
		return buf, fmt.Errorf("wal: read segment %s: %w", path, err)
	}
	return buf, nil
}

// classify fills the report and a.err from the scans. A segment is written if it holds any
// frame of its own number; the last written one is the only one that can hold unsynced bytes.
//   - A valid frame whose sequence does not continue the log means records are missing.
//   - A segment before the last written one was synced whole before the next was begun: a
//     damaged frame of its own at the end of its prefix, or a valid frame of its own after it,
//     is corruption.
//   - In the last written segment, a damaged frame and valid frames after the prefix are a torn
//     tail, unless one of those valid frames records a sequence at or past the prefix's end as
//     durable: then the prefix was cut short by damage, and that is corruption.
//   - Segments after the last written one are spares.
//   - Checkpoints cannot be past the last record, and the records before the first retained
//     one must be covered by a checkpoint (only checkpoints delete segments).
func (a *analysis) classify() {
	r := &a.report
	next, start := uint64(0), uint64(0)
	prev := -1 // the previous written segment
	for i := range a.scans {
		s := &a.scans[i]
		r.Segments = append(r.Segments, SegmentInfo{
			Name: segmentName(s.num), Number: s.num, Size: s.size,
			Frames: s.frames, Records: s.records, First: s.first, Last: s.last, End: s.end,
			Spare: i > a.active,
		})
		if s.first != 0 && r.First == 0 {
			r.First = s.first
		}
		if s.last != 0 {
			r.Last = s.last
		}
		if s.next != 0 {
			next = s.next
		}
		if start == 0 {
			start = s.start
		}
		if r.Corrupt != nil || i > a.active {
			continue
		}
		d := &Damage{Segment: segmentName(s.num), Offset: s.end, Bytes: s.repairEnd() - s.end, Reason: s.stopReason()}
		switch {
		case errors.Is(s.stop, errSeqGap) && s.end == 0 && prev >= 0:
			// The segment starts past the expected sequence: the records are missing from the
			// end of the previous one, and that is the place to name.
			p := &a.scans[prev]
			d = &Damage{Segment: segmentName(p.num), Offset: p.end, Bytes: p.repairEnd() - p.end,
				Reason: fmt.Sprintf("%s; records %d..%d are missing (segment %s starts at %d)",
					p.stopReason(), p.next, s.stopSeq-1, segmentName(s.num), s.stopSeq)}
			r.Corrupt = d
		case errors.Is(s.stop, errSeqGap):
			d.Reason += "; frames are written in sequence order, so records are missing"
			r.Corrupt = d
		case i < a.active && (s.stopOwn || s.residueFrames > 0):
			d.Reason += "; a later segment holds data, so this one was synced whole"
			r.Corrupt = d
		case s.residueFrames > 0 && s.residueClaim >= max(s.next, 1):
			d.Reason += fmt.Sprintf("; a later frame records sequence %d as durable", s.residueClaim)
			r.Corrupt = d
		case s.stopOwn || s.residueFrames > 0 || s.ownEnd > s.end:
			r.Torn = d
		}
		if s.written() {
			prev = i
		}
	}
	r.Next = max(next, 1)
	if r.Corrupt != nil {
		r.Torn = nil
		a.err = fmt.Errorf("%w: %s", ErrCorrupt, r.Corrupt)
		return
	}
	var maxCkpt uint64
	for _, c := range r.Checkpoints {
		maxCkpt = max(maxCkpt, c.Seq)
		if c.Seq >= r.Next {
			a.err = fmt.Errorf("%w: checkpoint %q at sequence %d is past the log's last record %d",
				ErrCorrupt, c.Name, c.Seq, r.Next-1)
			return
		}
	}
	if start > 1 && maxCkpt < start-1 {
		a.err = fmt.Errorf("%w: segment %s offset 0: the log starts at sequence %d but no checkpoint covers the records before it",
			ErrCorrupt, r.Segments[0].Name, start)
	}
}

// stopReason says why the segment's valid prefix ended.
func (s *segmentScan) stopReason() string {
	switch {
	case errors.Is(s.stop, errZeroHeader):
		return "data ends in zeros"
	case errors.Is(s.stop, errSeqGap):
		return fmt.Sprintf("sequence gap: expected %d, frame has %d", s.next, s.stopSeq)
	default:
		return "invalid frame: " + s.stop.Error()
	}
}
