//go:build unix

package affinity

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

type lockFile = *os.File

// LockCPU claims cpu by taking an exclusive, non-blocking flock on
// dir/cpuN.lock (creating dir and the file as needed). It returns
// ErrCPUBusy, wrapped with the path, when someone else holds it.
func LockCPU(dir string, cpu int) (*CPULock, error) {
	if cpu < 0 || cpu >= MaxCPU {
		return nil, fmt.Errorf("affinity: lock cpu %d: out of range", cpu)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("affinity: lock cpu %d: %w", cpu, err)
	}
	path := filepath.Join(dir, "cpu"+strconv.Itoa(cpu)+".lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("affinity: lock cpu %d: %w", cpu, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: cpu %d (%s)", ErrCPUBusy, cpu, path)
		}
		return nil, fmt.Errorf("affinity: lock cpu %d: flock %s: %w", cpu, path, err)
	}
	// Best effort: say who holds it.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &CPULock{cpu: cpu, path: path, file: f}, nil
}

// Unlock releases the claim. The file stays, so that the next holder's
// flock is on the same inode.
func (l *CPULock) Unlock() error {
	if l.file == nil {
		return fmt.Errorf("affinity: unlock cpu %d: not locked", l.cpu)
	}
	err := l.file.Close() // closing the last descriptor drops the flock
	l.file = nil
	if err != nil {
		return fmt.Errorf("affinity: unlock cpu %d: %w", l.cpu, err)
	}
	return nil
}

// HeldCPUs returns which of cpus are claimed by others in dir, by trying
// each lock and releasing it at once; pass the result as
// PlanConfig.Exclude. The answer can be stale on return: to keep CPUs,
// lock them.
func HeldCPUs(dir string, cpus CPUSet) (CPUSet, error) {
	var held CPUSet
	for _, c := range cpus.CPUs() {
		l, err := LockCPU(dir, c)
		switch {
		case errors.Is(err, ErrCPUBusy):
			held = held.Add(c)
		case err != nil:
			return CPUSet{}, err
		default:
			if err := l.Unlock(); err != nil {
				return CPUSet{}, err
			}
		}
	}
	return held, nil
}
