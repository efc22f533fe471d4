package cond

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/events"
)

// randomCondition returns a random condition over Signal's fields, nested up to depth.
func randomCondition(rng *rand.Rand, depth int) string {
	if depth == 0 || rng.IntN(3) == 0 {
		leaves := []string{"strength > 0.5", "action == BUY", `symbol in ["AAPL", "MSFT"]`, "ref < 10",
			"id != 3", "action in [HOLD, SELL]", "strength <= -1", "ts >= 0"}
		return leaves[rng.IntN(len(leaves))]
	}
	switch rng.IntN(3) {
	case 0:
		return "!(" + randomCondition(rng, depth-1) + ")"
	case 1:
		return "(" + randomCondition(rng, depth-1) + ") && (" + randomCondition(rng, depth-1) + ")"
	}
	return "(" + randomCondition(rng, depth-1) + ") || (" + randomCondition(rng, depth-1) + ")"
}

// TestProgramShape checks the invariants run relies on: every step's jump goes lower, the
// entry is the last step, and emit never needs its trampoline.
func TestProgramShape(t *testing.T) {
	info, _ := events.NewRegistry().Lookup("Signal")
	rng := rand.New(rand.NewPCG(1, 1))
	for range 2000 {
		src := randomCondition(rng, 5)
		ast, err := parse(src)
		require.Nil(t, err, src)
		c := checker{src: src, kind: &info}
		e, err := c.cond(ast)
		require.Nil(t, err, src)
		e = fold(e, info.Size)
		var p program
		entry := p.emit(e, accept, reject)
		if entry < 0 {
			continue
		}
		require.Equalf(t, int32(len(p.steps)-1), entry, "%s: entry", src)
		for i, s := range p.steps {
			require.Lessf(t, s.jump, int32(i), "%s: step %d jumps up", src, i)
			require.NotEqualf(t, always(s.jump), s, "%s: step %d is a trampoline", src, i)
		}
	}
}
