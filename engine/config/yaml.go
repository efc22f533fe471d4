package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// The decoder walks goccy/go-yaml's syntax tree itself instead of unmarshalling into structs:
// goccy's strict decoding (yaml.Strict, duplicate-key checks) stops at the first mistake, and
// the loader must report all of them, each with its line and column. Walking the tree also
// gives every value its place for the later checks (unknown components, conditions, types).

// maxNodes bounds the nodes the decoder visits, aliases included, so that a document of
// aliases of aliases (the "billion laughs") costs little; maxDepth bounds nesting.
const (
	maxNodes = 1 << 16
	maxDepth = 64
)

// decoder turns YAML nodes into values, recording every mistake with its place.
type decoder struct {
	errs    *errList
	lines   []string               // the source, for locating conditions
	anchors map[string][]anchorDef // by name, in document order
	nodes   int
	tooBig  bool
}

type anchorDef struct {
	at   pos
	node ast.Node
}

// entry is one key of a mapping.
type entry struct {
	key  string
	at   pos // the key's place
	val  ast.Node
	path string
}

func newDecoder(errs *errList, src []byte) *decoder {
	return &decoder{errs: errs, lines: strings.Split(string(src), "\n"), anchors: map[string][]anchorDef{}}
}

// posOf returns the place of n: a mapping's first key, a sequence's first item, a scalar's
// first character (a quoted scalar's opening quote).
func posOf(n ast.Node) pos {
	switch v := n.(type) {
	case nil:
		return pos{}
	case *ast.MappingNode:
		if !v.IsFlowStyle && len(v.Values) > 0 {
			return posOf(v.Values[0].Key)
		}
	case *ast.MappingValueNode:
		return posOf(v.Key)
	case *ast.SequenceNode:
		if !v.IsFlowStyle && len(v.Values) > 0 && v.Start == nil {
			return posOf(v.Values[0])
		}
	case *ast.MappingKeyNode:
		if v.Value != nil {
			return posOf(v.Value)
		}
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return pos{}
	}
	return pos{tk.Position.Line, tk.Position.Column}
}

// collectAnchors records the anchors of the tree under n, in document order.
func (d *decoder) collectAnchors(n ast.Node, depth int) {
	if n == nil || depth > maxDepth {
		return
	}
	switch v := n.(type) {
	case *ast.AnchorNode:
		if name, ok := v.Name.(*ast.StringNode); ok {
			d.anchors[name.Value] = append(d.anchors[name.Value], anchorDef{at: posOf(v), node: v.Value})
		}
		d.collectAnchors(v.Value, depth+1)
	case *ast.MappingNode:
		for _, mv := range v.Values {
			d.collectAnchors(mv, depth+1)
		}
	case *ast.MappingValueNode:
		d.collectAnchors(v.Key, depth+1)
		d.collectAnchors(v.Value, depth+1)
	case *ast.MappingKeyNode:
		d.collectAnchors(v.Value, depth+1)
	case *ast.SequenceNode:
		for _, x := range v.Values {
			d.collectAnchors(x, depth+1)
		}
	case *ast.TagNode:
		d.collectAnchors(v.Value, depth+1)
	}
}

// resolve returns what n stands for: the value of an anchor, the anchored value of an alias
// (the last anchor of that name before the alias). It returns nil, having recorded why, for an
// alias without an anchor, a tag, or a document beyond maxNodes.
func (d *decoder) resolve(n ast.Node, path string) ast.Node {
	for range maxDepth {
		if d.nodes++; d.nodes > maxNodes {
			if !d.tooBig {
				d.tooBig = true
				d.errs.at(posOf(n), path, "", ErrValue, "document too large: more than %d nodes, counting aliases as often as they are used", maxNodes)
			}
			return nil
		}
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.AliasNode:
			name := ""
			if s, ok := v.Value.(*ast.StringNode); ok {
				name = s.Value
			}
			at := posOf(v)
			var target ast.Node
			for _, a := range d.anchors[name] {
				if a.at.line < at.line || a.at.line == at.line && a.at.col < at.col {
					target = a.node
				}
			}
			if target == nil {
				d.errs.at(at, path, "*"+name, ErrValue, "alias *%s refers to no anchor &%s defined before it", name, name)
				return nil
			}
			n = target
		case *ast.TagNode:
			tag := ""
			if v.Start != nil {
				tag = v.Start.Value
			}
			d.errs.at(posOf(v), path, tag, ErrType, "YAML tags (%s) are not supported; write the value plainly, quoted if it must be a string", tag)
			return nil
		default:
			return n
		}
	}
	d.errs.at(posOf(n), path, "", ErrValue, "aliases nested more than %d deep", maxDepth)
	return nil
}

// describe names what n is, for messages: `a mapping`, `the integer 5`.
func describe(n ast.Node) string {
	switch v := n.(type) {
	case nil, *ast.NullNode:
		return "no value"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.StringNode:
		return fmt.Sprintf("the string %q", v.Value)
	case *ast.LiteralNode:
		return "a block of text"
	case *ast.IntegerNode:
		return "the integer " + v.Token.Value
	case *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "the number " + v.GetToken().Value
	case *ast.BoolNode:
		return "the boolean " + v.Token.Value
	}
	return "a " + n.Type().String()
}

// text returns the source text of a scalar node, for Error.Text.
func text(n ast.Node) string {
	switch v := n.(type) {
	case nil, *ast.NullNode:
		return ""
	case *ast.StringNode:
		return v.Value
	case *ast.MappingNode, *ast.MappingValueNode, *ast.SequenceNode:
		return ""
	}
	if tk := n.GetToken(); tk != nil {
		return tk.Value
	}
	return ""
}

// keyText returns a mapping key as a name.
func (d *decoder) keyText(k ast.Node, path string) (string, bool) {
	if mk, ok := k.(*ast.MappingKeyNode); ok {
		k = mk.Value
	}
	k = d.resolve(k, path)
	switch v := k.(type) {
	case nil:
		return "", false
	case *ast.StringNode:
		return v.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return v.GetToken().Value, true
	}
	d.errs.at(posOf(k), path, "", ErrType, "expected a name as key, found %s", describe(k))
	return "", false
}

// mapping returns the entries of the mapping n in order, merge keys (<<) resolved: an explicit
// key overrides a merged one, and of the merged mappings the first to have a key wins. It
// records duplicate keys. what names the mapping for messages ("a route").
func (d *decoder) mapping(n ast.Node, path, what string) ([]entry, bool) {
	return d.mappingDepth(n, path, what, 0)
}

func (d *decoder) mappingDepth(n ast.Node, path, what string, depth int) ([]entry, bool) {
	n = d.resolve(n, path)
	var values []*ast.MappingValueNode
	switch v := n.(type) {
	case nil:
		return nil, false
	case *ast.MappingNode:
		values = v.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{v}
	default:
		d.errs.at(posOf(n), path, text(n), ErrType, "expected %s (a mapping of keys to values), found %s", what, describe(n))
		return nil, false
	}
	var own, merged []entry
	seen := map[string]pos{}
	for _, mv := range values {
		if _, ok := mv.Key.(*ast.MergeKeyNode); ok {
			if depth >= 8 {
				d.errs.at(posOf(mv.Key), path, "<<", ErrValue, "merge keys nested more than 8 deep")
				continue
			}
			merged = append(merged, d.merge(mv.Value, path, what, depth)...)
			continue
		}
		key, ok := d.keyText(mv.Key, path)
		if !ok {
			continue
		}
		at := posOf(mv.Key)
		if first, dup := seen[key]; dup {
			d.errs.at(at, join(path, key), key, ErrDuplicateKey, "duplicate key %q (first at line %d, col %d); each key may appear once", key, first.line, first.col)
			continue
		}
		seen[key] = at
		own = append(own, entry{key: key, at: at, val: mv.Value, path: join(path, key)})
	}
	for _, e := range merged {
		if _, dup := seen[e.key]; !dup {
			seen[e.key] = e.at
			e.path = join(path, e.key)
			own = append(own, e)
		}
	}
	return own, true
}

// merge returns the entries a merge key's value brings: one mapping or a list of them.
func (d *decoder) merge(v ast.Node, path, what string, depth int) []entry {
	v = d.resolve(v, path)
	var out []entry
	if s, ok := v.(*ast.SequenceNode); ok {
		for _, x := range s.Values {
			es, _ := d.mappingDepth(x, path, "a mapping to merge", depth+1)
			out = append(out, es...)
		}
		return out
	}
	out, _ = d.mappingDepth(v, path, "a mapping to merge", depth+1)
	return out
}

// fields checks the keys of a mapping against known and returns them by name. An unknown key
// is recorded with a suggestion, unless explain has a message for it (a key that belongs
// elsewhere).
func (d *decoder) fields(n ast.Node, path, what string, known []string, explain func(key string) string) (map[string]entry, bool) {
	es, ok := d.mapping(n, path, what)
	if !ok {
		return nil, false
	}
	out := make(map[string]entry, len(es))
	for _, e := range es {
		if !contains(known, e.key) {
			msg := ""
			if explain != nil {
				msg = explain(e.key)
			}
			if msg == "" {
				msg = fmt.Sprintf("unknown key %q in %s%s", e.key, what, hint(e.key, known))
			}
			d.errs.at(e.at, e.path, e.key, ErrUnknownKey, "%s", msg)
			continue
		}
		out[e.key] = e
	}
	return out, true
}

// seq returns the items of the list n. A scalar is refused; what names the list.
func (d *decoder) seq(n ast.Node, path, what string) ([]ast.Node, bool) {
	n = d.resolve(n, path)
	switch v := n.(type) {
	case nil:
		return nil, false
	case *ast.SequenceNode:
		return v.Values, true
	case *ast.NullNode:
		return nil, true
	}
	d.errs.at(posOf(n), path, text(n), ErrType, "expected %s (a list such as [a, b]), found %s", what, describe(n))
	return nil, false
}

// str returns a string value. Names may not be numbers or booleans: a name written 123 or yes
// is reported, since YAML reads it as something else.
func (d *decoder) str(n ast.Node, path, what string) (string, bool) {
	n = d.resolve(n, path)
	switch v := n.(type) {
	case nil:
		return "", false
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		if v.Value != nil {
			return v.Value.Value, true
		}
		return "", true
	}
	d.errs.at(posOf(n), path, text(n), ErrType, "expected %s, found %s", what, describe(n))
	return "", false
}

// integer returns an integer value within [lo, hi].
func (d *decoder) integer(n ast.Node, path, what string, lo, hi int64) (int64, bool) {
	n = d.resolve(n, path)
	var x int64
	switch v := n.(type) {
	case nil:
		return 0, false
	case *ast.IntegerNode:
		switch i := v.Value.(type) {
		case int64:
			x = i
		case uint64:
			if i > math.MaxInt64 {
				x = math.MaxInt64
			} else {
				x = int64(i)
			}
		}
	default:
		d.errs.at(posOf(n), path, text(n), ErrType, "expected %s (an integer), found %s", what, describe(n))
		return 0, false
	}
	if x < lo || x > hi {
		d.errs.at(posOf(n), path, text(n), ErrValue, "%s is %s; expected %s", what, text(n), rangeText(lo, hi))
		return 0, false
	}
	return x, true
}

func rangeText(lo, hi int64) string {
	if hi == math.MaxInt64 || hi == math.MaxInt32 {
		return fmt.Sprintf("at least %d", lo)
	}
	return fmt.Sprintf("%d..%d", lo, hi)
}

// number returns a number (integer or decimal) within [lo, hi].
func (d *decoder) number(n ast.Node, path, what string, lo, hi float64) (float64, bool) {
	n = d.resolve(n, path)
	var x float64
	switch v := n.(type) {
	case nil:
		return 0, false
	case *ast.FloatNode:
		x = v.Value
	case *ast.IntegerNode:
		f, err := strconv.ParseFloat(strings.ReplaceAll(v.Token.Value, "_", ""), 64)
		if err != nil {
			d.errs.at(posOf(n), path, text(n), ErrType, "expected %s (a decimal number), found %s", what, describe(n))
			return 0, false
		}
		x = f
	default:
		d.errs.at(posOf(n), path, text(n), ErrType, "expected %s (a number), found %s", what, describe(n))
		return 0, false
	}
	if math.IsNaN(x) || x < lo || x > hi {
		d.errs.at(posOf(n), path, text(n), ErrValue, "%s is %s; expected a number in [%g, %g]", what, text(n), lo, hi)
		return 0, false
	}
	return x, true
}

// duration returns a duration written with a unit (100ms, 1.5s, 2m) within [lo, hi].
func (d *decoder) duration(n ast.Node, path, what string, lo, hi time.Duration) (time.Duration, bool) {
	n = d.resolve(n, path)
	s := ""
	switch v := n.(type) {
	case nil:
		return 0, false
	case *ast.StringNode:
		s = v.Value
	case *ast.IntegerNode, *ast.FloatNode:
		d.errs.at(posOf(n), path, text(n), ErrValue, "%s %s has no unit; expected a duration such as 100ms, 1.5s or 2m", what, text(n))
		return 0, false
	default:
		d.errs.at(posOf(n), path, text(n), ErrType, "expected %s (a duration such as 100ms), found %s", what, describe(n))
		return 0, false
	}
	x, err := time.ParseDuration(s)
	if err != nil {
		d.errs.at(posOf(n), path, s, ErrValue, "%s %q is not a duration; expected a number and a unit (ns, us, ms, s, m, h) such as 100ms or 1.5s", what, s)
		return 0, false
	}
	if x < lo || x > hi {
		d.errs.at(posOf(n), path, s, ErrValue, "%s is %s; expected %s..%s", what, dur(x), dur(lo), dur(hi))
		return 0, false
	}
	return x, true
}

// scalarStart returns where the characters of a string scalar's value begin in the source, and
// its style: the quote character, '|' or '>' for a block, or 0 for a plain scalar.
func scalarStart(n ast.Node) (pos, byte) {
	switch v := n.(type) {
	case *ast.StringNode:
		p := posOf(v)
		switch v.Token.Type {
		case token.DoubleQuoteType:
			return pos{p.line, p.col + 1}, '"'
		case token.SingleQuoteType:
			return pos{p.line, p.col + 1}, '\''
		}
		return p, 0
	case *ast.LiteralNode:
		p := posOf(v)
		style := byte('|')
		if v.Start != nil && strings.HasPrefix(v.Start.Value, ">") {
			style = '>'
		}
		return pos{p.line + 1, 1}, style
	}
	return posOf(n), 0
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

func contains(names []string, s string) bool {
	for _, n := range names {
		if n == s {
			return true
		}
	}
	return false
}
