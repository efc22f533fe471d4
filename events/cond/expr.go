package cond

import "github.com/hotpath-go/hotpath/events"

// cmpOp is a comparison operator of a leaf.
type cmpOp uint8

const (
	opEq cmpOp = iota
	opNe
	opLt
	opLe
	opGt
	opGe
	opIn // the field equals one of the values
)

// opOf maps a comparison token to its operator.
func opOf(k tokKind) cmpOp {
	return cmpOp(k - tEq) // tEq..tGe are in the same order as opEq..opGe
}

// mirror returns the operator that gives the same result with its operands swapped
// (5 < x is x > 5).
func (o cmpOp) mirror() cmpOp {
	switch o {
	case opLt:
		return opGt
	case opLe:
		return opGe
	case opGt:
		return opLt
	case opGe:
		return opLe
	}
	return o
}

// ordering reports whether o orders its operands (< <= > >=).
func (o cmpOp) ordering() bool { return o >= opLt && o <= opGe }

// value is a literal converted for the field it is compared with; one member is meaningful,
// chosen by the field's type.
type value struct {
	i int64         // FieldInt, FieldPrice
	u uint64        // FieldUint, FieldEnum (the name's index), FieldBool (0 or 1)
	f float64       // FieldFloat
	s events.Symbol // FieldSymbol
}

// exprKind is the kind of a node of the typed tree.
type exprKind uint8

const (
	eConst exprKind = iota // always val
	eLeaf                  // leaf: one field compared with literals
	eTest                  // test: a leaf lowered to integer arithmetic (see test.go)
	eNot                   // not kids[0]
	eAnd                   // all kids (two or more)
	eOr                    // any kid (two or more)
)

// expr is a node of the typed tree that the checker builds from the syntax tree.
type expr struct {
	kind exprKind
	val  bool
	leaf *leaf
	test *test
	keys span // eTest of one range: the range as keys (test.lo is keys.lo xor the sign flip)
	kids []*expr
}

// leaf compares one field with one literal, or with a list of them (opIn).
type leaf struct {
	f    events.Field
	op   cmpOp
	vals []value
	low  *expr // the leaf lowered to tests (eConst, eTest, eNot or eOr of eTest), by fold
}

func constExpr(v bool) *expr { return &expr{kind: eConst, val: v} }

func notExpr(x *expr) *expr {
	switch x.kind {
	case eConst:
		return constExpr(!x.val)
	case eNot:
		return x.kids[0]
	}
	return &expr{kind: eNot, kids: []*expr{x}}
}

// fold lowers every leaf and folds constants: a leaf that is always true or false for its
// field's type (uint8 field >= 0) becomes a constant, constants absorb or vanish in && and ||,
// double negations cancel, and nested && (||) flatten.
func fold(e *expr, size uintptr) *expr {
	switch e.kind {
	case eLeaf:
		low := lower(e.leaf, size)
		if low.kind == eConst {
			return low
		}
		e.leaf.low = low
		return e
	case eNot:
		return notExpr(fold(e.kids[0], size))
	case eAnd, eOr:
		absorb := e.kind == eOr // true absorbs ||, false absorbs &&
		var kids []*expr
		for _, k := range e.kids {
			k = fold(k, size)
			switch {
			case k.kind == eConst && k.val == absorb:
				return k
			case k.kind == eConst:
				continue
			case k.kind == e.kind:
				kids = append(kids, k.kids...)
			default:
				kids = append(kids, k)
			}
		}
		if e.kind == eAnd {
			kids = intersect(kids)
			if len(kids) == 1 && kids[0].kind == eConst {
				return kids[0]
			}
		}
		switch len(kids) {
		case 0:
			return constExpr(!absorb)
		case 1:
			return kids[0]
		}
		return &expr{kind: e.kind, kids: kids}
	}
	return e
}

// rangeOf returns the test of e when e is one range test (a leaf lowered to a single range of
// keys, or an intersection of such), or nil.
func rangeOf(e *expr) *expr {
	if e.kind == eLeaf {
		e = e.leaf.low
	}
	if e.kind == eTest && e.test.bits == ^uint64(0) {
		return e
	}
	return nil
}

// intersect merges the range tests of kids (the operands of an &&) that read the same field
// into one test of the intersection of their ranges: price >= 100 && price < 200 is one
// comparison. An empty intersection makes the whole && false: then intersect returns one
// false constant. It takes time linear in the number of kids.
func intersect(kids []*expr) []*expr {
	type field struct {
		off        uintptr
		shift      uint8
		mask, flip uint64
	}
	at := map[field]int{} // index in out of the range test of each field
	out := kids[:0:0]
	for _, k := range kids {
		r := rangeOf(k)
		if r == nil {
			out = append(out, k)
			continue
		}
		a := r.test
		key := field{a.off, a.shift, a.mask, a.lo ^ r.keys.lo}
		i, ok := at[key]
		if !ok {
			at[key] = len(out)
			out = append(out, k)
			continue
		}
		q := rangeOf(out[i])
		lo, hi := max(r.keys.lo, q.keys.lo), min(r.keys.hi, q.keys.hi)
		if lo > hi {
			return []*expr{constExpr(false)}
		}
		t := *a
		t.lo, t.span = lo^key.flip, hi-lo
		out[i] = &expr{kind: eTest, test: &t, keys: span{lo, hi}}
	}
	return out
}
