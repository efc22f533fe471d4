package ring

import (
	"reflect"
	"unsafe"

	"github.com/klauspost/cpuid/v2"
)

// CacheLine is the cache-line size the ring's layout assumes, in bytes. Struct padding must be a
// compile-time constant, so it is fixed at 64 (every x86-64 and most Arm server parts);
// [DetectedCacheLine] reports what cpuid sees, and a test checks the two agree on the machine
// that runs it.
const CacheLine = 64

// DetectedCacheLine returns the cache-line size reported by cpuid, or CacheLine when cpuid
// cannot tell.
func DetectedCacheLine() int {
	if n := cpuid.CPU.CacheLine; n > 0 {
		return n
	}
	return CacheLine
}

// pad fills the rest of a cache line so that the next field starts a new one.
type pad [CacheLine]byte

// slot is one ring entry: the publication sequence and the value. With an events.Raw (56 bytes)
// it is exactly one cache line, so a consumer that sees the sequence has the event in the same
// line.
type slot[T any] struct {
	seq uint64 // accessed atomically: see the package comment for its meaning per ring type
	val T
}

// SlotSize returns the size in bytes of a ring slot holding a T.
func SlotSize[T any]() uintptr { return unsafe.Sizeof(slot[T]{}) }

// newSlots returns n slots whose first slot starts on a cache-line boundary. For pointer-free T
// the slots live in a byte allocation aligned by hand (the Go allocator only guarantees 8 bytes
// for small objects); the garbage collector never scans them. For T with pointers, a plain slice.
func newSlots[T any](n int) []slot[T] {
	var zero slot[T]
	if hasPointers(reflect.TypeOf(zero)) {
		return make([]slot[T], n)
	}
	size := int(unsafe.Sizeof(zero))
	mem := make([]byte, n*size+CacheLine)
	off := (CacheLine - int(uintptr(unsafe.Pointer(&mem[0]))%CacheLine)) % CacheLine
	return unsafe.Slice((*slot[T])(unsafe.Pointer(&mem[off])), n)
}

func hasPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.String, reflect.Slice, reflect.Map, reflect.Interface,
		reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return true
	case reflect.Array:
		return t.Len() > 0 && hasPointers(t.Elem())
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if hasPointers(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
}

// capacityFor validates a requested capacity: a power of two, at least 2.
func capacityFor(n int) (uint64, error) {
	if n < 2 || n&(n-1) != 0 || n > 1<<40 {
		return 0, errCapacity(n)
	}
	return uint64(n), nil
}
