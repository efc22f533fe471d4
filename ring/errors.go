package ring

import (
	"errors"
	"fmt"
)

// Sentinel errors of the ring package.
var (
	// ErrClosed is returned to producers after Close, and to consumers once a closed ring is
	// drained.
	ErrClosed = errors.New("ring: closed")
	// ErrCapacity is returned by constructors for a capacity that is not a power of two >= 2.
	ErrCapacity = errors.New("ring: capacity must be a power of two >= 2")
	// ErrTooLarge is returned when a batch is larger than the ring.
	ErrTooLarge = errors.New("ring: batch larger than the ring")
	// ErrSealed is returned when a multicast consumer is added after publishing started.
	ErrSealed = errors.New("ring: consumers must be added before the first publish")
)

func errCapacity(n int) error { return fmt.Errorf("%w: got %d", ErrCapacity, n) }
