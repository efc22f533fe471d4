package ring

// SPSC is a single-producer, single-consumer ring: a Multicast with exactly one consumer. The
// producer methods must be called by one goroutine at a time, and the consumer methods by one
// (other) goroutine at a time. No method allocates.
type SPSC[T any] struct {
	m *Multicast[T]
	c *Consumer[T]
}

// NewSPSC returns a single-producer, single-consumer ring of size slots (a power of two).
func NewSPSC[T any](size int, opts ...Option) (*SPSC[T], error) {
	m, err := NewMulticast[T](size, opts...)
	if err != nil {
		return nil, err
	}
	c, _ := m.NewConsumer()
	return &SPSC[T]{m: m, c: c}, nil
}

// Cap returns the number of slots.
func (r *SPSC[T]) Cap() int { return r.m.Cap() }

// TryPush publishes v if there is room; it never blocks. Producer only.
func (r *SPSC[T]) TryPush(v T) bool { return r.m.TryPush(v) }

// Push publishes v, waiting while the ring is full; ErrClosed once closed. Producer only.
func (r *SPSC[T]) Push(v T) error { return r.m.Push(v) }

// PushN publishes every value of vs in order, in batches. Producer only.
func (r *SPSC[T]) PushN(vs []T) error { return r.m.PushN(vs) }

// TryReserve claims n slots for writing in place if free. Producer only.
func (r *SPSC[T]) TryReserve(n int) (lower uint64, ok bool) { return r.m.TryReserve(n) }

// Reserve claims n slots, waiting while the ring is full. Producer only.
func (r *SPSC[T]) Reserve(n int) (lower uint64, err error) { return r.m.Reserve(n) }

// Slot returns the slot at pos, for the producer between Reserve and Commit and for the consumer
// between Poll and Release.
func (r *SPSC[T]) Slot(pos uint64) *T { return r.m.Slot(pos) }

// Commit publishes the n slots reserved at lower. Producer only.
func (r *SPSC[T]) Commit(lower uint64, n int) { r.m.Commit(lower, n) }

// Close closes the ring; call it from the producer after its last publish. See Multicast.Close.
func (r *SPSC[T]) Close() { r.m.Close() }

// Closed reports whether Close has been called.
func (r *SPSC[T]) Closed() bool { return r.m.Closed() }

// TryPop copies out the next event if one is ready. Consumer only.
func (r *SPSC[T]) TryPop() (T, bool) { return r.c.TryPop() }

// Pop waits for the next event; ErrClosed once the ring is closed and drained. Consumer only.
func (r *SPSC[T]) Pop() (T, error) { return r.c.Pop() }

// Poll returns the ready positions [lower, upper), at most max. Consumer only.
func (r *SPSC[T]) Poll(max int) (lower, upper uint64) { return r.c.Poll(max) }

// Wait is Poll that waits until something is ready; ErrClosed once closed and drained.
func (r *SPSC[T]) Wait(max int) (lower, upper uint64, err error) { return r.c.Wait(max) }

// Ready reports whether an event is ready (see Consumer.Ready). Consumer only.
func (r *SPSC[T]) Ready() bool { return r.c.Ready() }

// Release hands back every position below upper. Consumer only.
func (r *SPSC[T]) Release(upper uint64) { r.c.Release(upper) }

// Drain handles up to max ready events with fn; see Consumer.Drain. Consumer only.
func (r *SPSC[T]) Drain(max int, fn func(v *T, endOfBatch bool)) (int, error) {
	return r.c.Drain(max, fn)
}
