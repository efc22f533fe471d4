package metrics

import (
	"sync"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
)

func TestCountersLayout(t *testing.T) {
	var c Counters
	assert.Equal(t, uintptr(cacheLine), unsafe.Sizeof(paddedCounter{}), "Sizeof(paddedCounter)")
	assert.Equal(t, uintptr(cacheLine), unsafe.Sizeof(paddedState{}), "Sizeof(paddedState)")
	assert.Equal(t, uintptr(cacheLine), unsafe.Offsetof(c.events), "Offsetof(Counters.events)")
	for e := range Event(NumEvents) {
		off := unsafe.Offsetof(c.events) + uintptr(e)*unsafe.Sizeof(c.events[0])
		assert.Equal(t, uintptr(cacheLine)*(uintptr(e)+1), off, "offset of counter %v", e)
		// The counter's first byte and the next counter's are a full line
		// apart, so they never share one, whatever the base alignment.
		addr0 := uintptr(unsafe.Pointer(&c.events[e].n))
		next := uintptr(unsafe.Pointer(&c.circuit.s))
		if e+1 < NumEvents {
			next = uintptr(unsafe.Pointer(&c.events[e+1].n))
		}
		assert.Equal(t, uintptr(cacheLine), next-addr0, "distance from %v to the next counter", e)
	}
	assert.Equal(t, uintptr(cacheLine)*(NumEvents+1), unsafe.Offsetof(c.circuit), "Offsetof(Counters.circuit)")
	assert.Equal(t, uintptr(cacheLine)*(NumEvents+2), unsafe.Sizeof(c), "Sizeof(Counters)")
}

func TestRecorderLayout(t *testing.T) {
	var r Recorder
	assert.Equal(t, uintptr(cacheLine), unsafe.Offsetof(r.seq), "Offsetof(Recorder.seq)")
	assert.Equal(t, uintptr(2*cacheLine), unsafe.Offsetof(r.active), "Offsetof(Recorder.active)")
	assert.Equal(t, uintptr(2*cacheLine)+8, unsafe.Offsetof(r.highest), "Offsetof(Recorder.highest)")
	assert.Equal(t, uintptr(3*cacheLine), unsafe.Offsetof(r.mu), "Offsetof(Recorder.mu)")
}

func TestEventString(t *testing.T) {
	tests := []struct {
		e    Event
		want string
	}{
		{EventPublished, "published"},
		{EventDelivered, "delivered"},
		{EventDropped, "dropped"},
		{EventRetried, "retried"},
		{EventDeadLettered, "dead_lettered"},
		{EventSpilled, "spilled"},
		{EventReplayed, "replayed"},
		{EventPanic, "panics"},
		{Event(NumEvents), "Event(8)"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.e.String(), "Event(%d).String()", tt.e)
	}
}

func TestCircuitState(t *testing.T) {
	tests := []struct {
		s    CircuitState
		want string
	}{
		{CircuitClosed, "closed"},
		{CircuitOpen, "open"},
		{CircuitHalfOpen, "half-open"},
		{CircuitState(7), "CircuitState(7)"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.s.String(), "CircuitState(%d).String()", tt.s)
	}
	worst := []struct{ a, b, want CircuitState }{
		{CircuitClosed, CircuitClosed, CircuitClosed},
		{CircuitClosed, CircuitHalfOpen, CircuitHalfOpen},
		{CircuitHalfOpen, CircuitOpen, CircuitOpen},
		{CircuitOpen, CircuitHalfOpen, CircuitOpen},
		{CircuitOpen, CircuitState(9), CircuitState(9)},
	}
	for _, tt := range worst {
		assert.Equal(t, tt.want, worse(tt.a, tt.b), "worse(%v, %v)", tt.a, tt.b)
	}
}

func TestCountersConcurrent(t *testing.T) {
	var c Counters
	const perG = 50_000
	var wg sync.WaitGroup
	for e := range Event(NumEvents) {
		wg.Add(1)
		go func() { // one writer per counter, as the engine's goroutines are
			defer wg.Done()
			for range perG {
				c.Inc(e)
			}
			c.Add(e, uint64(e))
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.SetCircuit(CircuitHalfOpen)
	}()
	wg.Wait()
	snap := c.Snapshot()
	for e := range Event(NumEvents) {
		assert.Equal(t, uint64(perG)+uint64(e), c.Load(e), "Load(%v)", e)
		assert.Equal(t, uint64(perG)+uint64(e), snap.Get(e), "Snapshot().Get(%v)", e)
	}
	assert.Equal(t, uint64(0), snap.Get(Event(NumEvents)), "Get(out of range)")
	assert.Equal(t, CircuitHalfOpen, c.Circuit())
}

func TestCountersAllocateNothing(t *testing.T) {
	var c Counters
	allocs := testing.AllocsPerRun(1000, func() {
		c.Inc(EventDelivered)
		c.Add(EventSpilled, 3)
		c.SetCircuit(CircuitOpen)
		_ = c.Load(EventDelivered)
	})
	assert.Equal(t, 0.0, allocs, "Counters allocs per run")
}

func TestCountersAddPanicsOutOfRange(t *testing.T) {
	var c Counters
	assert.Panics(t, func() { c.Add(Event(NumEvents), 1) }, "Add(NumEvents)")
}
