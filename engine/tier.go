package engine

import (
	"fmt"

	"github.com/hotpath-go/hotpath/engine/metrics"
	"github.com/hotpath-go/hotpath/events"
)

// Tier is the delivery protocol of a route: where the route runs (inline, on the publisher's
// goroutine, or on its worker) and what happens around each delivery. The engine defines it and
// ships two tiers, Inline and Standard; package tiers implements fast (batching), standard and
// reliable (retries, dead letters, write-ahead spill) on top of it. The engine never imports
// tiers.
//
// Bind is called once per route at Compile, never on the hot path. It receives the route's
// compiled chain as next and returns the route's Binding; a tier that only places the route
// returns the zero Binding.
type Tier interface {
	// Name is the tier's name in route listings ("inline", "standard", "fast", "reliable").
	Name() string
	// Inline reports whether the route runs synchronously on the publisher's goroutine (true),
	// or on its worker after a hand-off through the worker's lanes (false).
	Inline() bool
	// Bind wraps the route's chain. An error fails Compile, naming the route.
	Bind(r RouteInfo, next Step) (Binding, error)
}

// Step delivers one event: the compiled form of a route's chain, or a tier's wrapper around it.
// It runs on the route's goroutine (its worker, or the publisher for inline routes) with that
// goroutine's Context, which a wrapper passes on unchanged. ev is valid only during the call.
// The error is the chain's (a refused Emit) or the tier's; the engine counts it on the route and
// reports it to Config.OnError.
type Step func(c *Context, ev *events.Raw) error

// Binding is what a Tier adds to one route. Every field is optional.
type Binding struct {
	// Step, if set, is called for each event instead of the chain (it calls the chain, the
	// next it was given, as often as it likes: zero times to hold an event back, several
	// to retry).
	Step Step
	// EndBatch is called, on the route's goroutine, after the last event of each batch the
	// route received (after every event for inline routes): where a batching tier flushes.
	EndBatch func(c *Context) error
	// OnFull is called on the publisher's goroutine when the route's lane is full, before the
	// overflow policy applies. Returning true means the tier took the event (it spilled it to
	// a write-ahead log, say), and the policy does not apply. A route with OnFull gets a lane
	// slot of its own per event, so the decision is its alone. ev is valid only during the call.
	OnFull func(c *Context, ev *events.Raw) bool
	// OnPublish, if set, is called on the publisher's goroutine for every event published to
	// the route, before it goes into a lane. Returning true means the tier took the event (it
	// wrote it to a log that its Tick replays, say): it does not go into the lane, and neither
	// OnFull nor the overflow policy applies. The engine counts nothing for a taken event (the
	// tier does). Like OnFull, it gives the route a lane slot of its own. It may block (a
	// durable write); it must not when c.OnWorker() (a handler publishing). ev is valid only
	// during the call. Asynchronous routes only.
	OnPublish func(c *Context, ev *events.Raw) bool
	// EndPublish, if set, is called on the publisher's goroutine, with the same Context, once
	// at the end of every publish call (Publish, PublishRaw, PublishBatch, a handler's Emit) in
	// which OnPublish or OnFull took at least one of the route's events, before the call returns; its
	// error becomes the call's. A tier that makes taken events durable waits here, once for a
	// whole PublishBatch (one group commit), rather than in OnPublish once per event. It must
	// not block when c.OnWorker(). Shared publishers (Engine.Publisher) call it after each
	// event.
	EndPublish func(c *Context) error
	// Tick, if set, is called by the route's worker after every pass over its lanes, busy or
	// idle, with the time on the engine's clock (RouteInfo.Clock): where a tier does the work
	// that no event brings (flush a held batch whose time is up, fire a due retry, replay a
	// log). It returns how many events it handled, and when it next wants to be called, on the
	// same clock (0: no deadline). A worker parks only after a pass in which its lanes and its
	// ticks handled nothing, and then naps no longer than the earliest deadline; while Stop
	// drains, a tick that handled events keeps the drain going. Tick runs on the worker with
	// its Context; a panic is recovered, counted and reported like a handler's. Called for
	// asynchronous routes only; it must be cheap when there is nothing to do.
	Tick func(c *Context, now int64) (handled int, next int64)
	// OwnsEndBatch says the tier, not the engine, ends the chain's batches: the engine does not
	// call the EndBatch of the chain's BatchHandlers, and the tier calls RouteInfo.EndChain
	// once it has handed the chain a batch (a batching tier that flushes on its own schedule).
	OwnsEndBatch bool
}

// Inline is the tier of routes that run synchronously on the publisher's goroutine: no hand-off,
// no lane, no overflow; the publisher waits for the chain. Use it for cheap chains where the
// publisher's latency budget allows, and in tests and examples that want output in order.
func Inline() Tier { return inlineTier{} }

// Standard is the default tier: the route runs on its worker (Route.Worker), which takes events
// from its lanes in batches; the route's overflow policy applies when a lane is full.
func Standard() Tier { return standardTier{} }

type inlineTier struct{}

func (inlineTier) Name() string                          { return "inline" }
func (inlineTier) Inline() bool                          { return true }
func (inlineTier) Bind(RouteInfo, Step) (Binding, error) { return Binding{}, nil }

type standardTier struct{}

func (standardTier) Name() string                          { return "standard" }
func (standardTier) Inline() bool                          { return false }
func (standardTier) Bind(RouteInfo, Step) (Binding, error) { return Binding{}, nil }

// Overflow is what a publish does when a route's lane (the ring from the publisher to the
// route's worker) is full. Never silent: every refused or discarded event is counted on its
// route (metrics.EventDropped) and Fail reports it to the publisher.
type Overflow uint8

// Overflow policies. The zero value is Block.
const (
	// Block waits, with Config.PublishWait, until the worker frees a slot. Handlers that
	// publish never block: see Emit.
	Block Overflow = iota
	// DropNewest discards the event being published.
	DropNewest
	// DropOldest discards the oldest event not yet taken by the worker to make room: the worker
	// sees the newest events (conflation under overload). DropOldest routes travel in a lane
	// of their own per (publisher, worker).
	DropOldest
	// Fail refuses the event and the publish returns ErrFull.
	Fail
)

var overflowNames = [...]string{"block", "drop-newest", "drop-oldest", "fail"}

// String returns block, drop-newest, drop-oldest or fail.
func (o Overflow) String() string {
	if int(o) < len(overflowNames) {
		return overflowNames[o]
	}
	return fmt.Sprintf("Overflow(%d)", uint8(o))
}

// ParseOverflow returns the policy named s (as String writes it).
func ParseOverflow(s string) (Overflow, error) {
	for i, n := range overflowNames {
		if n == s {
			return Overflow(i), nil
		}
	}
	return 0, fmt.Errorf("%w: unknown overflow policy %q (want block, drop-newest, drop-oldest or fail)", ErrRoute, s)
}

// RouteInfo describes a compiled route: what Routes lists (for `hotpath routes`) and what a
// Tier's Bind receives.
type RouteInfo struct {
	Name     string        `json:"name"`
	Source   string        `json:"source"`
	Kind     string        `json:"kind"`
	SourceID events.Source `json:"source_id"`
	KindID   events.Kind   `json:"kind_id"`
	Tier     string        `json:"tier"`
	// Worker is the worker the route runs on, or -1 for an inline route.
	Worker   int      `json:"worker"`
	Overflow Overflow `json:"-"`
	// Policy is Overflow's name, for listings.
	Policy string `json:"overflow"`
	// Chain describes the route's adapters and containers.
	Chain string `json:"chain"`
	// Metrics is the route's counters and latency recorders (shared across table swaps by name).
	Metrics *metrics.Route `json:"-"`
	// Clock, EndChain, Wake and Compile are given to Bind only (Engine.Routes leaves them nil).
	//
	// Clock is the engine's clock: the time Binding.Tick is given, for tiers that schedule.
	Clock *metrics.Clock `json:"-"`
	// EndChain calls the EndBatch of the chain's BatchHandlers, in chain order; nil when the
	// chain has none. For tiers that set Binding.OwnsEndBatch; call it on the route's goroutine.
	EndChain func() `json:"-"`
	// Wake wakes the route's worker if it is parked (nil for inline routes): for a tier whose
	// work arrives other than through the route's lane (a log made durable by its flusher, say).
	// Safe for concurrent use; it never blocks.
	Wake func() `json:"-"`
	// Compile compiles another chain for the route's events (a dead-letter target, say) into a
	// Step that the tier may run on the route's goroutine, with that goroutine's Context, as it
	// runs next. t must take the route's event type, or any kind. Unlike next, the Step
	// accounts for its own failures as the engine does for a route's chain: a panic in t is
	// recovered (releasing the Context's scratch space), counted on the route
	// (metrics.EventPanic) and reported to Config.OnError in a *DeliveryError, which the Step
	// returns; an error t returns is reported and returned the same way (not counted: it is no
	// delivery of the route's). The EndBatch of t's BatchHandlers runs after every event, as on
	// an inline route. The Step allocates nothing unless t fails. Call Compile during Bind only
	// (it runs under the engine's lock); a later call fails.
	Compile func(t Target) (Step, error) `json:"-"`
}

var (
	_ Tier = inlineTier{}
	_ Tier = standardTier{}
)
