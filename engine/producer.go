package engine

import (
	"reflect"
	"unsafe"

	"github.com/hotpath-go/hotpath/events"
)

// Producer publishes events from one source. It comes in two sorts:
//
//   - dedicated (Engine.NewProducer): owns one single-producer lane to every worker, for the
//     lowest latency and no contention. It must be used by one goroutine at a time, like the
//     ring it feeds. Its events get IDs from its own generator (when Header.ID is 0) and every
//     Config.LatencyEvery-th is timed.
//   - shared (Engine.Publisher): safe for concurrent use by any number of goroutines; they share
//     one multi-producer lane per worker (one compare-and-swap per publish). IDs are left as
//     given.
//
// Either way a publish routes the event through the current table: it copies it into one lane
// slot per group of routes (per worker and lane) and runs the inline routes on the calling
// goroutine, then returns. Events published by one producer to one route are delivered in
// publish order. Publishing allocates nothing.
//
// A publish returns nil once every route has the event (or has dropped it by its overflow
// policy, which the route counts); ErrFull if a Fail route refused it (the other routes have
// it); ErrNotStarted before Start; ErrStopped once Stop has begun (and, for a publish racing
// Stop, when Stop did not deliver it to every route); ErrClosed after Close; or the first error
// of an inline route. An event whose source and kind have no route is counted (Engine.Unrouted) and nil is
// returned.
type Producer struct {
	eng *Engine
	src events.Source
	snd *sender // nil: shared
}

// NewProducer returns a dedicated Producer for source (interned on first use): one goroutine at a
// time only. Close it when done; Stop does not wait for it.
func (e *Engine) NewProducer(source string) (*Producer, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if st := e.state.Load(); st > stateRunning {
		return nil, ErrStopped
	}
	src, err := e.sourceLocked(source)
	if err != nil {
		return nil, err
	}
	s, err := e.newSender(nil)
	if err != nil {
		return nil, err
	}
	s.ctx = &Context{eng: e, snd: s, worker: -1}
	e.producers = append(e.producers, s)
	return &Producer{eng: e, src: src, snd: s}, nil
}

// Publisher returns a shared Producer for source (interned on first use): safe for concurrent use
// by any goroutine, no set-up per goroutine, at the cost of a compare-and-swap per publish and
// per worker. Close does nothing on it.
func (e *Engine) Publisher(source string) (*Producer, error) {
	src, err := e.Source(source)
	if err != nil {
		return nil, err
	}
	return &Producer{eng: e, src: src}, nil
}

// Source returns the producer's source.
func (p *Producer) Source() events.Source { return p.src }

// PublishRaw publishes r (Header.Kind must be set; Source is set from the producer). r is only
// read, and may be reused as soon as PublishRaw returns.
func (p *Producer) PublishRaw(r *events.Raw) error {
	if p.snd != nil {
		return p.snd.publish(p.src, r)
	}
	return p.eng.publishShared(nil, p.src, r)
}

// PublishBatch publishes rs in order: one table load and one wake-up per worker for the batch.
func (p *Producer) PublishBatch(rs []events.Raw) error {
	if p.snd != nil {
		return p.snd.publishBatch(p.src, rs)
	}
	var err error
	for i := range rs {
		if e1 := p.eng.publishShared(nil, p.src, &rs[i]); e1 != nil && err == nil {
			err = e1
		}
	}
	return err
}

// Close ends a dedicated producer: later publishes return ErrClosed, and each worker forgets the
// producer's lanes once it has drained them. Call it from the producer's goroutine, after its
// last publish. It is idempotent, and does nothing on a shared producer.
func (p *Producer) Close() error {
	s := p.snd
	if s == nil || s.closed {
		return nil
	}
	s.closed = true
	e := p.eng
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, l := range s.lanes {
		l.closed.Store(true)
	}
	for _, l := range s.lossy {
		if l != nil {
			l.ring.Close()
		}
	}
	for i, o := range e.producers {
		if o == s {
			e.producers = append(e.producers[:i:i], e.producers[i+1:]...)
			break
		}
	}
	return nil
}

// Publish publishes the event e, of a registered kind T, from producer p: the typed form of
// PublishRaw. A zero Header.Kind is filled in from T. It does not allocate.
func Publish[T any](p *Producer, e *T) error {
	if unsafe.Sizeof(*e) == events.MaxSize && (*events.Header)(unsafe.Pointer(e)).Kind != 0 {
		return p.PublishRaw((*events.Raw)(unsafe.Pointer(e))) // a full-size kind is a Raw
	}
	r := events.ToRaw(e)
	if r.Kind == 0 {
		r.Kind = p.eng.kindOf(reflect.TypeFor[T]())
	}
	return p.PublishRaw(&r)
}

// kindOf returns the kind of Go type t from the current table, or 0.
func (e *Engine) kindOf(t reflect.Type) events.Kind {
	if tb := e.table.Load(); tb != nil {
		return tb.kindOfType(t)
	}
	return 0
}
