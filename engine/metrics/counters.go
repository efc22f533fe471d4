package metrics

import (
	"strconv"
	"sync/atomic"
)

// Event is a kind of per-route event that Counters count.
type Event uint8

// The events a route counts. Their String values are the Prometheus label
// values and the JSON field names of EventCounts.
const (
	EventPublished    Event = iota // an event was published to the route
	EventDelivered                 // the route's containers received it
	EventDropped                   // the tier dropped it (full, filtered out, expired)
	EventRetried                   // a delivery was retried
	EventDeadLettered              // it was moved to the dead-letter queue
	EventSpilled                   // it was spilled to the write-ahead log
	EventReplayed                  // it was replayed from the write-ahead log
	EventPanic                     // a container panicked while handling it

	// NumEvents is the number of Event values; valid events are below it.
	NumEvents = iota
)

// String returns the event's name: published, delivered, dropped, retried,
// dead_lettered, spilled, replayed, panics.
func (e Event) String() string {
	switch e {
	case EventPublished:
		return "published"
	case EventDelivered:
		return "delivered"
	case EventDropped:
		return "dropped"
	case EventRetried:
		return "retried"
	case EventDeadLettered:
		return "dead_lettered"
	case EventSpilled:
		return "spilled"
	case EventReplayed:
		return "replayed"
	case EventPanic:
		return "panics"
	}
	return "Event(" + strconv.Itoa(int(e)) + ")"
}

// CircuitState is the state of a route's circuit breaker, as a small integer
// (the value the Prometheus gauge shows).
type CircuitState uint32

// The circuit breaker's states.
const (
	CircuitClosed   CircuitState = 0 // deliveries flow
	CircuitOpen     CircuitState = 1 // deliveries are refused
	CircuitHalfOpen CircuitState = 2 // trial deliveries probe recovery
)

// String returns closed, open or half-open.
func (s CircuitState) String() string {
	switch s {
	case CircuitClosed:
		return "closed"
	case CircuitOpen:
		return "open"
	case CircuitHalfOpen:
		return "half-open"
	}
	return "CircuitState(" + strconv.FormatUint(uint64(s), 10) + ")"
}

// severity orders states for aggregation: open > half-open > closed, and an
// unknown state above all.
func (s CircuitState) severity() int {
	switch s {
	case CircuitClosed:
		return 0
	case CircuitHalfOpen:
		return 1
	case CircuitOpen:
		return 2
	}
	return 3
}

// worse returns whichever of a and b is more severe.
func worse(a, b CircuitState) CircuitState {
	if b.severity() > a.severity() {
		return b
	}
	return a
}

// paddedCounter is one counter on its own cache line.
type paddedCounter struct {
	n atomic.Uint64
	_ [cacheLine - 8]byte
}

// paddedState is the circuit state on its own cache line.
type paddedState struct {
	s atomic.Uint32
	_ [cacheLine - 4]byte
}

// Counters are one route's event counters and circuit state, for one worker
// slot. Every counter lives on its own 64-byte cache line, with a line of
// padding in front, so goroutines writing different counters (a worker its
// deliveries, the spill goroutine its spills, the breaker its state) never
// share a line, with each other or with neighbouring objects.
//
// All methods are safe for concurrent use and allocate nothing: Add is one
// atomic add, Load one atomic load. The zero value is ready to use (all
// zero, circuit closed). Counters must not be copied.
//
// Layout (bytes):
//
//	0    pad
//	64   published        (one line each, 8-byte counter + 56 pad)
//	128  delivered
//	...
//	512  panics
//	576  circuit state    (4-byte state + 60 pad)
//	640  end
type Counters struct {
	_       [cacheLine]byte          // keeps events[0] off the previous object's line
	events  [NumEvents]paddedCounter // one line per Event, indexed by Event
	circuit paddedState              // CircuitState, its own line
}

// Add adds n to the counter of event e. It panics if e >= NumEvents
// (programmer error).
func (c *Counters) Add(e Event, n uint64) { c.events[e].n.Add(n) }

// Inc adds one to the counter of event e.
func (c *Counters) Inc(e Event) { c.events[e].n.Add(1) }

// Load returns the counter of event e.
func (c *Counters) Load(e Event) uint64 { return c.events[e].n.Load() }

// SetCircuit records the circuit breaker's state.
func (c *Counters) SetCircuit(s CircuitState) { c.circuit.s.Store(uint32(s)) }

// Circuit returns the circuit breaker's last recorded state.
func (c *Counters) Circuit() CircuitState { return CircuitState(c.circuit.s.Load()) }

// Snapshot returns every counter. Each is read atomically; together they are
// not one instant (a counter may move between two loads).
func (c *Counters) Snapshot() EventCounts {
	var a [NumEvents]uint64
	for e := range a {
		a[e] = c.events[e].n.Load()
	}
	return eventCountsOf(a)
}

// EventCounts are a route's event counters at one moment.
type EventCounts struct {
	Published    uint64 `json:"published"`
	Delivered    uint64 `json:"delivered"`
	Dropped      uint64 `json:"dropped"`
	Retried      uint64 `json:"retried"`
	DeadLettered uint64 `json:"dead_lettered"`
	Spilled      uint64 `json:"spilled"`
	Replayed     uint64 `json:"replayed"`
	Panics       uint64 `json:"panics"`
}

// eventCountsOf names the counts a, indexed by Event.
func eventCountsOf(a [NumEvents]uint64) EventCounts {
	return EventCounts{
		Published:    a[EventPublished],
		Delivered:    a[EventDelivered],
		Dropped:      a[EventDropped],
		Retried:      a[EventRetried],
		DeadLettered: a[EventDeadLettered],
		Spilled:      a[EventSpilled],
		Replayed:     a[EventReplayed],
		Panics:       a[EventPanic],
	}
}

// Get returns the count of event e, or 0 if e >= NumEvents.
func (ec EventCounts) Get(e Event) uint64 {
	switch e {
	case EventPublished:
		return ec.Published
	case EventDelivered:
		return ec.Delivered
	case EventDropped:
		return ec.Dropped
	case EventRetried:
		return ec.Retried
	case EventDeadLettered:
		return ec.DeadLettered
	case EventSpilled:
		return ec.Spilled
	case EventReplayed:
		return ec.Replayed
	case EventPanic:
		return ec.Panics
	}
	return 0
}

// plus returns the element-wise sum of ec and o.
func (ec EventCounts) plus(o EventCounts) EventCounts {
	return EventCounts{
		Published:    ec.Published + o.Published,
		Delivered:    ec.Delivered + o.Delivered,
		Dropped:      ec.Dropped + o.Dropped,
		Retried:      ec.Retried + o.Retried,
		DeadLettered: ec.DeadLettered + o.DeadLettered,
		Spilled:      ec.Spilled + o.Spilled,
		Replayed:     ec.Replayed + o.Replayed,
		Panics:       ec.Panics + o.Panics,
	}
}
