//go:build linux

package membarrier

import "golang.org/x/sys/unix"

// membarrier(2) commands.
const (
	cmdPrivateExpedited         = 1 << 3
	cmdRegisterPrivateExpedited = 1 << 4
)

func register() bool {
	_, _, errno := unix.Syscall(unix.SYS_MEMBARRIER, cmdRegisterPrivateExpedited, 0, 0)
	return errno == 0
}

func barrier() bool {
	_, _, errno := unix.Syscall(unix.SYS_MEMBARRIER, cmdPrivateExpedited, 0, 0)
	return errno == 0
}
