//go:build linux

package engine

import "golang.org/x/sys/unix"

// membarrier(2) commands.
const (
	membarrierGlobal                   = 1 << 0
	membarrierPrivateExpedited         = 1 << 3
	membarrierRegisterPrivateExpedited = 1 << 4
)

// registerBarrier registers the process for membarrier's private expedited command (idempotent);
// false if the kernel lacks it.
func registerBarrier() bool {
	_, _, errno := unix.Syscall(unix.SYS_MEMBARRIER, membarrierRegisterPrivateExpedited, 0, 0)
	return errno == 0
}

// membarrier runs a memory barrier on every running thread of the process; false if the kernel
// refuses.
func membarrier(expedited bool) bool {
	if expedited {
		if _, _, errno := unix.Syscall(unix.SYS_MEMBARRIER, membarrierPrivateExpedited, 0, 0); errno == 0 {
			return true
		}
	}
	_, _, errno := unix.Syscall(unix.SYS_MEMBARRIER, membarrierGlobal, 0, 0)
	return errno == 0
}
