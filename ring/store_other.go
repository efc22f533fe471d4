//go:build !amd64 || race

package ring

import "sync/atomic"

// storeRelease stores v to *addr with (at least) release ordering. Off amd64, and under the race
// detector, it is sync/atomic's sequentially consistent store (STLR on arm64, itself a release
// store).
func storeRelease(addr *uint64, v uint64) { atomic.StoreUint64(addr, v) }
