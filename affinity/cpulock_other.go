//go:build !unix

package affinity

type lockFile = struct{}

// LockCPU returns ErrUnsupported: flock(2) is a Unix facility.
func LockCPU(dir string, cpu int) (*CPULock, error) { return nil, ErrUnsupported }

// Unlock returns ErrUnsupported.
func (l *CPULock) Unlock() error { return ErrUnsupported }

// HeldCPUs returns ErrUnsupported.
func HeldCPUs(dir string, cpus CPUSet) (CPUSet, error) { return CPUSet{}, ErrUnsupported }
