//go:build amd64 && !race

package ring

// storeRelease stores v to *addr with release ordering. On amd64 every store is a release store
// (TSO), so this is a plain MOV; it is written in assembly so that the Go compiler treats it as
// an opaque call and cannot move the event's stores after it. sync/atomic's Store would compile
// to XCHG, a full barrier that drains the store buffer (~20 cycles) on every publish. Under the
// race detector the atomic version is used instead so that the detector sees the
// happens-before edge.
//
//go:noescape
func storeRelease(addr *uint64, v uint64)

// storeSeqs publishes positions [lower, end) of a ring: for each position p it stores p+1 into
// the sequence word at base + (p&mask)*stride, in order, with plain MOVs (release stores on
// amd64). One call per batch instead of one per slot.
//
//go:noescape
func storeSeqs(base *uint64, stride, mask, lower, end uint64)
