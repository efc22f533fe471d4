package ring

import (
	"github.com/hotpath-go/hotpath/internal/membarrier"
	"sync/atomic"
)

// closedBit marks the producers' claim counter of a closed MPMC ring: a producer's
// compare-and-swap on the counter fails once it is set, so nothing is claimed after Close.
const closedBit = 1 << 63

// MPMC is a multi-producer, multi-consumer ring in which each event goes to exactly one consumer
// (Dmitry Vyukov's bounded queue: a sequence per slot, claim counters for each side). Any
// goroutine may call any method. With one producer it is the work-sharing SPMC ring (see
// NewWorkShare).
//
// Producers claim slots with one compare-and-swap per call (PushN claims as many consecutive free
// slots as it can with one), consumers likewise (PopN, Claim, Drain take every ready slot up to
// a limit with one). TryPush fails only when the ring is really full: when the slot it would take
// still holds an event no consumer has taken. Contention makes it retry, never fail.
//
// Order: events from one producer are claimed by consumers in the order they were pushed; with
// several consumers, two events may be handled concurrently by different consumers.
type MPMC[T any] struct {
	_       pad
	slots   []slot[T]
	mask    uint64
	size    uint64
	pwait   Wait
	cwait   Wait
	parking bool // consumers park and membarrier is unavailable: publishes use a full barrier
	_       pad
	tail    atomic.Uint64 // next position to claim for writing; closedBit once closed
	_       pad
	head    atomic.Uint64 // next position to claim for reading
	_       pad
	pw      waiters  // producers waiting for space
	cw      *waiters // consumers waiting for events (shared by the lanes of a FanIn)
	ownCW   waiters
}

// NewMPMC returns a multi-producer, multi-consumer ring of size slots (a power of two).
func NewMPMC[T any](size int, opts ...Option) (*MPMC[T], error) {
	n, err := capacityFor(size)
	if err != nil {
		return nil, err
	}
	c := buildConfig(opts)
	r := &MPMC[T]{
		slots: newSlots[T](size), mask: n - 1, size: n,
		pwait: c.producerWait, cwait: c.consumerWait,
		parking: c.consumerWait.Park && !membarrier.Available(),
	}
	for i := range r.slots {
		r.slots[i].seq = uint64(i)
	}
	r.pw.init()
	r.cw = &r.ownCW
	r.cw.init()
	return r, nil
}

// NewWorkShare returns a ring for one producer and several consumers, each event going to exactly
// one consumer: an MPMC ring used by a single producer.
func NewWorkShare[T any](size int, opts ...Option) (*MPMC[T], error) {
	return NewMPMC[T](size, opts...)
}

// Cap returns the number of slots.
func (r *MPMC[T]) Cap() int { return int(r.size) }

// claimWrite claims up to n consecutive free slots; it returns the first and the count (0 when
// the ring is full or closed).
func (r *MPMC[T]) claimWrite(n int) (lower uint64, k int) {
	for {
		t := r.tail.Load()
		if t&closedBit != 0 {
			return 0, 0
		}
		seq := atomic.LoadUint64(&r.slots[t&r.mask].seq)
		if seq != t {
			if seq < t { // still holds the previous lap's event: full
				return 0, 0
			}
			continue // another producer took t: retry with the new tail
		}
		k = 1
		for k < n && atomic.LoadUint64(&r.slots[(t+uint64(k))&r.mask].seq) == t+uint64(k) {
			k++
		}
		if r.tail.CompareAndSwap(t, t+uint64(k)) {
			return t, k
		}
	}
}

// TryPush publishes v if there is a free slot; it never blocks.
func (r *MPMC[T]) TryPush(v T) bool {
	t, k := r.claimWrite(1)
	if k == 0 {
		return false
	}
	s := &r.slots[t&r.mask]
	s.val = v
	r.publish(&s.seq, t+1)
	return true
}

// Push publishes v, waiting while the ring is full; ErrClosed once closed.
func (r *MPMC[T]) Push(v T) error {
	for !r.TryPush(v) {
		if err := r.waitRoom(); err != nil {
			return err
		}
	}
	return nil
}

// PushN publishes all of vs, claiming as many consecutive slots per compare-and-swap as are
// free. The values keep their order among themselves; other producers' events may interleave
// between claims.
func (r *MPMC[T]) PushN(vs []T) error {
	for len(vs) > 0 {
		t, k := r.claimWrite(len(vs))
		if k == 0 {
			if err := r.waitRoom(); err != nil {
				return err
			}
			continue
		}
		for i := range k - 1 {
			p := t + uint64(i)
			s := &r.slots[p&r.mask]
			s.val = vs[i]
			storeRelease(&s.seq, p+1)
		}
		// The last slot is published through publish, which in a parking ring is a full barrier
		// followed by the wake-up check. (Re-storing an earlier slot's sequence instead would be
		// wrong: a consumer may already have taken it and marked it free.)
		last := t + uint64(k) - 1
		s := &r.slots[last&r.mask]
		s.val = vs[k-1]
		r.publish(&s.seq, last+1)
		vs = vs[k:]
	}
	return nil
}

func (r *MPMC[T]) publish(seq *uint64, v uint64) {
	if r.parking {
		atomic.StoreUint64(seq, v)
	} else {
		storeRelease(seq, v)
	}
	r.cw.wake()
}

// free hands a slot back to producers. Parked producers nap and re-check (see Wait), so this is a
// release store even when consumers park.
func (r *MPMC[T]) free(seq *uint64, v uint64) { storeRelease(seq, v) }

func (r *MPMC[T]) roomReady() bool {
	t := r.tail.Load()
	return t&closedBit == 0 && atomic.LoadUint64(&r.slots[t&r.mask].seq) >= t
}

func (r *MPMC[T]) isClosed() bool { return r.tail.Load()&closedBit != 0 }

func (r *MPMC[T]) waitRoom() error {
	if !r.pw.await(r.pwait, true, r.roomReady, r.isClosed) {
		return ErrClosed
	}
	return nil
}

// Claim takes up to max consecutive ready events for this caller alone and returns their
// positions [lower, upper); upper == lower when none is ready. Read them with Slot, then hand
// them back with ReleaseRange(lower, upper).
func (r *MPMC[T]) Claim(max int) (lower, upper uint64) {
	for {
		h := r.head.Load()
		seq := atomic.LoadUint64(&r.slots[h&r.mask].seq)
		if seq != h+1 {
			if seq < h+1 { // not yet published: empty
				return h, h
			}
			continue // another consumer took h
		}
		u := h + 1
		end := h + uint64(max)
		for u < end && atomic.LoadUint64(&r.slots[u&r.mask].seq) == u+1 {
			u++
		}
		if r.head.CompareAndSwap(h, u) {
			return h, u
		}
	}
}

// Slot returns the slot at position pos (for the consumer that claimed it).
func (r *MPMC[T]) Slot(pos uint64) *T { return &r.slots[pos&r.mask].val }

// ReleaseRange hands the claimed slots [lower, upper) back to the producers.
func (r *MPMC[T]) ReleaseRange(lower, upper uint64) {
	for p := lower; p < upper; p++ {
		r.free(&r.slots[p&r.mask].seq, p+r.size)
	}
}

// TryPop takes one ready event, if any.
func (r *MPMC[T]) TryPop() (v T, ok bool) {
	l, u := r.Claim(1)
	if u == l {
		return v, false
	}
	v = r.slots[l&r.mask].val
	r.free(&r.slots[l&r.mask].seq, l+r.size)
	return v, true
}

// PopN copies up to len(dst) ready events into dst with one claim, waiting until at least one is
// ready; it returns how many, or ErrClosed once the ring is closed and drained.
func (r *MPMC[T]) PopN(dst []T) (int, error) {
	l, u, err := r.Wait(len(dst))
	if err != nil {
		return 0, err
	}
	for p := l; p < u; p++ {
		dst[p-l] = r.slots[p&r.mask].val
	}
	r.ReleaseRange(l, u)
	return int(u - l), nil
}

// Pop waits for an event and takes it; ErrClosed once closed and drained.
func (r *MPMC[T]) Pop() (v T, err error) {
	l, u, err := r.Wait(1)
	if err != nil {
		return v, err
	}
	v = r.slots[l&r.mask].val
	r.ReleaseRange(l, u)
	return v, nil
}

// Wait is Claim that waits with the consumer strategy until at least one event is ready; it
// returns ErrClosed once the ring is closed and every claimed slot has been taken.
func (r *MPMC[T]) Wait(max int) (lower, upper uint64, err error) {
	for {
		if l, u := r.Claim(max); u > l {
			return l, u, nil
		}
		if r.drained() {
			return 0, 0, ErrClosed
		}
		r.cw.await(r.cwait, false, r.readyToTake, r.drained)
	}
}

// Drain claims up to max ready events (waiting for at least one), calls fn on each in order with
// endOfBatch on the last, releases them and returns how many; ErrClosed once closed and drained.
func (r *MPMC[T]) Drain(max int, fn func(v *T, endOfBatch bool)) (int, error) {
	l, u, err := r.Wait(max)
	if err != nil {
		return 0, err
	}
	for p := l; p < u; p++ {
		fn(&r.slots[p&r.mask].val, p+1 == u)
	}
	r.ReleaseRange(l, u)
	return int(u - l), nil
}

// Ready reports whether an event is ready to be taken: one load of the head and one of its
// slot's sequence, for a consumer's idle spin (it may be stale by the time the caller acts on it).
// Any goroutine; no allocation.
func (r *MPMC[T]) Ready() bool { return r.readyToTake() }

func (r *MPMC[T]) readyToTake() bool {
	h := r.head.Load()
	return atomic.LoadUint64(&r.slots[h&r.mask].seq) >= h+1
}

// drained reports that the ring is closed and every slot claimed by a producer has been taken.
func (r *MPMC[T]) drained() bool {
	t := r.tail.Load()
	return t&closedBit != 0 && r.head.Load() == t&^closedBit
}

// Close closes the ring: later pushes fail with ErrClosed, consumers take what was claimed
// before (waiting for producers that are mid-publish) and then get ErrClosed; every waiter wakes.
// Any goroutine may call it, concurrently with producers; it is idempotent.
func (r *MPMC[T]) Close() {
	r.closeLane()
	r.cw.close()
}

// closeLane forbids further claims and wakes napping producers; consumers are woken by the
// caller (a FanIn closes all its lanes before waking their shared consumers).
func (r *MPMC[T]) closeLane() {
	r.tail.Or(closedBit)
	r.pw.close()
}

// Closed reports whether Close has been called.
func (r *MPMC[T]) Closed() bool { return r.isClosed() }
