package config

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/ring"
)

// The schema, as keys at each level of the document (docs/config.md is its reference):
//
//	x-anything:                 ignored: a place for anchors (&defaults) that routes merge (<<: *defaults)
//	engine:                     optional: the engine's workers and their CPUs
//	  workers, cpus, ring_size, batch, backlog, wait, publish_wait
//	routing:                    required
//	  <source>:                 where events come from (data_source, strategy, risk)
//	    <EventType>:            a kind of the events registry (MarketData, Signal, Order)
//	      tier: fast            + any route setting, as the default of the routes below
//	      routes:               required, not empty
//	        - type: pipeline    pipeline (steps) | filter (condition, target) | broadcast (targets)
//	          steps: [a, b]     a step is a component's name or a nested {type: ...} mapping
//	          name: ...         + any route setting, overriding the event type's
//
// Route settings: tier, overflow, worker, cpu, batch_size, max_wait, retry {max_retries,
// initial_interval, max_interval, multiplier, randomization_factor}, dead_letter,
// circuit_breaker {failure_threshold, open_duration, half_open_probes}.

var (
	topKeys    = []string{"routing", "engine"}
	engineKeys = []string{"workers", "cpus", "ring_size", "batch", "backlog", "wait", "publish_wait"}
	optionKeys = []string{"tier", "overflow", "worker", "cpu", "batch_size", "max_wait", "retry", "dead_letter", "circuit_breaker"}
	stepKeys   = []string{"type", "steps", "condition", "target", "targets"}
	setKeys    = append([]string{"routes"}, optionKeys...)
	routeKeys  = append([]string{"type", "name", "steps", "condition", "target", "targets"}, optionKeys...)
	retryKeys  = []string{"max_retries", "initial_interval", "max_interval", "multiplier", "randomization_factor"}
	// timeout and max_requests are gobreaker's names for open_duration and half_open_probes.
	breakerKeys = []string{"failure_threshold", "open_duration", "half_open_probes", "timeout", "max_requests"}
	routeTypes  = []string{"pipeline", "filter", "broadcast"}
	overflows   = []string{"block", "drop-newest", "drop-oldest", "fail"}
	// typeKeys says which keys each route type takes.
	typeKeys = map[string][]string{"pipeline": {"steps"}, "filter": {"condition", "target"}, "broadcast": {"targets"}}
)

// opt is a setting as written: its value and place.
type opt[T any] struct {
	v    T
	at   pos
	path string
	text string
}

// optSpec is the route settings written at one level (an event type, or a route).
type optSpec struct {
	tier, deadLetter *opt[string]
	overflow         *opt[engine.Overflow]
	worker, cpu      *opt[int]
	batchSize        *opt[int]
	maxWait          *opt[time.Duration]
	retry            *retrySpec
	breaker          *breakerSpec
}

type retrySpec struct {
	at                 pos
	path               string
	maxRetries         *opt[int]
	initial, max       *opt[time.Duration]
	multiplier, jitter *opt[float64]
}

type breakerSpec struct {
	at        pos
	path      string
	threshold *opt[int]
	open      *opt[time.Duration]
	probes    *opt[int]
}

// docSpec is the decoded document.
type docSpec struct {
	engine *engineSpec
	sets   []*setSpec
}

type engineSpec struct {
	at                       pos
	path                     string
	workers                  *opt[int]
	cpus                     *opt[[]int]
	ringSize, batch, backlog *opt[int]
	wait, publishWait        *opt[ring.Wait]
}

// setSpec is the routing of one (source, event type).
type setSpec struct {
	source, kind string
	srcAt        pos
	kindAt       pos
	path         string
	opts         optSpec
	routes       []*routeSpec
}

type routeSpec struct {
	at   pos
	path string
	name *opt[string]
	step *stepSpec // nil if the route's own keys did not decode
	opts optSpec
}

// stepSpec is a step of a chain: a component's name, or a nested route type.
type stepSpec struct {
	at      pos
	path    string
	name    string // a component, when typ is ""
	typ     string
	steps   []*stepSpec
	cond    *condSpec
	target  *stepSpec
	targets []*stepSpec
	broken  bool // a part did not decode (already reported): build nothing
}

type condSpec struct {
	src   string
	path  string
	start pos  // where the condition's characters begin
	style byte // see scalarStart
}

// decodeDoc decodes the document body root.
func (d *decoder) decodeDoc(root ast.Node) *docSpec {
	doc := &docSpec{}
	if root == nil {
		d.errs.at(pos{1, 1}, "", "", ErrMissingKey, "empty configuration; expected a mapping with the key routing")
		return doc
	}
	es, ok := d.mapping(root, "", "the configuration")
	if !ok {
		return doc
	}
	fs := map[string]entry{}
	for _, e := range es {
		switch {
		case contains(topKeys, e.key):
			fs[e.key] = e
		case strings.HasPrefix(e.key, "x-"):
			// An extension field: ignored, a place for anchors (x-defaults: &defaults ...).
		default:
			d.errs.at(e.at, e.path, e.key, ErrUnknownKey, "unknown key %q in the configuration%s (keys beginning with x- are ignored, for anchors)", e.key, hint(e.key, topKeys))
		}
	}
	if e, ok := fs["engine"]; ok {
		doc.engine = d.decodeEngine(e)
	}
	e, ok := fs["routing"]
	if !ok {
		d.errs.at(posOf(d.resolve(root, "")), "", "", ErrMissingKey, "missing key routing; expected routing: <source>: <EventType>: {tier, routes}")
		return doc
	}
	sources, ok := d.mapping(e.val, e.path, "routing: sources of events")
	if !ok {
		return doc
	}
	if len(sources) == 0 {
		d.errs.at(e.at, e.path, "", ErrEmpty, "routing has no sources; expected at least one source, such as data_source:")
	}
	for _, src := range sources {
		kinds, ok := d.mapping(src.val, src.path, fmt.Sprintf("the event types of source %q", src.key))
		if !ok {
			continue
		}
		if len(kinds) == 0 {
			d.errs.at(src.at, src.path, src.key, ErrEmpty, "source %q has no event types; expected at least one, such as MarketData:", src.key)
		}
		for _, k := range kinds {
			doc.sets = append(doc.sets, d.decodeSet(src, k))
		}
	}
	return doc
}

func (d *decoder) decodeEngine(e entry) *engineSpec {
	s := &engineSpec{at: e.at, path: e.path}
	fs, ok := d.fields(e.val, e.path, "engine", engineKeys, nil)
	if !ok {
		return s
	}
	s.workers = d.intOpt(fs, "workers", "workers", 1, engine.MaxWorkers)
	s.ringSize = d.intOpt(fs, "ring_size", "ring_size", 2, 1<<24)
	if s.ringSize != nil && s.ringSize.v&(s.ringSize.v-1) != 0 {
		d.errs.at(s.ringSize.at, s.ringSize.path, s.ringSize.text, ErrValue, "ring_size is %d; expected a power of two such as 1024", s.ringSize.v)
		s.ringSize = nil
	}
	s.batch = d.intOpt(fs, "batch", "batch", 1, math.MaxInt32)
	s.backlog = d.intOpt(fs, "backlog", "backlog", 1, math.MaxInt32)
	s.wait = d.waitOpt(fs, "wait")
	s.publishWait = d.waitOpt(fs, "publish_wait")
	if c, ok := fs["cpus"]; ok {
		items, ok := d.seq(c.val, c.path, "cpus: one CPU number per worker")
		if ok {
			cpus := make([]int, 0, len(items))
			seen := map[int64]bool{}
			good := true
			for i, it := range items {
				v, ok := d.integer(it, index(c.path, i), "a CPU number", 0, 1<<16)
				if !ok {
					good = false
					continue
				}
				if seen[v] {
					d.errs.at(posOf(it), index(c.path, i), text(it), ErrValue, "CPU %d is listed twice; each worker needs a CPU of its own", v)
					good = false
				}
				seen[v] = true
				cpus = append(cpus, int(v))
			}
			if good {
				s.cpus = &opt[[]int]{v: cpus, at: c.at, path: c.path}
			}
		}
	}
	if s.cpus != nil && s.workers != nil && len(s.cpus.v) != s.workers.v {
		d.errs.at(s.cpus.at, s.cpus.path, "", ErrValue, "cpus lists %d CPUs for %d workers; expected one per worker", len(s.cpus.v), s.workers.v)
		s.cpus = nil
	}
	return s
}

func (d *decoder) decodeSet(src, k entry) *setSpec {
	s := &setSpec{source: src.key, kind: k.key, srcAt: src.at, kindAt: k.at, path: k.path}
	fs, ok := d.fields(k.val, k.path, fmt.Sprintf("the routing of %s from %s", k.key, src.key), setKeys, func(key string) string {
		if contains(stepKeys, key) || key == "name" {
			return fmt.Sprintf("%s belongs to a route; write it in an item of routes: (- type: pipeline ...)", key)
		}
		return ""
	})
	if !ok {
		return s
	}
	s.opts = d.decodeOptions(fs)
	r, ok := fs["routes"]
	if !ok {
		d.errs.at(posOf(d.resolve(k.val, k.path)), k.path, "", ErrMissingKey, "missing key routes; expected routes: a list of routes (- type: pipeline, filter or broadcast)")
		return s
	}
	items, ok := d.seq(r.val, r.path, "routes")
	if !ok {
		return s
	}
	if len(items) == 0 {
		d.errs.at(r.at, r.path, "", ErrEmpty, "routes is empty; expected at least one route (- type: pipeline, filter or broadcast)")
	}
	for i, it := range items {
		if rs := d.decodeRoute(it, index(r.path, i)); rs != nil {
			s.routes = append(s.routes, rs)
		}
	}
	return s
}

func (d *decoder) decodeRoute(n ast.Node, path string) *routeSpec {
	fs, ok := d.fields(n, path, "a route", routeKeys, nil)
	if !ok {
		return nil
	}
	r := &routeSpec{at: posOf(d.resolve(n, path)), path: path, opts: d.decodeOptions(fs)}
	if e, ok := fs["name"]; ok {
		if v, ok := d.str(e.val, e.path, "a route name"); ok {
			if v == "" {
				d.errs.at(posOf(e.val), e.path, "", ErrValue, "empty route name; leave name out for the default <source>/<EventType>/<n>")
			} else {
				r.name = &opt[string]{v: v, at: posOf(d.resolve(e.val, e.path)), path: e.path, text: v}
			}
		}
	}
	r.step = d.decodeStepBody(fs, r.at, path)
	return r
}

// decodeStep decodes a step: a component's name, or a nested mapping with a type.
func (d *decoder) decodeStep(n ast.Node, path string) *stepSpec {
	r := d.resolve(n, path)
	switch r.(type) {
	case nil:
		return &stepSpec{broken: true}
	case *ast.MappingNode, *ast.MappingValueNode:
		fs, ok := d.fields(r, path, "a step", stepKeys, func(key string) string {
			if contains(optionKeys, key) || key == "name" {
				return fmt.Sprintf("%s is a route setting; it cannot be set on a step inside a route (set it on the route)", key)
			}
			return ""
		})
		if !ok {
			return &stepSpec{broken: true}
		}
		return d.decodeStepBody(fs, posOf(r), path)
	}
	name, ok := d.str(r, path, "a component name or a nested step ({type: filter, ...})")
	if !ok {
		return &stepSpec{broken: true}
	}
	if name == "" {
		d.errs.at(posOf(r), path, "", ErrValue, "empty component name")
		return &stepSpec{broken: true}
	}
	return &stepSpec{at: posOf(r), path: path, name: name}
}

// decodeStepBody decodes the type and the type's keys of a route or nested step.
func (d *decoder) decodeStepBody(fs map[string]entry, at pos, path string) *stepSpec {
	s := &stepSpec{at: at, path: path}
	te, ok := fs["type"]
	if ok {
		if v, ok := d.str(te.val, te.path, "a route type (pipeline, filter or broadcast)"); ok {
			if contains(routeTypes, v) {
				s.typ = v
			} else {
				d.errs.at(posOf(d.resolve(te.val, te.path)), te.path, v, ErrValue, "unknown route type %q%s", v, hint(v, routeTypes))
			}
		}
	} else {
		d.errs.at(at, path, "", ErrMissingKey, "missing key type; expected type: pipeline, filter or broadcast")
	}
	if s.typ == "" { // guess from the keys, to check the rest
		for _, t := range routeTypes {
			if _, ok := fs[typeKeys[t][0]]; ok {
				s.typ = t
				break
			}
		}
		s.broken = true
		if s.typ == "" {
			return s
		}
	}
	for _, k := range []string{"steps", "condition", "target", "targets"} {
		if e, ok := fs[k]; ok && !contains(typeKeys[s.typ], k) {
			d.errs.at(e.at, e.path, k, ErrUnknownKey, "%s is not a key of a %s; a %s takes %s", k, s.typ, s.typ, strings.Join(typeKeys[s.typ], " and "))
		}
	}
	missing := func(k, what string) {
		d.errs.at(at, path, "", ErrMissingKey, "missing key %s; a %s needs %s", k, s.typ, what)
		s.broken = true
	}
	switch s.typ {
	case "pipeline":
		e, ok := fs["steps"]
		if !ok {
			missing("steps", "steps: [a, b, ...]")
			break
		}
		s.steps = d.decodeSteps(e, "steps", &s.broken)
	case "broadcast":
		e, ok := fs["targets"]
		if !ok {
			missing("targets", "targets: [a, b, ...]")
			break
		}
		s.targets = d.decodeSteps(e, "targets", &s.broken)
	case "filter":
		if e, ok := fs["condition"]; ok {
			s.cond = d.decodeCond(e)
		} else {
			missing("condition", `a condition, such as condition: "strength > 0.7"`)
		}
		if s.cond == nil {
			s.broken = true
		}
		if e, ok := fs["target"]; ok {
			s.target = d.decodeStep(e.val, e.path)
		} else {
			missing("target", "a target: a component's name or a nested step")
		}
	}
	return s
}

func (d *decoder) decodeSteps(e entry, what string, broken *bool) []*stepSpec {
	items, ok := d.seq(e.val, e.path, what)
	if !ok {
		*broken = true
		return nil
	}
	if len(items) == 0 {
		d.errs.at(e.at, e.path, "", ErrEmpty, "%s is empty; expected at least one component", what)
		*broken = true
	}
	out := make([]*stepSpec, len(items))
	for i, it := range items {
		out[i] = d.decodeStep(it, index(e.path, i))
	}
	return out
}

// decodeCond takes a condition as written; YAML may have read it as a boolean or a number
// (condition: true), which is still a condition's text.
func (d *decoder) decodeCond(e entry) *condSpec {
	n := d.resolve(e.val, e.path)
	c := &condSpec{path: e.path}
	switch v := n.(type) {
	case nil:
		return nil
	case *ast.StringNode:
		c.src = v.Value
	case *ast.LiteralNode:
		if v.Value != nil {
			c.src = v.Value.Value
		}
	case *ast.BoolNode, *ast.IntegerNode, *ast.FloatNode:
		c.src = v.GetToken().Value
	default:
		d.errs.at(posOf(n), e.path, text(n), ErrType, `expected a condition, such as "strength > 0.7", found %s`, describe(n))
		return nil
	}
	c.start, c.style = scalarStart(n)
	return c
}

// waits are the wait strategies the engine section names (ring's presets).
var waits = []string{"responsive", "parking", "spin_yield", "busy_spin"}

// waitOpt decodes a wait strategy by its preset's name.
func (d *decoder) waitOpt(fs map[string]entry, key string) *opt[ring.Wait] {
	e, ok := fs[key]
	if !ok {
		return nil
	}
	v, ok := d.str(e.val, e.path, "a wait strategy (responsive, parking, spin_yield or busy_spin)")
	if !ok {
		return nil
	}
	at := posOf(d.resolve(e.val, e.path))
	var w ring.Wait
	switch strings.ReplaceAll(v, "-", "_") {
	case "responsive":
		w = ring.Responsive()
	case "parking":
		w = ring.Parking()
	case "spin_yield":
		w = ring.SpinYield()
	case "busy_spin":
		w = ring.BusySpin()
	default:
		d.errs.at(at, e.path, v, ErrValue, "unknown wait strategy %q%s", v, hint(v, waits))
		return nil
	}
	return &opt[ring.Wait]{v: w, at: at, path: e.path, text: v}
}

// decodeOptions decodes the route settings among fs.
func (d *decoder) decodeOptions(fs map[string]entry) optSpec {
	var o optSpec
	o.tier = d.strOpt(fs, "tier", "a tier name (inline, standard, fast, reliable)")
	o.deadLetter = d.strOpt(fs, "dead_letter", "a component name")
	if e, ok := fs["overflow"]; ok {
		if v, ok := d.str(e.val, e.path, "an overflow policy (block, drop-newest, drop-oldest or fail)"); ok {
			at := posOf(d.resolve(e.val, e.path))
			if p, err := engine.ParseOverflow(strings.ReplaceAll(v, "_", "-")); err == nil {
				o.overflow = &opt[engine.Overflow]{v: p, at: at, path: e.path, text: v}
			} else {
				d.errs.at(at, e.path, v, ErrValue, "unknown overflow policy %q%s", v, hint(v, overflows))
			}
		}
	}
	o.worker = d.intOpt(fs, "worker", "worker", 0, engine.MaxWorkers-1)
	o.cpu = d.intOpt(fs, "cpu", "cpu", 0, 1<<16)
	o.batchSize = d.intOpt(fs, "batch_size", "batch_size", 1, MaxBatchSize)
	o.maxWait = d.durOpt(fs, "max_wait", "max_wait", time.Nanosecond, time.Hour)
	if e, ok := fs["retry"]; ok {
		o.retry = &retrySpec{at: e.at, path: e.path}
		if rf, ok := d.fields(e.val, e.path, "retry", retryKeys, nil); ok {
			o.retry.maxRetries = d.intOpt(rf, "max_retries", "max_retries", 0, 1000)
			o.retry.initial = d.durOpt(rf, "initial_interval", "initial_interval", 0, time.Hour)
			o.retry.max = d.durOpt(rf, "max_interval", "max_interval", 0, 24*time.Hour)
			o.retry.multiplier = d.floatOpt(rf, "multiplier", "multiplier", 1, 100)
			o.retry.jitter = d.floatOpt(rf, "randomization_factor", "randomization_factor", 0, 1)
		}
	}
	if e, ok := fs["circuit_breaker"]; ok {
		o.breaker = &breakerSpec{at: e.at, path: e.path}
		if n := d.resolve(e.val, e.path); n != nil {
			if _, null := n.(*ast.NullNode); !null { // circuit_breaker: (no value) means the defaults
				if bf, ok := d.fields(n, e.path, "circuit_breaker", breakerKeys, nil); ok {
					o.breaker.threshold = d.intOpt(bf, "failure_threshold", "failure_threshold", 1, 1<<20)
					d.alias(bf, "open_duration", "timeout")
					d.alias(bf, "half_open_probes", "max_requests")
					o.breaker.open = d.durOpt(bf, "open_duration", "open_duration", time.Millisecond, 24*time.Hour)
					o.breaker.probes = d.intOpt(bf, "half_open_probes", "half_open_probes", 1, 1<<20)
				}
			}
		}
	}
	return o
}

// alias lets a mapping use other, another library's name for key (gobreaker's timeout for
// open_duration, say): it moves the entry to key, and reports a mistake at other when both are
// written.
func (d *decoder) alias(fs map[string]entry, key, other string) {
	e, ok := fs[other]
	if !ok {
		return
	}
	delete(fs, other)
	if first, both := fs[key]; both {
		d.errs.at(e.at, e.path, other, ErrDuplicateKey, "%s is another name for %s (line %d, col %d); give one of them", other, key, first.at.line, first.at.col)
		return
	}
	fs[key] = e
}

func (d *decoder) strOpt(fs map[string]entry, key, what string) *opt[string] {
	e, ok := fs[key]
	if !ok {
		return nil
	}
	v, ok := d.str(e.val, e.path, what)
	if !ok {
		return nil
	}
	return &opt[string]{v: v, at: posOf(d.resolve(e.val, e.path)), path: e.path, text: v}
}

func (d *decoder) intOpt(fs map[string]entry, key, what string, lo, hi int64) *opt[int] {
	e, ok := fs[key]
	if !ok {
		return nil
	}
	v, ok := d.integer(e.val, e.path, what, lo, hi)
	if !ok {
		return nil
	}
	n := d.resolve(e.val, e.path)
	return &opt[int]{v: int(v), at: posOf(n), path: e.path, text: text(n)}
}

func (d *decoder) floatOpt(fs map[string]entry, key, what string, lo, hi float64) *opt[float64] {
	e, ok := fs[key]
	if !ok {
		return nil
	}
	v, ok := d.number(e.val, e.path, what, lo, hi)
	if !ok {
		return nil
	}
	n := d.resolve(e.val, e.path)
	return &opt[float64]{v: v, at: posOf(n), path: e.path, text: text(n)}
}

func (d *decoder) durOpt(fs map[string]entry, key, what string, lo, hi time.Duration) *opt[time.Duration] {
	e, ok := fs[key]
	if !ok {
		return nil
	}
	v, ok := d.duration(e.val, e.path, what, lo, hi)
	if !ok {
		return nil
	}
	n := d.resolve(e.val, e.path)
	return &opt[time.Duration]{v: v, at: posOf(n), path: e.path, text: text(n)}
}
