package cond

import (
	"unsafe"

	"github.com/hotpath-go/hotpath/events"
)

// A condition that is one comparison is compiled to a closure specialised for the field's Go
// type and the operator, with the constant captured: one typed load and one comparison, the
// same code as a hand-written closure. Conditions with more than one comparison run as a
// program (program.go).

// integer lists the integer types fields are loaded as.
type integer interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

// at returns the field at byte offset off of r as a *T.
func at[T any](r *events.Raw, off uintptr) *T {
	return (*T)(unsafe.Add(unsafe.Pointer(r), off))
}

// special returns the specialised closure of leaf l (negated when neg), or nil when there is
// none for its field type (float32) and the caller runs the lowered test instead.
func special(l *leaf, neg bool) Cond {
	f, off := l.f, l.f.Offset
	if l.op == opIn {
		if l.low.kind == eTest { // a range or a bitmask over close values
			return nil
		}
		return specialIn(l, neg)
	}
	v := l.vals[0]
	op := l.op
	if neg && f.Type != events.FieldFloat { // !(x < c) is x >= c, except for NaN
		op, neg = negate(op), false
	}
	switch f.Type {
	case events.FieldInt, events.FieldPrice:
		switch f.Size {
		case 1:
			return compareInt(off, op, int8(v.i))
		case 2:
			return compareInt(off, op, int16(v.i))
		case 4:
			return compareInt(off, op, int32(v.i))
		}
		return compareInt(off, op, v.i)
	case events.FieldUint, events.FieldEnum:
		switch f.Size {
		case 1:
			return compareInt(off, op, uint8(v.u))
		case 2:
			return compareInt(off, op, uint16(v.u))
		case 4:
			return compareInt(off, op, uint32(v.u))
		}
		return compareInt(off, op, v.u)
	case events.FieldFloat:
		if f.Size == 8 {
			return compareFloat(off, op, v.f, neg)
		}
	case events.FieldBool: // loaded as a byte, so that any non-zero byte is true, as in test
		if (v.u != 0) == (op == opEq) {
			return func(r *events.Raw) bool { return *at[uint8](r, off) != 0 }
		}
		return func(r *events.Raw) bool { return *at[uint8](r, off) == 0 }
	case events.FieldSymbol:
		s := v.s
		if op == opEq {
			return func(r *events.Raw) bool { return *at[events.Symbol](r, off) == s }
		}
		return func(r *events.Raw) bool { return *at[events.Symbol](r, off) != s }
	}
	return nil
}

// negate returns the operator that holds exactly when o does not, for totally ordered types.
func negate(o cmpOp) cmpOp {
	switch o {
	case opEq:
		return opNe
	case opNe:
		return opEq
	case opLt:
		return opGe
	case opLe:
		return opGt
	case opGt:
		return opLe
	}
	return opLt // opGe
}

func compareInt[T integer](off uintptr, op cmpOp, c T) Cond {
	switch op {
	case opEq:
		return func(r *events.Raw) bool { return *at[T](r, off) == c }
	case opNe:
		return func(r *events.Raw) bool { return *at[T](r, off) != c }
	case opLt:
		return func(r *events.Raw) bool { return *at[T](r, off) < c }
	case opLe:
		return func(r *events.Raw) bool { return *at[T](r, off) <= c }
	case opGt:
		return func(r *events.Raw) bool { return *at[T](r, off) > c }
	}
	return func(r *events.Raw) bool { return *at[T](r, off) >= c }
}

// compareFloat keeps negations apart: !(x > c) holds for NaN, x <= c does not.
func compareFloat(off uintptr, op cmpOp, c float64, neg bool) Cond {
	if neg {
		switch op {
		case opEq:
			return func(r *events.Raw) bool { return !(*at[float64](r, off) == c) }
		case opNe:
			return func(r *events.Raw) bool { return !(*at[float64](r, off) != c) }
		case opLt:
			return func(r *events.Raw) bool { return !(*at[float64](r, off) < c) }
		case opLe:
			return func(r *events.Raw) bool { return !(*at[float64](r, off) <= c) }
		case opGt:
			return func(r *events.Raw) bool { return !(*at[float64](r, off) > c) }
		}
		return func(r *events.Raw) bool { return !(*at[float64](r, off) >= c) }
	}
	switch op {
	case opEq:
		return func(r *events.Raw) bool { return *at[float64](r, off) == c }
	case opNe:
		return func(r *events.Raw) bool { return *at[float64](r, off) != c }
	case opLt:
		return func(r *events.Raw) bool { return *at[float64](r, off) < c }
	case opLe:
		return func(r *events.Raw) bool { return *at[float64](r, off) <= c }
	case opGt:
		return func(r *events.Raw) bool { return *at[float64](r, off) > c }
	}
	return func(r *events.Raw) bool { return *at[float64](r, off) >= c }
}

// specialIn returns a linear scan of l's values, which are too far apart for a bitmask.
func specialIn(l *leaf, neg bool) Cond {
	f, off := l.f, l.f.Offset
	switch f.Type {
	case events.FieldInt, events.FieldPrice:
		switch f.Size {
		case 1:
			return scan(off, convert(l.vals, func(v value) int8 { return int8(v.i) }), neg)
		case 2:
			return scan(off, convert(l.vals, func(v value) int16 { return int16(v.i) }), neg)
		case 4:
			return scan(off, convert(l.vals, func(v value) int32 { return int32(v.i) }), neg)
		}
		return scan(off, convert(l.vals, func(v value) int64 { return v.i }), neg)
	case events.FieldUint, events.FieldEnum:
		switch f.Size {
		case 1:
			return scan(off, convert(l.vals, func(v value) uint8 { return uint8(v.u) }), neg)
		case 2:
			return scan(off, convert(l.vals, func(v value) uint16 { return uint16(v.u) }), neg)
		case 4:
			return scan(off, convert(l.vals, func(v value) uint32 { return uint32(v.u) }), neg)
		}
		return scan(off, convert(l.vals, func(v value) uint64 { return v.u }), neg)
	case events.FieldFloat:
		if f.Size == 8 {
			return scan(off, convert(l.vals, func(v value) float64 { return v.f }), neg)
		}
	case events.FieldSymbol:
		return scan(off, convert(l.vals, func(v value) events.Symbol { return v.s }), neg)
	}
	return nil
}

func convert[T any](vals []value, f func(value) T) []T {
	out := make([]T, len(vals))
	for i, v := range vals {
		out[i] = f(v)
	}
	return out
}

// scan returns a condition that holds when the field equals one of vals (none, when neg).
func scan[T comparable](off uintptr, vals []T, neg bool) Cond {
	return func(r *events.Raw) bool {
		x := *at[T](r, off)
		for _, v := range vals {
			if x == v {
				return !neg
			}
		}
		return neg
	}
}
