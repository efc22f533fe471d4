package events

import (
	"errors"
	"sync/atomic"
)

// ErrIDSpaceExhausted is returned by IDSpace.NewGen when all 65535 generators are taken.
var ErrIDSpaceExhausted = errors.New("events: all 65535 ID generators of the space are in use")

// IDSpace hands out ID generators whose IDs never collide: generator g produces
// g<<48 | n for n = 1, 2, ... An IDSpace is safe for concurrent use; it is written only when a
// generator is created, never per event. The zero value is ready to use.
//
// To keep IDs unique across restarts (as a write-ahead log replay needs), give each process run
// its own space base: see [IDSpace.SetEpoch].
type IDSpace struct {
	next  atomic.Uint32
	epoch atomic.Uint64
}

// SetEpoch makes later generators start their counters at epoch<<24 (so a run that starts with
// a larger epoch, such as a boot counter or the start time in seconds, issues larger IDs than the
// runs before it, as long as each generator issues fewer than 2^24 IDs per epoch step). Call it
// before creating generators.
func (s *IDSpace) SetEpoch(epoch uint64) { s.epoch.Store(epoch) }

// NewGen returns a generator with its own 16-bit prefix. Each generator must be used by one
// goroutine at a time (a producer owns its generator).
func (s *IDSpace) NewGen() (*IDGen, error) {
	g := s.next.Add(1)
	if g > 0xFFFF {
		return nil, ErrIDSpaceExhausted
	}
	return &IDGen{prefix: uint64(g) << 48, n: (s.epoch.Load() << 24) & (1<<48 - 1)}, nil
}

// IDGen issues unique event IDs for one producer. It is not safe for concurrent use: give each
// producer goroutine its own. Next does not allocate and touches only the generator.
type IDGen struct {
	prefix uint64
	n      uint64
}

// Next returns a new ID, never 0.
func (g *IDGen) Next() uint64 {
	g.n++
	return g.prefix | g.n&(1<<48-1)
}
