package tiers

import "sync/atomic"

// recBufs is a small lock-free cache of record buffers for publishers' spill appends: a slice
// handed to the log escapes (its checksum is taken by a function the compiler cannot see
// through), so a buffer on the stack would be a heap allocation per append.
//
// Unlike sync.Pool it keeps what it is given (sync.Pool drops a quarter of its Puts under the
// race detector, and everything at the second garbage collection), so a route that keeps
// spilling allocates nothing once it has as many buffers as concurrent appenders, up to
// len(slots); beyond that get allocates and put lets the spare go. Safe for concurrent use.
type recBufs struct {
	slots [8]atomic.Pointer[[eventRecordSize]byte]
}

// get returns a cached buffer, or a new one if none is free.
func (r *recBufs) get() *[eventRecordSize]byte {
	for i := range r.slots {
		s := &r.slots[i]
		if s.Load() != nil {
			if b := s.Swap(nil); b != nil {
				return b
			}
		}
	}
	return new([eventRecordSize]byte)
}

// put gives b back for the next get; it keeps b if a slot is free.
func (r *recBufs) put(b *[eventRecordSize]byte) {
	for i := range r.slots {
		s := &r.slots[i]
		if s.Load() == nil && s.CompareAndSwap(nil, b) {
			return
		}
	}
}
