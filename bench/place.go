package bench

import (
	"fmt"
	"sync"

	"github.com/hotpath-go/hotpath/affinity"
)

// placement pins a phase's goroutines, producers first, then consumers, each to its own CPU,
// when there is a CPU for every one of them; otherwise it pins nothing (goroutines that
// outnumber the CPUs must share them, and pinned goroutines cannot). Pinning is best effort:
// a failure is noted and the goroutine runs unpinned.
type placement struct {
	producers int
	cpus      []int // nil: no pinning

	mu    sync.Mutex // guards notes; taken only when a pin fails
	notes []string
}

// newPlacement plans producers+consumers goroutines over cpus (in order).
func newPlacement(cpus []int, producers, consumers int) *placement {
	pl := &placement{producers: producers}
	if n := producers + consumers; n >= 1 && len(cpus) >= n {
		pl.cpus = cpus[:producers+consumers]
	}
	return pl
}

// pinned reports whether the plan pins.
func (pl *placement) pinned() bool { return pl.cpus != nil }

// consumerCPUs returns the CPUs of the consumers, for Env.CPUs; nil when the plan does not pin.
func (pl *placement) consumerCPUs() []int {
	if pl.cpus == nil {
		return nil
	}
	return append([]int(nil), pl.cpus[pl.producers:]...)
}

// producer pins the calling goroutine as producer p. The goroutine must exit without unpinning
// (it then exits locked to its thread, and the runtime retires the thread with its mask).
func (pl *placement) producer(p int) { pl.pin(p) }

// consumer pins the calling goroutine as consumer c; it is the onStart handed to Targets.
func (pl *placement) consumer(c int) { pl.pin(pl.producers + c) }

func (pl *placement) pin(i int) {
	if pl.cpus == nil || i >= len(pl.cpus) {
		return
	}
	if _, err := affinity.Pin(pl.cpus[i]); err != nil {
		pl.mu.Lock()
		pl.notes = append(pl.notes, fmt.Sprintf("not pinned: %v", err))
		pl.mu.Unlock()
	}
}

// takeNotes returns the failures noted so far.
func (pl *placement) takeNotes() []string {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	return append([]string(nil), pl.notes...)
}
