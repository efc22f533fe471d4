package metrics

import (
	"runtime"
	"sync"
	"sync/atomic"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// cacheLine is the padding unit for words written by different goroutines.
// Go cannot size struct padding at run time, so it is the common x86-64 and
// arm64 line; cpuid reports 64 on the machines we measured.
const cacheLine = 64

// spinBeforeYield is how many times a flipping reader polls the writer's
// phase before it starts calling runtime.Gosched between polls. A Record
// takes about 10 ns, so the writer is normally out long before that; the
// yield only matters when the writer goroutine was preempted mid-Record.
const spinBeforeYield = 256

// Recorder is a single-writer latency recorder over an HDR histogram: the
// semantics of HdrHistogram's SingleWriterRecorder.
//
// One goroutine at a time (the writer) calls Record; it takes no lock and
// allocates nothing. Any number of readers call IntervalSnapshot,
// CumulativeSnapshot and Cumulative concurrently with the writer and with
// each other; readers serialise among themselves on a mutex that the writer
// never touches.
//
// Flip protocol. The writer brackets each Record with two atomic increments
// of its phase counter seq (odd = a Record is in flight) and, in between,
// loads the active tally pointer and records into it. A reader swaps the
// active pointer for a spare tally, then reads seq: if it is odd it waits
// until seq changes. After that the old tally is the reader's alone: a Record
// that loaded the old pointer entered (seq odd) before the swap, so the reader
// either sees it still odd and waits for its exit, or sees a later even value;
// every Record entering after the swap loads the new pointer (Go's atomics
// are sequentially consistent). docs/metrics.md has the full argument.
//
// Values outside [0, HighestNs] are clamped to the nearest bound and counted
// (Snapshot.Clamped), never dropped and never a panic.
//
// The zero value is not usable; call NewRecorder. A Recorder must not be
// copied.
type Recorder struct {
	_ [cacheLine]byte // keeps seq off the line of whatever precedes the Recorder

	// seq is the writer's phase: incremented on entry to and exit from
	// every Record, so odd while one is in flight. Written only by the
	// writer, read by flipping readers. Hot, on its own line.
	seq atomic.Uint64
	_   [cacheLine - 8]byte

	// active is the tally the writer records into. Read by the writer on
	// every Record, swapped by a reader once per flip. With highest it
	// shares a read-mostly line.
	active atomic.Pointer[tally]
	// highest is the clamp bound, HistogramConfig.HighestNs. Read-only.
	highest int64
	_       [cacheLine - 16]byte

	// Reader side, cold. mu serialises readers; the writer never takes it.
	mu       sync.Mutex
	spare    *tally // the next active tally, empty; guarded by mu
	interval *tally // flipped data since the last interval read; guarded by mu
	total    *tally // flipped data since start; guarded by mu
}

// NewRecorder returns a Recorder for the histogram configuration c (zero
// fields mean the defaults). It allocates the four histograms it will ever
// use; afterwards neither the writer nor a flip allocates. Errors wrap
// ErrConfig.
func NewRecorder(c HistogramConfig) (*Recorder, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = c.withDefaults()
	r := &Recorder{
		highest:  c.HighestNs,
		spare:    newTally(c),
		interval: newTally(c),
		total:    newTally(c),
	}
	r.active.Store(newTally(c))
	return r, nil
}

// Record records one value, in nanoseconds. Single writer: at most one
// goroutine may be in Record at a time (calls from different goroutines must
// be ordered by the caller). Lock-free and allocation-free; safe to run
// concurrently with any reader method. A value below 0 is recorded as 0 and a
// value above HighestNs as HighestNs, both counted as clamped.
func (r *Recorder) Record(v int64) {
	if s := r.seq.Add(1); invariants && s&1 == 0 { // enter: odd
		panic("metrics: concurrent Record calls on one Recorder (single writer only)")
	}
	t := r.active.Load()
	if uint64(v) > uint64(r.highest) { // also catches v < 0
		v = t.clamp(v, r.highest)
	}
	_ = t.h.RecordValue(v) // cannot fail: 0 <= v <= highest
	t.sum += v
	if v > t.max {
		t.max = v
	}
	if s := r.seq.Add(1); invariants && s&1 != 0 { // exit: even
		panic("metrics: concurrent Record calls on one Recorder (single writer only)")
	}
}

// clamp counts an out-of-range value and returns the bound it is recorded
// as. Outlined: the slow path of Record.
//
//go:noinline
func (t *tally) clamp(v, highest int64) int64 {
	t.clamped++
	if v < 0 {
		return 0
	}
	return highest
}

// flipLocked moves everything recorded since the previous flip into
// r.interval and r.total. The caller holds r.mu.
func (r *Recorder) flipLocked() {
	old := r.active.Swap(r.spare)
	r.awaitWriter()
	// old is now owned by this reader alone.
	r.interval.add(old)
	r.total.add(old)
	old.reset()
	r.spare = old
}

// awaitWriter returns once no Record that may have loaded the pre-swap
// active pointer is still in flight. It busy-polls, then yields between
// polls: the wait is one Record long unless the writer was descheduled inside
// it. It cannot give up, since reading the old tally while the writer still
// writes it would be a data race.
func (r *Recorder) awaitWriter() {
	s := r.seq.Load()
	if s&1 == 0 {
		return
	}
	for i := 0; r.seq.Load() == s; i++ {
		if i >= spinBeforeYield {
			runtime.Gosched()
		}
	}
}

// collect flips, merges the interval since the previous interval read into
// interval and resets it, and merges everything since start into total.
// Either destination may be nil. Used by the Registry.
func (r *Recorder) collect(interval, total *tally) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.flipLocked()
	if interval != nil {
		interval.add(r.interval)
		r.interval.reset()
	}
	if total != nil {
		total.add(r.total)
	}
}

// IntervalSnapshot returns the summary of the values recorded since the
// previous IntervalSnapshot (or since NewRecorder), and starts a new
// interval. Safe for concurrent use with Record and other readers;
// CumulativeSnapshot and Cumulative do not end the interval. It allocates a
// few small slices for the quantiles, never on the writer's side.
func (r *Recorder) IntervalSnapshot() Snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.flipLocked()
	s := r.interval.snapshot()
	r.interval.reset()
	return s
}

// CumulativeSnapshot returns the summary of every value recorded since
// NewRecorder. Safe for concurrent use with Record and other readers.
func (r *Recorder) CumulativeSnapshot() Snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.flipLocked()
	return r.total.snapshot()
}

// Cumulative returns a copy of the histogram of every value recorded since
// NewRecorder (clamped values included at their bound), for percentile
// output or merging by the caller. It allocates the copy. Safe for
// concurrent use with Record and other readers.
func (r *Recorder) Cumulative() *hdrhistogram.Histogram {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.flipLocked()
	return r.total.h.Clone()
}
