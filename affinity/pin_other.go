//go:build !linux

package affinity

// Pin returns ErrUnsupported: only Linux lets a thread set its affinity the
// way this package needs.
func Pin(cpu int) (*Pinning, error) { return nil, ErrUnsupported }

// Unpin returns ErrUnsupported.
func (p *Pinning) Unpin() error { return ErrUnsupported }

// CurrentCPU returns ErrUnsupported.
func CurrentCPU() (int, error) { return -1, ErrUnsupported }

// ThreadAllowed returns ErrUnsupported.
func ThreadAllowed() (CPUSet, error) { return CPUSet{}, ErrUnsupported }

func threadAllowed() (CPUSet, error) { return CPUSet{}, ErrUnsupported }
