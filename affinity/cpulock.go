package affinity

import "errors"

// ErrCPUBusy is returned by LockCPU when another holder, in this process
// or another, has the CPU's lock.
var ErrCPUBusy = errors.New("affinity: cpu held by another owner")

// CPULock is an advisory, exclusive claim on one CPU among cooperating
// processes on a host (two engines must not pin to the same cores). It is a
// flock(2) on DIR/cpuN.lock: the kernel releases it when the holder's file
// is closed, including when the process dies, so a crashed engine never
// leaves a CPU claimed. The file's content (the holder's pid) is for humans.
//
// A CPULock is not safe for concurrent use; Unlock once.
type CPULock struct {
	cpu  int
	path string
	file lockFile
}

// CPU returns the locked CPU.
func (l *CPULock) CPU() int { return l.cpu }

// Path returns the lock file's path.
func (l *CPULock) Path() string { return l.path }
