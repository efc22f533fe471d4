package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/events/cond"
)

// MaxFileSize bounds the configuration files Load reads.
const MaxFileSize = 4 << 20

// Loader reads routing configurations. It resolves what a file names through its registries:
// event types through Kinds, components through Components, tiers through Tiers. Load does all
// the work once (parsing, checking, compiling conditions, building chains and tiers); the
// Config it returns is ready to Apply. A Loader is safe for concurrent use if its registries are
// not changed meanwhile.
type Loader struct {
	// Components holds the containers and transformers files may name; nil means none.
	Components *Registry
	// Kinds is the events registry; it must be the engine's (engine.Config.Kinds), since a
	// Config applies only to an engine with the same registry. Nil means a new
	// events.NewRegistry() per Load, which only suits checking a file.
	Kinds *events.Registry
	// Tiers holds the tiers files may name; nil means NewTiers() (inline and standard).
	Tiers *Tiers
}

// LoadFile reads the file at path and loads it (see Load).
func (l *Loader) LoadFile(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &Errors{List: []*Error{{File: path, Msg: err.Error(), Err: ErrSyntax, Cause: err}}}
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, &Errors{List: []*Error{{File: path, Msg: err.Error(), Err: ErrSyntax, Cause: err}}}
	}
	return l.Load(path, src)
}

// Load parses and checks the configuration src; file names it in messages. On any mistake it
// returns a nil Config and an *Errors listing every mistake found, in file order, each with its
// line and column, the offending text and what was expected. It never panics, whatever src
// holds.
func (l *Loader) Load(file string, src []byte) (cfg *Config, err error) {
	errs := &errList{file: file}
	if len(src) > MaxFileSize {
		errs.at(pos{}, "", "", ErrSyntax, "file larger than %d bytes", MaxFileSize)
		return nil, errs.err()
	}
	root, ok := parse(errs, src)
	if !ok {
		return nil, errs.err()
	}
	d := newDecoder(errs, src)
	d.collectAnchors(root, 0)
	doc := d.decodeDoc(root)
	b := l.newBuilder(d)
	cfg = b.build(file, doc)
	if err := errs.err(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// parse parses src with goccy/go-yaml into the body of its one document. Duplicate keys are
// left to the decoder, which reports all of them rather than the first.
func parse(errs *errList, src []byte) (root ast.Node, ok bool) {
	defer func() {
		// The parser is a third party's; a panic in it on strange input must not take the
		// program down: it becomes a mistake in the file.
		if r := recover(); r != nil {
			errs.at(pos{1, 1}, "", "", ErrSyntax, "the YAML parser failed on this file: %v", r)
			root, ok = nil, false
		}
	}()
	f, err := parser.ParseBytes(src, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		errs.add(syntaxError(err))
		return nil, false
	}
	var docs []*ast.DocumentNode
	for _, d := range f.Docs {
		if d != nil && d.Body != nil {
			docs = append(docs, d)
		}
	}
	switch len(docs) {
	case 0:
		return nil, true
	case 1:
		return docs[0].Body, true
	}
	errs.at(posOf(docs[1].Body), "", "", ErrSyntax, "a second YAML document; expected one document (remove the ---)")
	return nil, false
}

// syntaxError turns a parser error into an Error at its token.
func syntaxError(err error) *Error {
	e := &Error{Msg: "YAML: " + err.Error(), Err: ErrSyntax, Cause: err}
	var ye yaml.Error
	if errors.As(err, &ye) {
		e.Msg = "YAML: " + ye.GetMessage()
		if tk := ye.GetToken(); tk != nil {
			e.Text = strings.TrimSpace(tk.Value)
			if tk.Position != nil {
				e.Line, e.Col = tk.Position.Line, tk.Position.Column
			}
		}
	}
	return e
}

// builder resolves a decoded document into routes.
type builder struct {
	l      *Loader
	d      *decoder
	errs   *errList
	kinds  *events.Registry
	comps  *Registry
	tiers  *Tiers
	byType map[reflect.Type]events.KindInfo
	eng    engine.Config
	names  map[string]pos
	used   map[string]bool // settings of event types that some route's tier uses, by path
}

func (l *Loader) newBuilder(d *decoder) *builder {
	b := &builder{l: l, d: d, errs: d.errs, kinds: l.Kinds, comps: l.Components, tiers: l.Tiers,
		byType: map[reflect.Type]events.KindInfo{}, names: map[string]pos{}, used: map[string]bool{}}
	if b.kinds == nil {
		b.kinds = events.NewRegistry()
	}
	if b.tiers == nil {
		b.tiers = NewTiers()
	}
	for _, n := range b.kinds.Names() {
		if info, ok := b.kinds.Lookup(n); ok {
			b.byType[info.Type] = info
		}
	}
	return b
}

func (b *builder) build(file string, doc *docSpec) *Config {
	cfg := &Config{File: file, kinds: b.kinds}
	b.engine(doc.engine)
	cfg.Engine = b.eng
	for _, s := range doc.sets {
		cfg.Routes = append(cfg.Routes, b.set(s)...)
	}
	return cfg
}

// engine turns the engine section into an engine.Config.
func (b *builder) engine(s *engineSpec) {
	b.eng = engine.Config{Kinds: b.kinds}
	if s == nil {
		return
	}
	if s.workers != nil {
		b.eng.Workers = s.workers.v
	}
	if s.cpus != nil {
		b.eng.CPUs = s.cpus.v
		if s.workers == nil {
			b.eng.Workers = len(s.cpus.v)
		}
	}
	if s.ringSize != nil {
		b.eng.RingSize = s.ringSize.v
	}
	if s.batch != nil {
		b.eng.Batch = s.batch.v
	}
	if s.backlog != nil {
		b.eng.Backlog = s.backlog.v
	}
	if s.wait != nil {
		b.eng.Wait = s.wait.v
	}
	if s.publishWait != nil {
		b.eng.PublishWait = s.publishWait.v
	}
	if err := b.eng.Validate(); err != nil {
		b.errs.add(&Error{Line: s.at.line, Col: s.at.col, Path: s.path, Msg: err.Error(), Err: ErrValue, Cause: err})
	}
}

// set builds the routes of one (source, event type).
func (b *builder) set(s *setSpec) []Route {
	var kind *events.KindInfo
	if info, ok := b.kinds.Lookup(s.kind); ok {
		kind = &info
	} else {
		b.errs.at(s.kindAt, s.path, s.kind, ErrUnknownKind, "unknown event type %q%s", s.kind, hint(s.kind, b.kinds.Names()))
	}
	if t := s.opts.tier; t != nil {
		if _, found := b.tiers.Lookup(t.v); !found { // also when no route reaches the check
			b.errs.at(t.at, t.path, t.v, ErrUnknownTier, "unknown tier %q%s", t.v, hint(t.v, b.tiers.Names()))
		}
	}
	var out []Route
	known := true
	for i, rs := range s.routes {
		if t := pick(rs.opts.tier, s.opts.tier); t != nil {
			_, found := b.tiers.Lookup(t.v)
			known = known && found
		}
		r, ok := b.route(s, rs, i, kind)
		if ok {
			out = append(out, r)
		}
	}
	if known && len(s.routes) > 0 {
		b.unused(s)
	}
	return out
}

// route builds one route: its name, settings, tier and chain.
func (b *builder) route(s *setSpec, rs *routeSpec, i int, kind *events.KindInfo) (Route, bool) {
	r := Route{Line: rs.at.line, Col: rs.at.col, Path: rs.path}
	name, nameAt := fmt.Sprintf("%s/%s/%d", s.source, s.kind, i+1), rs.at
	if rs.name != nil {
		name, nameAt = rs.name.v, rs.name.at
	}
	if first, dup := b.names[name]; dup {
		b.errs.at(nameAt, rs.path, name, ErrValue, "two routes are called %q (the other at line %d, col %d); route names must be unique", name, first.line, first.col)
	} else {
		b.names[name] = nameAt
	}
	ok := kind != nil
	o, spec, good := b.options(&s.opts, &rs.opts, kind)
	ok = ok && good
	b.markUsed(s, spec)
	o.Name, o.Source, o.Kind = name, s.source, s.kind
	r.RouteOptions = o
	r.Note = spec.Note
	r.Chain = chainText(rs.step)
	var from string
	if kind != nil {
		from = fmt.Sprintf("the route's event type %s", kind.Name)
	}
	t, good := b.chain(rs.step, kind, from)
	ok = ok && good
	if !ok {
		return r, false
	}
	r.Target = t
	tier, err := spec.New(r.RouteOptions)
	if err != nil {
		at := rs.at
		if t := pick(rs.opts.tier, s.opts.tier); t != nil {
			at = t.at
		}
		b.errs.add(&Error{Line: at.line, Col: at.col, Path: rs.path, Text: spec.Name, Msg: fmt.Sprintf("tier %s refused the route: %v", spec.Name, err), Err: ErrSetting, Cause: err})
		return r, false
	}
	r.tier = tier
	return r, true
}

// chain builds step s for events of kind k (nil when the event type is unknown: names are
// still checked, types are not). from says where events of kind k come from, for messages. A
// transformer alone (a filter's target, a broadcast's) is a mistake: nothing takes its output.
func (b *builder) chain(s *stepSpec, k *events.KindInfo, from string) (engine.Target, bool) {
	if s == nil {
		return engine.Target{}, false
	}
	ok := !s.broken
	var t engine.Target
	switch s.typ {
	case "":
		if s.name == "" {
			return engine.Target{}, false
		}
		c, found := b.component(s.name, s.at, s.path)
		if !found {
			return engine.Target{}, false
		}
		if c.Transformer() {
			b.errs.at(s.at, s.path, s.name, ErrChain, "%s is a transformer (%s -> %s) with no step after it; put it in a pipeline before the steps that take %s: {type: pipeline, steps: [%s, ...]}",
				s.name, c.In.Name(), c.Out.Name(), c.Out.Name(), s.name)
			return engine.Target{}, false
		}
		if !b.takes(c, s, k, from) {
			return engine.Target{}, false
		}
		return c.Target(), ok
	case "pipeline":
		return b.pipeline(s, s.steps, k, from)
	case "broadcast":
		ts := make([]engine.Target, 0, len(s.targets))
		for _, x := range s.targets {
			xt, good := b.chain(x, k, from)
			ok = ok && good
			ts = append(ts, xt)
		}
		if !ok {
			return engine.Target{}, false
		}
		var err error
		if t, err = engine.BroadcastOf(ts...); err != nil {
			b.errs.add(&Error{Line: s.at.line, Col: s.at.col, Path: s.path, Msg: err.Error(), Err: ErrChain, Cause: err})
			return engine.Target{}, false
		}
		return t, true
	case "filter":
		var c cond.Cond
		if s.cond != nil && k != nil {
			c = b.condition(s.cond, k)
			ok = ok && c != nil
		}
		next, good := b.chain(s.target, k, from)
		if !ok || !good || c == nil {
			return engine.Target{}, false
		}
		return engine.FilterOf(s.cond.src, c, next), true
	}
	return engine.Target{}, false
}

// pipeline builds steps in order; a transformer takes the rest of the steps as its next.
func (b *builder) pipeline(s *stepSpec, steps []*stepSpec, k *events.KindInfo, from string) (engine.Target, bool) {
	ok := !s.broken
	var ts []engine.Target
	for i, x := range steps {
		if x == nil || x.broken && x.typ == "" {
			ok = false
			continue
		}
		if x.typ == "" {
			c, found := b.component(x.name, x.at, x.path)
			if !found {
				ok = false
				continue
			}
			if c.Transformer() {
				good := b.takes(c, x, k, from)
				out, known := b.byType[c.Out]
				if !known {
					b.errs.at(x.at, x.path, x.name, ErrChain, "transformer %s produces %s, which is not a registered event type (registered: %s)", x.name, c.Out, list(b.kinds.Names()))
					return engine.Target{}, false
				}
				rest := steps[i+1:]
				if len(rest) == 0 {
					b.errs.at(x.at, x.path, x.name, ErrChain, "transformer %s produces %s but no step follows it; add the steps that take %s after it", x.name, out.Name, out.Name)
					return engine.Target{}, false
				}
				next, good2 := b.pipeline(&stepSpec{}, rest, &out, fmt.Sprintf("the output of transformer %s at line %d", x.name, x.at.line))
				if !ok || !good || !good2 {
					return engine.Target{}, false
				}
				t, err := c.Then(next)
				if err != nil {
					b.errs.add(&Error{Line: x.at.line, Col: x.at.col, Path: x.path, Text: x.name, Msg: err.Error(), Err: ErrChain, Cause: err})
					return engine.Target{}, false
				}
				ts = append(ts, t)
				break
			}
			if !b.takes(c, x, k, from) {
				ok = false
				continue
			}
			ts = append(ts, c.Target())
			continue
		}
		t, good := b.chain(x, k, from)
		ok = ok && good
		ts = append(ts, t)
	}
	if !ok {
		return engine.Target{}, false
	}
	t, err := engine.PipelineOf(ts...)
	if err != nil {
		b.errs.add(&Error{Line: s.at.line, Col: s.at.col, Path: s.path, Msg: err.Error(), Err: ErrChain, Cause: err})
		return engine.Target{}, false
	}
	return t, true
}

// component looks a component up, recording an unknown one.
func (b *builder) component(name string, at pos, path string) (*Component, bool) {
	c, ok := b.comps.Lookup(name)
	if !ok {
		b.errs.at(at, path, name, ErrUnknownComponent, "unknown component %q%s", name, hint(name, b.comps.Names()))
	}
	return c, ok
}

// takes checks that component c (at step s) accepts events of kind k.
func (b *builder) takes(c *Component, s *stepSpec, k *events.KindInfo, from string) bool {
	if c.In == nil || k == nil {
		return true
	}
	in, known := b.byType[c.In]
	if !known {
		b.errs.at(s.at, s.path, s.name, ErrChain, "component %s takes %s, which is not a registered event type (registered: %s)", s.name, c.In, list(b.kinds.Names()))
		return false
	}
	if in.Kind != k.Kind {
		what := "component"
		if c.Transformer() {
			what = "transformer"
		}
		b.errs.at(s.at, s.path, s.name, ErrChain, "%s %s takes %s, but here it receives %s (%s)", what, s.name, in.Name, k.Name, from)
		return false
	}
	return true
}

// condition compiles a filter's condition, pointing a mistake at its character in the file.
func (b *builder) condition(c *condSpec, k *events.KindInfo) cond.Cond {
	f, err := cond.Compile(c.src, *k)
	if err == nil {
		return f
	}
	e := &Error{Path: c.path, Msg: fmt.Sprintf("condition %q: %v", c.src, err), Err: ErrCondition, Cause: err}
	at := c.start
	var ce *cond.Error
	if errors.As(err, &ce) {
		e.Text = ce.Text
		e.Msg = fmt.Sprintf("condition %q, col %d: %s", c.src, ce.Pos, ce.Msg)
		// Past the end (a missing ")"): point just after the last character, not at the
		// block scalar's final line break.
		k := min(ce.Pos-1, utf8.RuneCountInString(strings.TrimRight(c.src, " \t\r\n")))
		at = b.d.locate(c.start, c.style, c.src, k)
	}
	e.Line, e.Col = at.line, at.col
	b.errs.add(e)
	return nil
}

// chainText describes a chain with the names written in the file.
func chainText(s *stepSpec) string {
	if s == nil {
		return "?"
	}
	switch s.typ {
	case "":
		return s.name
	case "pipeline":
		return s.typ + "(" + chainList(s.steps) + ")"
	case "broadcast":
		return s.typ + "(" + chainList(s.targets) + ")"
	case "filter":
		c := "?"
		if s.cond != nil {
			c = s.cond.src
		}
		return "filter(" + c + ", " + chainText(s.target) + ")"
	}
	return "?"
}

func chainList(ss []*stepSpec) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = chainText(s)
	}
	return strings.Join(parts, ", ")
}
