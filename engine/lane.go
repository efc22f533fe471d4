package engine

import (
	"sync/atomic"

	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/ring"
)

// lane is one ring into one worker, as the worker sees it.
type lane interface {
	// drain takes one batch (at most Config.Batch events), runs the routes of each event and
	// releases the batch; it returns how many events it took (0: none ready).
	drain(w *worker) int
	// retired reports that the lane's producer closed it and it is empty: the worker may forget
	// it.
	retired() bool
	// leftovers counts, after the worker has exited, the events still in the lane, takes them
	// out, and records the final read position for publishers' verdicts.
	leftovers() uint64
	// external reports whether the lane's producers are outside the engine (Producers), as
	// opposed to a worker publishing from its handlers.
	external() bool
}

// spscLane is the ring from one dedicated producer (a Producer, or a worker publishing from its
// handlers) to one worker, one 64-byte slot per event, with the table group each event was
// published under kept beside it in side (a parallel array, so the slot stays one cache line).
//
// Consecutive events of a lane mostly have the same group, so side is written only when the
// group changes, and the event then carries flagGroup: the worker reads side only for flagged
// events and keeps the group in between. Without that, the side array's lines (eight entries
// each) would bounce between the two cores as often as the slots do: a second cache-line
// transfer per event. The producer writes side[pos&mask] before Commit and the worker reads it
// after Poll; the ring's publication (a release store of the slot's sequence, read with an
// acquire load) orders both, as it orders the event itself.
type spscLane struct {
	// The struct is not cache-line aligned (Go aligns heap objects to their size class), so
	// every group of fields written by one side is fenced by a whole line of padding on each
	// side: then no physical line holds fields that the other side reads or writes, whatever
	// the struct's offset. Without it the worker, reading ring and mask (or cg) at the start of
	// each batch, took the line the producer had just written last and mark on: one more
	// cache-line transfer per event at low rates.
	_    [cacheLine]byte
	ring *ring.SPSC[events.Raw] // read-only after construction, like the next four fields
	side []*group
	mask uint64
	w    *worker // the consumer
	ext  bool    // the producer is a Producer, not a worker
	_    [cacheLine]byte

	// Producer's fields, written only by the lane's producer.
	last    uint64  // position of the last event pushed
	mark    uint64  // the producer's publish number when it last pushed here
	pg      *group  // the group of the last event pushed
	backlog backlog // worker producers only: events waiting for room, in order
	_       [cacheLine]byte

	cg *group // the worker's: the group of the last event it took (never nil)
	_  [cacheLine]byte

	final  atomic.Uint64 // the worker's read position when it exited (set by Stop)
	closed atomic.Bool   // the producer closed the lane
}

// put fills the reserved slot at pos with the event and its group, and publishes it. Producer
// only.
func (l *spscLane) put(pos uint64, h *events.Header, p *[events.PayloadSize]byte, g *group) {
	slot := l.ring.Slot(pos)
	slot.Header = *h
	slot.Payload = *p
	if g != l.pg {
		l.pg = g
		l.side[pos&l.mask] = g
		slot.Flags |= flagGroup
	}
	l.ring.Commit(pos, 1)
}

func newSPSCLane(w *worker, size int, external bool) *spscLane {
	r, err := ring.NewSPSC[events.Raw](size, ring.WithWait(ring.SpinYield()))
	if err != nil {
		panic(err) // size was validated by Config.Validate
	}
	return &spscLane{ring: r, side: make([]*group, size), mask: uint64(size - 1), w: w, ext: external, cg: &w.eng.noGroup}
}

func (l *spscLane) drain(w *worker) int { return w.drainSPSC(l) }
func (l *spscLane) external() bool      { return l.ext }

func (l *spscLane) retired() bool {
	if !l.closed.Load() {
		return false
	}
	lo, hi := l.ring.Poll(1)
	return lo == hi
}

func (l *spscLane) leftovers() uint64 {
	lo, hi := l.ring.Poll(l.ring.Cap())
	l.final.Store(lo)
	l.ring.Release(hi)
	return hi - lo
}

// item is what shared and lossy lanes carry: the event and its table group (64 bytes; those
// rings' slots are 72).
type item struct {
	ev events.Raw
	g  *group
}

// mpmcLane is a multi-producer ring into one worker: the shared lane that any goroutine may
// publish to (Engine.Publisher), or a lossy lane (DropOldest routes), where the producer itself
// takes the oldest event out to make room.
type mpmcLane struct {
	ring *ring.MPMC[item]
	w    *worker
	// owned lanes (a producer's lossy lane) retire when their producer closes them; the
	// engine's shared lanes never do.
	owned bool
	ext   bool // the producers are Producers, not a worker
	lossy bool // DropOldest routes' lane: producers evict from it
	done  bool // the worker found the lane closed and drained (worker only)
}

func newMPMCLane(w *worker, size int, owned, external, lossy bool) *mpmcLane {
	r, err := ring.NewMPMC[item](size, ring.WithWait(ring.SpinYield()))
	if err != nil {
		panic(err) // size was validated by Config.Validate
	}
	return &mpmcLane{ring: r, w: w, owned: owned, ext: external, lossy: lossy}
}

func (l *mpmcLane) drain(w *worker) int { return w.drainMPMC(l) }
func (l *mpmcLane) external() bool      { return l.ext }

func (l *mpmcLane) retired() bool { return l.owned && l.done }

func (l *mpmcLane) leftovers() uint64 {
	var n uint64
	for {
		lo, hi := l.ring.Claim(l.ring.Cap())
		if lo == hi {
			return n
		}
		n += hi - lo
		l.ring.ReleaseRange(lo, hi)
	}
}

// backlog is a FIFO of events a worker could not push because the lane was full.
type backlog struct {
	q    []item
	head int
}

func (b *backlog) len() int     { return len(b.q) - b.head }
func (b *backlog) add(it *item) { b.q = append(b.q, *it) }
func (b *backlog) front() *item { return &b.q[b.head] }

func (b *backlog) pop() {
	b.q[b.head] = item{}
	b.head++
	switch {
	case b.head == len(b.q):
		b.q, b.head = b.q[:0], 0
	case b.head > 1024 && b.head > len(b.q)/2:
		n := copy(b.q, b.q[b.head:])
		b.q, b.head = b.q[:n], 0
	}
}

var (
	_ lane = (*spscLane)(nil)
	_ lane = (*mpmcLane)(nil)
)
