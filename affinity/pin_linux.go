//go:build linux

package affinity

import (
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// maxPinCPU is the size of the kernel mask unix.CPUSet holds.
const maxPinCPU = len(unix.CPUSet{}) * 64

// Pin locks the calling goroutine to its OS thread and sets that thread's
// affinity to the single CPU cpu, then verifies it: the mask read back must
// be {cpu} and getcpu(2) must report cpu. It refuses (ErrCPUNotAllowed) a
// CPU outside the thread's current mask, which is the process's cgroup- and
// taskset-bounded set unless the caller narrowed it.
//
// Call Pin on the goroutine to pin, never on its behalf. On error nothing is
// changed: the mask is restored and the goroutine unlocked. On success the
// caller owns the returned Pinning and releases it with Unpin on the same
// goroutine (or exits, see Pinning). Pin allocates the Pinning; it is not
// meant for hot paths.
func Pin(cpu int) (*Pinning, error) {
	runtime.LockOSThread()
	p, err := pinLocked(cpu)
	if err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	return p, nil
}

func pinLocked(cpu int) (*Pinning, error) {
	var orig unix.CPUSet
	if err := unix.SchedGetaffinity(0, &orig); err != nil {
		return nil, fmt.Errorf("affinity: pin cpu %d: sched_getaffinity: %w", cpu, err)
	}
	allowed := fromUnix(&orig)
	if cpu < 0 || cpu >= maxPinCPU || !orig.IsSet(cpu) {
		return nil, fmt.Errorf("%w: cpu %d (allowed %s)", ErrCPUNotAllowed, cpu, allowed)
	}
	var want unix.CPUSet
	want.Set(cpu)
	if err := unix.SchedSetaffinity(0, &want); err != nil {
		return nil, fmt.Errorf("affinity: pin cpu %d: sched_setaffinity: %w", cpu, err)
	}
	var got unix.CPUSet
	err := unix.SchedGetaffinity(0, &got)
	on, cpuErr := CurrentCPU()
	if err != nil || got != want || cpuErr != nil || on != cpu {
		// Restore before reporting: the caller's thread must not keep a
		// mask it was told it did not get.
		_ = unix.SchedSetaffinity(0, &orig)
		return nil, fmt.Errorf("%w: cpu %d: mask read back %s, running on %d", ErrPinNotVerified, cpu, fromUnix(&got), on)
	}
	return &Pinning{cpu: cpu, tid: unix.Gettid(), orig: allowed}, nil
}

// Unpin restores the thread's original affinity mask and then unlocks the
// goroutine from its thread. It must run on the goroutine that called Pin
// (ErrWrongThread otherwise, and nothing changes). If restoring the mask
// fails the goroutine stays locked, so the thread dies with it rather than
// return to the scheduler with a single-CPU mask.
func (p *Pinning) Unpin() error {
	if p.unpinned {
		return ErrUnpinned
	}
	if tid := unix.Gettid(); tid != p.tid {
		return fmt.Errorf("%w: pinned thread %d, called on %d", ErrWrongThread, p.tid, tid)
	}
	orig := toUnix(p.orig)
	if err := unix.SchedSetaffinity(0, &orig); err != nil {
		return fmt.Errorf("affinity: unpin cpu %d: sched_setaffinity: %w", p.cpu, err)
	}
	p.unpinned = true
	runtime.UnlockOSThread()
	return nil
}

// CurrentCPU returns the CPU the calling thread is running on (getcpu(2)).
// Unless the goroutine is pinned the answer may be stale on return.
func CurrentCPU() (int, error) {
	var cpu, node uint32
	_, _, errno := unix.RawSyscall(unix.SYS_GETCPU, uintptr(unsafe.Pointer(&cpu)), uintptr(unsafe.Pointer(&node)), 0)
	if errno != 0 {
		return -1, fmt.Errorf("affinity: getcpu: %w", errno)
	}
	return int(cpu), nil
}

// ThreadAllowed returns the calling thread's affinity mask
// (sched_getaffinity(0)): the CPUs the process may use, as bounded by its
// cgroup cpuset and taskset, unless this thread has been pinned.
func ThreadAllowed() (CPUSet, error) {
	var m unix.CPUSet
	if err := unix.SchedGetaffinity(0, &m); err != nil {
		return CPUSet{}, fmt.Errorf("affinity: sched_getaffinity: %w", err)
	}
	return fromUnix(&m), nil
}

func threadAllowed() (CPUSet, error) { return ThreadAllowed() }

func fromUnix(m *unix.CPUSet) CPUSet {
	var s CPUSet
	for c := 0; c < maxPinCPU; c++ {
		if m.IsSet(c) {
			s.words = setBit(s.words, c)
		}
	}
	return s
}

func toUnix(s CPUSet) unix.CPUSet {
	var m unix.CPUSet
	for _, c := range s.CPUs() {
		if c < maxPinCPU {
			m.Set(c)
		}
	}
	return m
}
