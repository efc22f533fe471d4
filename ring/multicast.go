package ring

import (
	"github.com/hotpath-go/hotpath/internal/membarrier"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Multicast is a single-producer, multi-consumer ring in which every consumer sees every event,
// in publication order (the LMAX Disruptor's model). The producer is gated by the slowest
// consumer; a consumer may be gated on other consumers (it sees an event only after they have
// released it), so pipelines (a -> b -> c) and diamonds (a, b -> c) run over one ring without
// copying.
//
// Producer methods (TryPush, Push, PushN, TryReserve, Reserve, Slot, Commit, Close) must be called
// by one goroutine at a time. Each Consumer's methods must be called by one goroutine at a time.
// Add every consumer with NewConsumer before the first publish. No method allocates.
type Multicast[T any] struct {
	_ pad
	// Read-only after construction: shared by every core, never invalidated.
	slots   []slot[T]
	mask    uint64
	size    uint64
	pwait   Wait
	cwait   Wait
	parking bool // consumers park and membarrier is unavailable: publishes use a full barrier
	_       pad

	// Producer's line: written only by the producer.
	tail   uint64         // next position to publish
	limit  uint64         // positions < limit are known to be free
	gating []*Consumer[T] // snapshot of consumers taken at the first publish
	sealed bool
	_      pad

	closed atomic.Bool // set once by Close; read by everyone, so it stays in every cache
	_      pad
	pw     waiters // the producer, waiting for space
	cw     waiters // consumers, waiting for events or for the consumers they depend on

	mu        sync.Mutex // guards consumers and sealedAll while consumers are being added
	consumers []*Consumer[T]
	sealedAll bool
}

// Consumer is one reader of a Multicast ring. It is not safe for concurrent use.
type Consumer[T any] struct {
	_     pad
	r     *Multicast[T]
	deps  []*Consumer[T]
	next  uint64 // next position to read (this consumer only)
	shown uint64 // last position published in released (this consumer only)
	// avail bounds what a dependent consumer may read: the smallest released position of its
	// dependencies, as last seen.
	avail uint64
	_     pad
	// released: every position < released is done. Written by this consumer after each batch;
	// read by the producer when it runs out of room and by dependent consumers.
	released uint64
	_        pad
	done     atomic.Bool // drained after Close; dependents finish after their dependencies
	// leader: another consumer depends on this one, so its releases must be prompt and, when
	// consumers park, wake them. Set while consumers are added, before publishing starts.
	leader atomic.Bool
}

// lazyRelease is how far (in slots, as a fraction of the ring) a consumer that nobody depends on
// may run ahead of what it has released when it takes events one at a time (TryPop, Pop): it
// releases every size/lazyRelease events and whenever it finds the ring empty, so the producer
// reads the consumer's line once per many events instead of once per event.
const lazyRelease = 4

// NewMulticast returns a ring of size slots (a power of two), with no consumers yet.
func NewMulticast[T any](size int, opts ...Option) (*Multicast[T], error) {
	n, err := capacityFor(size)
	if err != nil {
		return nil, err
	}
	c := buildConfig(opts)
	r := &Multicast[T]{
		slots: newSlots[T](size), mask: n - 1, size: n,
		pwait: c.producerWait, cwait: c.consumerWait,
		parking: c.consumerWait.Park && !membarrier.Available(),
	}
	r.pw.init()
	r.cw.init()
	return r, nil
}

// NewConsumer adds a consumer that sees each event after every consumer in after has released
// it (none: as soon as it is published). It returns ErrSealed once publishing has started.
func (r *Multicast[T]) NewConsumer(after ...*Consumer[T]) (*Consumer[T], error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sealedAll {
		return nil, ErrSealed
	}
	c := &Consumer[T]{r: r, deps: append([]*Consumer[T](nil), after...)}
	for _, d := range after {
		d.leader.Store(true)
	}
	r.consumers = append(r.consumers, c)
	return c, nil
}

// Cap returns the number of slots.
func (r *Multicast[T]) Cap() int { return int(r.size) }

// TryPush publishes v if there is room and the ring is open; it never blocks.
func (r *Multicast[T]) TryPush(v T) bool {
	t := r.tail
	if t >= r.limit && !r.room(t+1) || r.closed.Load() {
		return false
	}
	s := &r.slots[t&r.mask]
	s.val = v
	r.publish(&s.seq, t+1)
	r.tail = t + 1
	return true
}

// Push publishes v, waiting with the producer's strategy while the ring is full. It returns
// ErrClosed if the ring is closed.
func (r *Multicast[T]) Push(v T) error {
	if r.TryPush(v) {
		return nil
	}
	return r.pushSlow(&v)
}

func (r *Multicast[T]) pushSlow(v *T) error {
	for !r.TryPush(*v) {
		if err := r.waitRoom(1); err != nil {
			return err
		}
	}
	return nil
}

// PushN publishes every value of vs in order, in batches as large as the free space allows.
func (r *Multicast[T]) PushN(vs []T) error {
	for len(vs) > 0 {
		n := min(len(vs), int(r.size))
		lower, err := r.Reserve(n)
		if err != nil {
			return err
		}
		for i := range n {
			r.slots[(lower+uint64(i))&r.mask].val = vs[i]
		}
		r.Commit(lower, n)
		vs = vs[n:]
	}
	return nil
}

// TryReserve claims n consecutive slots for writing in place if they are free. The caller fills
// them through Slot and publishes them with Commit(lower, n).
func (r *Multicast[T]) TryReserve(n int) (lower uint64, ok bool) {
	t := r.tail
	if t+uint64(n) > r.limit && !r.room(t+uint64(n)) || r.closed.Load() || n > int(r.size) {
		return 0, false
	}
	return t, true
}

// Reserve is TryReserve that waits while the ring is full. It returns ErrTooLarge for n larger
// than the ring and ErrClosed once closed.
func (r *Multicast[T]) Reserve(n int) (lower uint64, err error) {
	if n > int(r.size) || n < 1 {
		return 0, ErrTooLarge
	}
	for {
		if l, ok := r.TryReserve(n); ok {
			return l, nil
		}
		if err := r.waitRoom(n); err != nil {
			return 0, err
		}
	}
}

// Slot returns the slot at position pos: for the producer between Reserve and Commit, for a
// consumer between Poll and Release.
func (r *Multicast[T]) Slot(pos uint64) *T { return &r.slots[pos&r.mask].val }

// Commit publishes the n slots reserved at lower, in order.
func (r *Multicast[T]) Commit(lower uint64, n int) {
	end := lower + uint64(n)
	if n > 1 {
		storeSeqs(&r.slots[0].seq, uint64(unsafe.Sizeof(r.slots[0])), r.mask, lower, end-1)
	}
	r.publish(&r.slots[(end-1)&r.mask].seq, end) // a parking ring's barrier and wake-up come last
	r.tail = end
}

// Close closes the ring: producers get ErrClosed, consumers drain what was published and then get
// ErrClosed, and every waiter wakes. Call it from the producer (after its last publish), so that
// nothing is published concurrently with it. Close is idempotent.
func (r *Multicast[T]) Close() {
	r.closed.Store(true)
	r.cw.close()
	r.pw.close()
}

// Closed reports whether Close has been called.
func (r *Multicast[T]) Closed() bool { return r.closed.Load() }

func (r *Multicast[T]) publish(seq *uint64, v uint64) {
	if r.parking {
		atomic.StoreUint64(seq, v)
	} else {
		storeRelease(seq, v)
	}
	r.cw.wake()
}

// room reports whether positions below end are free, refreshing limit from the consumers.
func (r *Multicast[T]) room(end uint64) bool {
	if !r.sealed {
		r.seal()
	}
	if len(r.gating) == 0 {
		return false
	}
	m := atomic.LoadUint64(&r.gating[0].released)
	for _, c := range r.gating[1:] {
		m = min(m, atomic.LoadUint64(&c.released))
	}
	r.limit = m + r.size
	return end <= r.limit
}

func (r *Multicast[T]) seal() {
	r.mu.Lock()
	r.sealedAll = true
	r.gating = r.consumers
	r.mu.Unlock()
	r.sealed = true
}

func (r *Multicast[T]) waitRoom(n int) error {
	if r.closed.Load() {
		return ErrClosed
	}
	end := r.tail + uint64(n)
	if !r.pw.await(r.pwait, true, func() bool { return r.room(end) }, r.closed.Load) {
		return ErrClosed
	}
	return nil
}

// Poll returns the positions [lower, upper) of events ready for this consumer, at most max of
// them; upper == lower when there are none. Read them with Slot and hand them back with Release.
func (c *Consumer[T]) Poll(max int) (lower, upper uint64) {
	r := c.r
	n := c.next
	end := n + uint64(max)
	if len(c.deps) != 0 {
		if c.avail <= n {
			c.refreshDeps()
		}
		return n, min(end, c.avail)
	}
	u := n
	for u < end && atomic.LoadUint64(&r.slots[u&r.mask].seq) == u+1 {
		u++
	}
	return n, u
}

func (c *Consumer[T]) refreshDeps() {
	m := atomic.LoadUint64(&c.deps[0].released)
	for _, d := range c.deps[1:] {
		m = min(m, atomic.LoadUint64(&d.released))
	}
	c.avail = m
}

// Slot returns the event at position pos (between Poll and Release).
func (c *Consumer[T]) Slot(pos uint64) *T { return &c.r.slots[pos&c.r.mask].val }

// Release marks every position below upper as done (publishing it at once), letting the producer reuse the slots and
// dependent consumers read them.
func (c *Consumer[T]) Release(upper uint64) {
	c.next, c.shown = upper, upper
	c.publishRelease(upper)
}

func (c *Consumer[T]) publishRelease(upper uint64) {
	if !c.leader.Load() {
		storeRelease(&c.released, upper)
		return
	}
	if c.r.parking {
		atomic.StoreUint64(&c.released, upper)
	} else {
		storeRelease(&c.released, upper)
	}
	c.r.cw.wake() // dependents may be parked waiting for this consumer
}

// releaseLazily advances next to upper and publishes it only every size/lazyRelease events
// (always for a consumer others depend on).
func (c *Consumer[T]) releaseLazily(upper uint64) {
	c.next = upper
	if upper-c.shown >= c.r.size/lazyRelease || c.leader.Load() {
		c.shown = upper
		c.publishRelease(upper)
	}
}

// flush publishes what releaseLazily held back; called whenever the consumer is about to wait.
func (c *Consumer[T]) flush() {
	if c.shown != c.next {
		c.shown = c.next
		c.publishRelease(c.next)
	}
}

// Wait is Poll that waits with the consumer strategy until at least one event is ready. Once the
// ring is closed and this consumer has drained it (and its dependencies have finished), it
// returns ErrClosed.
func (c *Consumer[T]) Wait(max int) (lower, upper uint64, err error) {
	for {
		if l, u := c.Poll(max); u > l {
			return l, u, nil
		}
		c.flush()
		if c.finished() {
			c.done.Store(true)
			c.r.cw.wake()
			return c.next, c.next, ErrClosed
		}
		c.r.cw.await(c.r.cwait, false, c.ready, c.finished)
	}
}

func (c *Consumer[T]) ready() bool { l, u := c.Poll(1); return u > l }

// Ready reports whether an event is ready for this consumer: for an idle spin that must cost as
// little as possible per check (one load of the next slot's sequence, or of the dependencies'
// positions). Consumer only; no allocation.
func (c *Consumer[T]) Ready() bool { return c.ready() }

// finished reports whether nothing more will ever be ready for this consumer.
func (c *Consumer[T]) finished() bool {
	if !c.r.closed.Load() {
		return false
	}
	for _, d := range c.deps {
		if !d.done.Load() {
			return false
		}
	}
	return !c.ready()
}

// TryPop copies out the next event, if one is ready.
func (c *Consumer[T]) TryPop() (v T, ok bool) {
	l, u := c.Poll(1)
	if u == l {
		c.flush()
		return v, false
	}
	v = *c.Slot(l)
	c.releaseLazily(u)
	return v, true
}

// Pop waits for the next event and copies it out; ErrClosed once closed and drained.
func (c *Consumer[T]) Pop() (v T, err error) {
	n := c.next
	if s := &c.r.slots[n&c.r.mask]; len(c.deps) == 0 && atomic.LoadUint64(&s.seq) == n+1 {
		v = s.val // fast path: the next event is already there
		c.releaseLazily(n + 1)
		return v, nil
	}
	return c.popSlow()
}

func (c *Consumer[T]) popSlow() (v T, err error) {
	l, u, err := c.Wait(1)
	if err != nil {
		return v, err
	}
	v = *c.Slot(l)
	c.releaseLazily(u)
	return v, nil
}

// Drain waits for events (up to max at a time), calls fn on each in order with endOfBatch set on
// the last of the batch, releases the batch and returns how many it handled; ErrClosed once
// closed and drained.
func (c *Consumer[T]) Drain(max int, fn func(v *T, endOfBatch bool)) (int, error) {
	l, u, err := c.Wait(max)
	if err != nil {
		return 0, err
	}
	for p := l; p < u; p++ {
		fn(c.Slot(p), p+1 == u)
	}
	c.Release(u)
	return int(u - l), nil
}
