package engine_test

import (
	"unsafe"

	"github.com/hotpath-go/hotpath/events"
)

// unsafePointerAt returns a pointer to the field at offset off of r, as a compiled condition
// loads it.
func unsafePointerAt(r *events.Raw, off uintptr) unsafe.Pointer {
	return unsafe.Add(unsafe.Pointer(r), off)
}
