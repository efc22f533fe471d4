package affinity

import "fmt"

// Strategy is one step of a placement search path: which CPUs, relative to
// an already placed peer (the anchor), a thread may take. Strategies are
// tried in order, as in OpenHFT's Java-Thread-Affinity, and the first that
// finds a free CPU wins.
type Strategy uint8

// Strategies, from nearest to farthest. The zero value is invalid.
const (
	SameCore        Strategy = iota + 1 // the anchor's SMT twin
	SameL2                              // shares the anchor's L2 (a cluster of E cores, or the core)
	SameL3                              // shares the anchor's last-level cache (a CCX, a socket)
	SameNode                            // the anchor's NUMA node
	SameSocket                          // the anchor's package
	DifferentCore                       // any core but the anchor's
	DifferentSocket                     // another package than the anchor's
	AnyCPU                              // anything free
)

var strategyNames = [...]string{"", "same-core", "same-l2", "same-l3", "same-node", "same-socket", "different-core", "different-socket", "any"}

// DefaultStrategies returns the search path used when a thread names none:
// nearest first, so that threads talking through a ring share as much cache
// as whole-core reservation leaves them. It returns a new slice.
func DefaultStrategies() []Strategy {
	return []Strategy{SameCore, SameL2, SameL3, SameNode, SameSocket, DifferentCore, DifferentSocket, AnyCPU}
}

// String names the strategy as configuration spells it ("same-l3").
func (s Strategy) String() string {
	if s > 0 && int(s) < len(strategyNames) {
		return strategyNames[s]
	}
	return fmt.Sprintf("Strategy(%d)", uint8(s))
}

// MarshalText encodes the strategy by name.
func (s Strategy) MarshalText() ([]byte, error) {
	if s == 0 || int(s) >= len(strategyNames) {
		return nil, fmt.Errorf("affinity: invalid strategy %d", uint8(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText decodes a strategy name.
func (s *Strategy) UnmarshalText(b []byte) error {
	v, err := ParseStrategy(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ParseStrategy returns the strategy named name ("same-core", ..., "any").
func ParseStrategy(name string) (Strategy, error) {
	for i, n := range strategyNames {
		if i > 0 && n == name {
			return Strategy(i), nil
		}
	}
	return 0, fmt.Errorf("affinity: unknown strategy %q (want one of same-core, same-l2, same-l3, same-node, same-socket, different-core, different-socket, any)", name)
}

// admits reports whether cand is acceptable under s relative to anchor.
func (s Strategy) admits(t *Topology, anchor, cand CPU) bool {
	switch s {
	case SameCore:
		return anchor.Siblings.Contains(cand.ID)
	case SameL2:
		return t.sharesCache(anchor, cand.ID, 2)
	case SameL3:
		return t.sharesCache(anchor, cand.ID, 3)
	case SameNode:
		return anchor.Node != unknownID && anchor.Node == cand.Node
	case SameSocket:
		return anchor.Package == cand.Package
	case DifferentCore:
		return !anchor.Siblings.Contains(cand.ID)
	case DifferentSocket:
		return anchor.Package != cand.Package
	case AnyCPU:
		return true
	}
	return false
}
