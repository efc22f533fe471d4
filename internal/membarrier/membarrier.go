// Package membarrier issues process-wide memory barriers (Linux membarrier(2)) so that a hot path
// can use plain stores and loads where a slow path needs a full barrier on every thread: the
// asymmetric Dekker pattern. The fast side stores and then loads with no barrier; the slow side
// stores, calls [Barrier], then loads. Either the slow side sees the fast side's store or the fast
// side sees the slow side's.
package membarrier

import "sync"

// Barrier makes every running thread of the process execute a full memory barrier before it
// returns. It reports false if the kernel cannot (then the caller must use barriers on the fast
// side instead). It costs a system call and an inter-processor interrupt to each CPU running
// one of the process's threads: microseconds, for slow paths only.
func Barrier() bool {
	if !Available() {
		return false
	}
	return barrier()
}

var once struct {
	sync.Once
	ok bool
}

// Available reports whether Barrier works on this system (registering the process on first use).
func Available() bool {
	once.Do(func() { once.ok = register() })
	return once.ok
}
