package affinity

import (
	"errors"
	"runtime"
)

// Errors callers branch on.
var (
	// ErrUnsupported is returned where the platform cannot pin threads or
	// report affinity (anything but Linux).
	ErrUnsupported = errors.New("affinity: not supported on this platform")
	// ErrCPUNotAllowed is returned by Pin for a CPU outside the calling
	// thread's affinity mask (which a cgroup cpuset or taskset bounds); the
	// error wraps it with the CPU number and the allowed set.
	ErrCPUNotAllowed = errors.New("affinity: cpu not in the allowed set")
	// ErrPinNotVerified is returned by Pin when the mask read back, or the
	// CPU the thread runs on, is not the one asked for. The thread's
	// original mask has been restored.
	ErrPinNotVerified = errors.New("affinity: pin not verified")
	// ErrWrongThread is returned by Unpin called from another goroutine
	// than the one that pinned.
	ErrWrongThread = errors.New("affinity: unpin from a different thread than the pin")
	// ErrUnpinned is returned by a second Unpin.
	ErrUnpinned = errors.New("affinity: already unpinned")
)

// Pinning is the pinned state of one goroutine, returned by Pin. It holds
// the OS thread's original affinity mask so that Unpin can restore it.
//
// A Pinning belongs to the goroutine that called Pin: only that goroutine
// may call Unpin. It is not safe for concurrent use.
//
// A goroutine that returns while still pinned exits locked to its thread,
// and the Go runtime then terminates that thread instead of reusing it: a
// pinned mask can never leak to unrelated goroutines. So a worker that pins
// itself and runs until it returns need not Unpin at all.
type Pinning struct {
	cpu      int    // the CPU pinned to
	tid      int    // the OS thread that was pinned
	orig     CPUSet // the thread's mask before Pin
	unpinned bool   // Unpin has run
}

// CPU returns the logical CPU the goroutine is pinned to.
func (p *Pinning) CPU() int { return p.cpu }

// Original returns the thread's affinity mask from before the pin.
func (p *Pinning) Original() CPUSet { return p.orig }

// SetGOMAXPROCS sets GOMAXPROCS to n and returns the previous setting. An
// explicit setting matters once workers are pinned: since Go 1.25 the
// runtime re-derives its default GOMAXPROCS from the CPU affinity mask and
// the cgroup quota about once a second, and an explicit call turns that off
// for the life of the process, so GOMAXPROCS stays what the engine planned
// however threads are pinned. n <= 0 only reports the current value, as
// runtime.GOMAXPROCS does, and leaves automatic updates alone.
func SetGOMAXPROCS(n int) (prev int) { return runtime.GOMAXPROCS(n) }
