package demo

import (
	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/engine/config"
)

// Notes shown beside the routes of the stand-in tiers.
const (
	FastNote     = "stand-in: runs as standard; batching (batch_size, max_wait) not active until package tiers registers fast"
	ReliableNote = "stand-in: runs as standard; retries, dead_letter and circuit_breaker not active until package tiers registers reliable"
)

// Tiers returns the engine's tiers (inline, standard) and stand-ins for fast and reliable: each
// runs its routes as the standard tier does, is named fast or reliable in listings, accepts and
// checks that tier's settings, and carries a note that says what it does not do yet. The
// tiers package replaces them with the real ones (Tiers.Register under the same names).
func Tiers() *config.Tiers {
	t := config.NewTiers()
	for _, s := range []config.TierSpec{
		{Name: "fast", Knobs: config.KnobWorker | config.KnobOverflow | config.KnobBatch, Note: FastNote},
		{Name: "reliable", Knobs: config.KnobWorker | config.KnobOverflow | config.KnobRetry | config.KnobDeadLetter | config.KnobCircuitBreaker, Note: ReliableNote},
	} {
		name := s.Name
		s.New = func(config.RouteOptions) (engine.Tier, error) { return standIn{name: name}, nil }
		_ = t.Register(s) // cannot fail: a name and a New
	}
	return t
}

// standIn is a tier that places a route like engine.Standard under another name.
type standIn struct{ name string }

func (s standIn) Name() string { return s.name }
func (standIn) Inline() bool   { return false }
func (standIn) Bind(engine.RouteInfo, engine.Step) (engine.Binding, error) {
	return engine.Binding{}, nil
}

var _ engine.Tier = standIn{}
