package cond

import (
	"fmt"
	"strings"

	"github.com/hotpath-go/hotpath/events"
)

// checker turns a syntax tree into a typed tree for one kind, resolving names to fields and
// converting literals to their fields' types.
type checker struct {
	src  string
	kind *events.KindInfo
}

func (c *checker) errTok(t token, expected string, sentinel error, format string, args ...any) *Error {
	return errAt(c.src, t.off, t.text, expected, sentinel, format, args...)
}

// field returns the field a name token refers to.
func (c *checker) field(t token) (events.Field, bool) {
	if t.kind != tIdent {
		return events.Field{}, false
	}
	return c.kind.Field(t.text)
}

func (c *checker) kindName() string {
	if c.kind.Name == "" {
		return "this kind"
	}
	return c.kind.Name
}

// unknownField reports a name that is no field, suggesting the nearest field name, or the
// comparison the user may have meant when the name is one of an enum field's values.
func (c *checker) unknownField(t token) *Error {
	names := c.kind.FieldNames()
	hint := didYouMean(suggest(t.text, names))
	if hint == "" {
		for _, f := range c.kind.Fields {
			if f.Type == events.FieldEnum && contains(f.Enum, t.text) {
				hint = fmt.Sprintf("; did you mean %s == %s?", f.Name, t.text)
				break
			}
		}
	}
	list := "fields: " + strings.Join(names, ", ")
	if len(names) == 0 {
		list = "it has no fields"
	}
	return c.errTok(t, "a field of "+c.kindName(), ErrUnknownField, "unknown field %q of %s (%s)%s",
		t.text, c.kindName(), list, hint)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// cond checks a node that must be a condition.
func (c *checker) cond(n *node) (*expr, *Error) {
	switch n.kind {
	case nAnd, nOr:
		e := &expr{kind: eAnd}
		if n.kind == nOr {
			e.kind = eOr
		}
		for _, k := range n.kids {
			x, err := c.cond(k)
			if err != nil {
				return nil, err
			}
			e.kids = append(e.kids, x)
		}
		return e, nil
	case nNot:
		x, err := c.cond(n.x)
		if err != nil {
			return nil, err
		}
		return &expr{kind: eNot, kids: []*expr{x}}, nil
	case nCmp:
		return c.compare(n)
	case nIn:
		return c.in(n)
	}
	t := n.tok
	switch t.kind {
	case tTrue, tFalse:
		return constExpr(t.kind == tTrue), nil
	case tIdent:
		f, ok := c.field(t)
		if !ok {
			return nil, c.unknownField(t)
		}
		if err := c.usable(t, f); err != nil {
			return nil, err
		}
		if f.Type != events.FieldBool {
			return nil, c.errTok(t, "a condition such as "+example(f), ErrType,
				"%s is %s field, not a condition; expected a comparison such as %s", f.Name, article(f), example(f))
		}
		return &expr{kind: eLeaf, leaf: &leaf{f: f, op: opEq, vals: []value{{u: 1}}}}, nil
	}
	return nil, c.errTok(t, "a condition", ErrType, "expected a condition, found %s", t.describe())
}

// operand checks that n, an operand of a comparison with other, is a plain name or literal.
func (c *checker) operand(n, other *node, op token) *Error {
	switch n.kind {
	case nOperand:
		return nil
	case nNot:
		fix := "!(a " + op.text + " b)"
		if n.x.kind == nOperand && other.kind == nOperand {
			fix = "!(" + n.x.tok.text + " " + op.text + " " + other.tok.text + ")"
		}
		return c.errTok(n.tok, "a field or a literal", ErrType,
			"%q negates only the operand right after it, and a comparison takes a field and a literal; write %s",
			n.tok.text, fix)
	}
	side := "left"
	if n.off > op.off {
		side = "right"
	}
	return c.errTok(op, "a field or a literal", ErrType,
		"%q compares a field with a literal, but its %s operand is a condition", op.text, side)
}

// compare checks x op y: one side a field, the other a literal for it.
func (c *checker) compare(n *node) (*expr, *Error) {
	if err := c.operand(n.x, n.y, n.tok); err != nil {
		return nil, err
	}
	if err := c.operand(n.y, n.x, n.tok); err != nil {
		return nil, err
	}
	x, y := n.x.tok, n.y.tok
	fx, okx := c.field(x)
	fy, oky := c.field(y)
	if okx && oky {
		// an enum's value may share a name with a field; the enum side wins
		switch {
		case fx.Type == events.FieldEnum && contains(fx.Enum, y.text):
			oky = false
		case fy.Type == events.FieldEnum && contains(fy.Enum, x.text):
			okx = false
		default:
			return nil, c.errTok(y, "a literal", ErrType,
				"cannot compare field %s with field %s; compare a field with a literal", x.text, y.text)
		}
	}
	op := opOf(n.tok.kind)
	f, ft, lit := fx, x, y
	switch {
	case okx:
	case oky:
		f, ft, lit, op = fy, y, x, op.mirror()
	case x.kind == tIdent:
		return nil, c.unknownField(x)
	case y.kind == tIdent:
		return nil, c.unknownField(y)
	default:
		return nil, c.errTok(x, "a field", ErrType, "%q compares two literals; one side must be a field of %s", n.tok.text, c.kindName())
	}
	if err := c.usable(ft, f); err != nil {
		return nil, err
	}
	v, err := c.literal(f, lit)
	if err != nil {
		return nil, err
	}
	if op.ordering() && (f.Type == events.FieldSymbol || f.Type == events.FieldEnum || f.Type == events.FieldBool) {
		return nil, c.errTok(n.tok, `"==", "!=" or "in"`, ErrType,
			"%q does not apply to %s field %s; expected ==, != or in", n.tok.text, f.Type, f.Name)
	}
	return &expr{kind: eLeaf, leaf: &leaf{f: f, op: op, vals: []value{v}}}, nil
}

// in checks x in [list] and x not in [list].
func (c *checker) in(n *node) (*expr, *Error) {
	x := n.x
	if x.kind != nOperand {
		return nil, c.errTok(n.tok, "a field", ErrType, `"in" needs a field on its left, not a condition`)
	}
	f, ok := c.field(x.tok)
	switch {
	case !ok && x.tok.kind == tIdent:
		return nil, c.unknownField(x.tok)
	case !ok:
		return nil, c.errTok(x.tok, "a field", ErrType, `"in" needs a field on its left, found %s`, x.tok.describe())
	}
	if err := c.usable(x.tok, f); err != nil {
		return nil, err
	}
	l := &leaf{f: f, op: opIn}
	for _, t := range n.list {
		v, err := c.literal(f, t)
		if err != nil {
			return nil, err
		}
		l.vals = append(l.vals, v)
	}
	e := &expr{kind: eLeaf, leaf: l}
	if n.neg {
		e = &expr{kind: eNot, kids: []*expr{e}}
	}
	return e, nil
}

// usable checks that the compiler can load f from an event of the kind: a registry's
// description always passes; a hand-made KindInfo may not.
func (c *checker) usable(t token, f events.Field) *Error {
	size := c.kind.Size
	ok := size >= 8 && size <= events.MaxSize && f.Size <= size && f.Offset <= size-f.Size
	switch f.Type {
	case events.FieldInt, events.FieldUint, events.FieldEnum:
		ok = ok && (f.Size == 1 || f.Size == 2 || f.Size == 4 || f.Size == 8)
	case events.FieldFloat:
		ok = ok && (f.Size == 4 || f.Size == 8)
	case events.FieldBool:
		ok = ok && f.Size == 1
	case events.FieldPrice, events.FieldSymbol:
		ok = ok && f.Size == 8
	default:
		ok = false
	}
	if ok && f.Type != events.FieldSymbol { // numbers are naturally aligned in any Go struct
		ok = f.Offset%f.Size == 0
	}
	if !ok {
		return c.errTok(t, "", ErrField, "field %s of %s has a type, size (%d) or offset (%d) that conditions cannot use",
			f.Name, c.kindName(), f.Size, f.Offset)
	}
	return nil
}

// article returns "an int64", "a float", "an enum" ... for messages.
func article(f events.Field) string {
	n := typeName(f)
	switch n[0] {
	case 'a', 'e', 'i', 'o': // not u: "a uint64"
		return "an " + n
	}
	return "a " + n
}

// typeName names f's type for messages: int8..int64, uint8..uint64, float32, float64, bool,
// price, symbol, enum.
func typeName(f events.Field) string {
	switch f.Type {
	case events.FieldInt:
		return fmt.Sprintf("int%d", 8*f.Size)
	case events.FieldUint:
		return fmt.Sprintf("uint%d", 8*f.Size)
	case events.FieldFloat:
		return fmt.Sprintf("float%d", 8*f.Size)
	}
	return f.Type.String()
}

// example returns a comparison that suits f, for messages.
func example(f events.Field) string {
	switch f.Type {
	case events.FieldInt, events.FieldUint:
		return f.Name + " > 100"
	case events.FieldFloat:
		return f.Name + " > 0.5"
	case events.FieldPrice:
		return f.Name + " > 100.25"
	case events.FieldSymbol:
		return f.Name + ` == "AAPL"`
	case events.FieldEnum:
		if len(f.Enum) > 0 {
			return f.Name + " == " + f.Enum[0]
		}
	}
	return f.Name
}
