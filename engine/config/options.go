package config

import (
	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/tiers"
)

// pick returns the route's setting if it has one, else the event type's.
func pick[T any](route, set *opt[T]) *opt[T] {
	if route != nil {
		return route
	}
	return set
}

// options resolves a route's settings: the route's own, else its event type's, else the
// defaults. It checks that the tier exists and uses every setting given.
func (b *builder) options(set, rt *optSpec, k *events.KindInfo) (RouteOptions, TierSpec, bool) {
	o := RouteOptions{Tier: "standard", BatchSize: DefaultBatchSize, MaxWait: DefaultMaxWait, Retry: tiers.DefaultRetryConfig()}
	spec, _ := b.tiers.Lookup("standard")
	if t := pick(rt.tier, set.tier); t != nil {
		o.Tier = t.v
		s, found := b.tiers.Lookup(t.v)
		if !found {
			b.errs.at(t.at, t.path, t.v, ErrUnknownTier, "unknown tier %q%s", t.v, hint(t.v, b.tiers.Names()))
			return o, TierSpec{Name: t.v}, false
		}
		spec = s
	}
	ok := true
	// uses reports whether the route's tier uses a setting. A setting of the route's own that
	// the tier does not use is a mistake; one inherited from the event type applies only to
	// the routes whose tiers use it (set() reports one that no route uses).
	uses := func(k Knobs, at pos, path, key string, inherited bool) bool {
		if spec.Knobs&k != 0 {
			return true
		}
		if !inherited {
			b.errs.at(at, path, key, ErrSetting, "%s does not apply to tier %s (%s)", key, spec.Name, b.tiers.using(k))
			ok = false
		}
		return false
	}
	if v := pick(rt.overflow, set.overflow); v != nil && uses(KnobOverflow, v.at, v.path, "overflow", rt.overflow == nil) {
		o.Overflow = v.v
	}
	b.placement(&o, set, rt, uses, &ok)
	if v := pick(rt.batchSize, set.batchSize); v != nil && uses(KnobBatch, v.at, v.path, "batch_size", rt.batchSize == nil) {
		o.BatchSize = v.v
	}
	if v := pick(rt.maxWait, set.maxWait); v != nil && uses(KnobBatch, v.at, v.path, "max_wait", rt.maxWait == nil) {
		o.MaxWait = v.v
	}
	if r := pick2(rt.retry, set.retry); r != nil && uses(KnobRetry, r.at, r.path, "retry", rt.retry == nil) {
		b.retry(&o.Retry, set.retry, rt.retry, &ok)
	}
	if v := pick(rt.deadLetter, set.deadLetter); v != nil && uses(KnobDeadLetter, v.at, v.path, "dead_letter", rt.deadLetter == nil) {
		if c, found := b.component(v.v, v.at, v.path); !found {
			ok = false
		} else if c.Transformer() {
			b.errs.at(v.at, v.path, v.v, ErrChain, "dead_letter %s is a transformer; expected a container that takes %s", v.v, kindName(k))
			ok = false
		} else if !b.takes(c, &stepSpec{at: v.at, path: v.path, name: v.v}, k, "the events its route gives up on") {
			ok = false
		} else {
			o.DeadLetter = c
		}
	}
	if br := pick2(rt.breaker, set.breaker); br != nil && uses(KnobCircuitBreaker, br.at, br.path, "circuit_breaker", rt.breaker == nil) {
		cb := tiers.DefaultBreakerConfig()
		for _, s := range []*breakerSpec{set.breaker, rt.breaker} {
			if s == nil {
				continue
			}
			if s.threshold != nil {
				cb.FailureThreshold = s.threshold.v
			}
			if s.open != nil {
				cb.OpenDuration = s.open.v
			}
			if s.probes != nil {
				cb.HalfOpenProbes = s.probes.v
			}
		}
		if err := cb.Validate(); err != nil {
			b.errs.add(&Error{Line: br.at.line, Col: br.at.col, Path: br.path, Msg: err.Error(), Err: ErrValue, Cause: err})
			ok = false
		}
		o.CircuitBreaker = &cb
	}
	return o, spec, ok
}

// pick2 is pick for the nested settings.
func pick2[T any](route, set *T) *T {
	if route != nil {
		return route
	}
	return set
}

func kindName(k *events.KindInfo) string {
	if k == nil {
		return "the route's events"
	}
	return k.Name
}

// placement resolves worker and cpu: the route's (either) over the event type's; cpu names the
// worker pinned to that CPU by engine.cpus.
func (b *builder) placement(o *RouteOptions, set, rt *optSpec, uses func(Knobs, pos, string, string, bool) bool, ok *bool) {
	lvl, inherited := rt, false
	if rt.worker == nil && rt.cpu == nil {
		lvl, inherited = set, true
	}
	w, c := lvl.worker, lvl.cpu
	if w != nil && c != nil {
		b.errs.at(c.at, c.path, c.text, ErrValue, "both worker and cpu are set; set one (cpu %d means the worker pinned to CPU %d by engine.cpus)", c.v, c.v)
		*ok = false
		return
	}
	switch {
	case w != nil:
		if !uses(KnobWorker, w.at, w.path, "worker", inherited) {
			return
		}
		if n := b.eng.Workers; n > 0 && w.v >= n {
			b.errs.at(w.at, w.path, w.text, ErrValue, "worker %d does not exist: engine.workers is %d (workers are numbered from 0)", w.v, n)
			*ok = false
			return
		}
		o.Worker = w.v
	case c != nil:
		if !uses(KnobWorker, c.at, c.path, "cpu", inherited) {
			return
		}
		if len(b.eng.CPUs) == 0 {
			b.errs.at(c.at, c.path, c.text, ErrValue, "cpu %d: no worker is pinned (engine.cpus is not set); pin workers with engine: {cpus: [...]} or use worker:", c.v)
			*ok = false
			return
		}
		for i, cpu := range b.eng.CPUs {
			if cpu == c.v {
				o.Worker = i
				return
			}
		}
		b.errs.at(c.at, c.path, c.text, ErrValue, "cpu %d: no worker is pinned to it (engine.cpus: %v)", c.v, b.eng.CPUs)
		*ok = false
	}
}

// retry overlays the retry settings of the event type and then the route on the defaults.
func (b *builder) retry(r *tiers.RetryConfig, set, rt *retrySpec, ok *bool) {
	var lastInit, lastMax *opt[any]
	for _, s := range []*retrySpec{set, rt} {
		if s == nil {
			continue
		}
		if s.maxRetries != nil {
			r.MaxRetries = s.maxRetries.v
		}
		if s.initial != nil {
			r.InitialInterval = s.initial.v
			lastInit = &opt[any]{at: s.initial.at, path: s.initial.path, text: s.initial.text}
		}
		if s.max != nil {
			r.MaxInterval = s.max.v
			lastMax = &opt[any]{at: s.max.at, path: s.max.path, text: s.max.text}
		}
		if s.multiplier != nil {
			r.Multiplier = s.multiplier.v
		}
		if s.jitter != nil {
			r.RandomizationFactor = s.jitter.v
		}
	}
	if r.MaxInterval < r.InitialInterval {
		at := pick2(lastMax, lastInit)
		if at == nil {
			at = &opt[any]{at: pick2(rt, set).at, path: pick2(rt, set).path}
		}
		b.errs.at(at.at, at.path, at.text, ErrValue, "max_interval %s is below initial_interval %s; expected max_interval >= initial_interval", dur(r.MaxInterval), dur(r.InitialInterval))
		*ok = false
		return
	}
	if err := r.Validate(); err != nil {
		s := pick2(rt, set)
		b.errs.add(&Error{Line: s.at.line, Col: s.at.col, Path: s.path, Msg: err.Error(), Err: ErrValue, Cause: err})
		*ok = false
	}
}

// setting is a route setting written for an event type.
type setting struct {
	at        pos
	path, key string
	k         Knobs
}

// settings lists the route settings written in o.
func settings(o *optSpec) []setting {
	var all []setting
	add := func(present bool, at pos, path, key string, k Knobs) {
		if present {
			all = append(all, setting{at, path, key, k})
		}
	}
	add(o.overflow != nil, atOf(o.overflow), pathOf(o.overflow), "overflow", KnobOverflow)
	add(o.worker != nil, atOf(o.worker), pathOf(o.worker), "worker", KnobWorker)
	add(o.cpu != nil, atOf(o.cpu), pathOf(o.cpu), "cpu", KnobWorker)
	add(o.batchSize != nil, atOf(o.batchSize), pathOf(o.batchSize), "batch_size", KnobBatch)
	add(o.maxWait != nil, atOf(o.maxWait), pathOf(o.maxWait), "max_wait", KnobBatch)
	add(o.deadLetter != nil, atOf(o.deadLetter), pathOf(o.deadLetter), "dead_letter", KnobDeadLetter)
	if o.retry != nil {
		add(true, o.retry.at, o.retry.path, "retry", KnobRetry)
	}
	if o.breaker != nil {
		add(true, o.breaker.at, o.breaker.path, "circuit_breaker", KnobCircuitBreaker)
	}
	return all
}

// markUsed records the event type's settings that the tier of one of its routes uses.
func (b *builder) markUsed(s *setSpec, spec TierSpec) {
	for _, x := range settings(&s.opts) {
		if spec.Knobs&x.k != 0 {
			b.used[x.path] = true
		}
	}
}

// unused reports the settings of an event type that none of its routes' tiers uses.
func (b *builder) unused(s *setSpec) {
	for _, x := range settings(&s.opts) {
		if !b.used[x.path] {
			b.errs.at(x.at, x.path, x.key, ErrSetting, "%s is set for the routes of %s from %s, but none of their tiers uses it (%s)", x.key, s.kind, s.source, b.tiers.using(x.k))
		}
	}
}

func atOf[T any](o *opt[T]) pos {
	if o == nil {
		return pos{}
	}
	return o.at
}

func pathOf[T any](o *opt[T]) string {
	if o == nil {
		return ""
	}
	return o.path
}
