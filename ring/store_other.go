//go:build !amd64 || race

package ring

import (
	"sync/atomic"
	"unsafe"
)

// storeRelease stores v to *addr with (at least) release ordering. Off amd64, and under the race
// detector, it is sync/atomic's sequentially consistent store (STLR on arm64, itself a release
// store).
func storeRelease(addr *uint64, v uint64) { atomic.StoreUint64(addr, v) }

// storeSeqs publishes positions [lower, end): for each position p it stores p+1 into the sequence
// word at base + (p&mask)*stride, in order.
func storeSeqs(base *uint64, stride, mask, lower, end uint64) {
	for p := lower; p < end; p++ {
		atomic.StoreUint64((*uint64)(unsafe.Add(unsafe.Pointer(base), (p&mask)*stride)), p+1)
	}
}
