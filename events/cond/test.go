package cond

import (
	"encoding/binary"
	"math"
	"slices"
	"unsafe"

	"github.com/hotpath-go/hotpath/events"
)

// test is one comparison lowered to the few instructions it needs, evaluated the same way for
// every field type, and one instruction of a program (program.go).
//
// Every field is read as the 8-byte window that holds it: the window starts at the field's
// offset, or 8 bytes before the end of the kind when the field is nearer the end than that,
// so it never reads outside the kind, and it is loaded through a byte array, so it needs no
// alignment. The field's bits v are the window shifted right by shift and masked to its width.
//
// Every comparison on every field type is a set of bit patterns v, made of ranges of width-bit
// unsigned integers, modulo 2^width: v is in [a, b] exactly when (v - a) mod 2^width <= b - a:
// one subtraction, one mask and one comparison. That holds for unsigned fields, for signed
// ones (a range of signed values is a range of bit patterns that may wrap around), for a
// symbol as one 64-bit word, and for IEEE floats, whose bit patterns are ordered like their
// magnitudes on each side of the sign bit, so that a range of floats is one range of bit
// patterns, or two when it contains zero (one for +0 and up, one for -0 and down), and NaNs
// are in none. A short list (in [...]) whose patterns lie within 64 of each other is the range
// from the smallest to the largest with a bitmask over it; a plain range has all bits set.
type test struct {
	lo    uint64  // the smallest bit pattern that holds
	span  uint64  // the largest bit pattern that holds, minus lo, mod 2^width
	mask  uint64  // the field's width: 1<<(8*size) - 1
	off   uintptr // start of the 8-byte window, from the start of the event
	bits  uint64  // bit d set when pattern lo+d holds (all ones for a plain range)
	jump  int32   // in a program: the step to go to when the outcome is not down
	shift uint8   // the field's lowest bit in the window
	down  bool    // in a program: the outcome that goes to the step below
	plain bool    // in a program: shift is 0, bits all ones, and the range is the one for down
}

// eval reports whether the test holds for the event at p.
func (t *test) eval(p unsafe.Pointer) bool {
	w := binary.NativeEndian.Uint64((*[8]byte)(unsafe.Add(p, t.off))[:])
	d := (w>>(t.shift&63) - t.lo) & t.mask
	return d <= t.span && t.bits>>(d&63)&1 != 0
}

// littleEndian reports the machine's byte order.
func littleEndian() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}

// newTest returns a test reading field f of a kind of size bytes, holding for no value yet.
func newTest(f events.Field, size uintptr) test {
	off := min(f.Offset, size-8)
	pos := f.Offset - off
	shift := 8 * pos
	if !littleEndian() {
		shift = 8 * (8 - pos - f.Size)
	}
	return test{off: off, shift: uint8(shift), mask: ^uint64(0) >> (64 - 8*f.Size)}
}

// flip returns the bit that orders f's values as unsigned keys: the sign bit of signed
// integer fields, none for the others (floats are ordered by floatSpans). Ranges of keys are
// ranges of values; a key xor flip is the value's bit pattern.
func (t *test) flip(f events.Field) uint64 {
	if f.Type == events.FieldInt || f.Type == events.FieldPrice {
		return t.mask ^ t.mask>>1
	}
	return 0
}

// keyOf returns the key of v in field f: its bits, loaded the way eval loads them
// after storing v in an event (so that byte order and layout cannot disagree), with the sign
// bit flipped for signed fields.
func (t *test) keyOf(f events.Field, v value) uint64 {
	var r events.Raw
	p := unsafe.Add(unsafe.Pointer(&r), f.Offset)
	switch f.Type {
	case events.FieldInt, events.FieldPrice:
		switch f.Size {
		case 1:
			*(*int8)(p) = int8(v.i)
		case 2:
			*(*int16)(p) = int16(v.i)
		case 4:
			*(*int32)(p) = int32(v.i)
		default:
			*(*int64)(p) = v.i
		}
	case events.FieldUint, events.FieldEnum, events.FieldBool:
		switch f.Size {
		case 1:
			*(*uint8)(p) = uint8(v.u)
		case 2:
			*(*uint16)(p) = uint16(v.u)
		case 4:
			*(*uint32)(p) = uint32(v.u)
		default:
			*(*uint64)(p) = v.u
		}
	case events.FieldFloat:
		if f.Size == 4 {
			*(*float32)(p) = float32(v.f) // exact: floatSpans passes float32 values
		} else {
			*(*float64)(p) = v.f
		}
	case events.FieldSymbol:
		*(*events.Symbol)(p) = v.s
	}
	w := binary.NativeEndian.Uint64((*[8]byte)(unsafe.Add(unsafe.Pointer(&r), t.off))[:])
	return w>>t.shift&t.mask ^ t.flip(f)
}

// span is an inclusive range of keys.
type span struct{ lo, hi uint64 }

// lower turns a leaf into tests: a constant when no value (or every value) of the field's
// type can hold, otherwise one test, the negation of one, or an || of tests.
func lower(l *leaf, size uintptr) *expr {
	t := newTest(l.f, size)
	switch l.op {
	case opEq:
		return t.from(l.f, t.eqSpans(l.f, l.vals[0]))
	case opNe:
		return notExpr(t.from(l.f, t.eqSpans(l.f, l.vals[0])))
	case opIn:
		var s []span
		for _, v := range l.vals {
			s = append(s, t.eqSpans(l.f, v)...)
		}
		return t.from(l.f, s)
	}
	return t.from(l.f, t.orderSpans(l.f, l.op, l.vals[0]))
}

// eqSpans returns the values equal to v: one key; for a float, the field's values equal to v
// (both zeros for 0, none when v is not representable in a float32); for a bool, any non-zero
// byte is true.
func (t *test) eqSpans(f events.Field, v value) []span {
	switch f.Type {
	case events.FieldFloat:
		fl := floats{f.Size}
		return t.floatSpans(f, fl.up(v.f), fl.down(v.f))
	case events.FieldBool:
		if v.u != 0 {
			return []span{{1, t.mask}}
		}
		return []span{{0, 0}}
	}
	k := t.keyOf(f, v)
	return []span{{k, k}}
}

// orderSpans returns the values for which field op v holds.
func (t *test) orderSpans(f events.Field, op cmpOp, v value) []span {
	if f.Type == events.FieldFloat {
		fl := floats{f.Size}
		lo, hi := math.Inf(-1), math.Inf(1)
		switch op {
		case opGt:
			lo = fl.above(v.f)
		case opGe:
			lo = fl.up(v.f)
		case opLt:
			hi = fl.below(v.f)
		case opLe:
			hi = fl.down(v.f)
		}
		return t.floatSpans(f, lo, hi)
	}
	k := t.keyOf(f, v)
	switch op {
	case opLt:
		if k == 0 {
			return nil
		}
		return []span{{0, k - 1}}
	case opLe:
		return []span{{0, k}}
	case opGt:
		if k == t.mask {
			return nil
		}
		return []span{{k + 1, t.mask}}
	}
	return []span{{k, t.mask}} // opGe
}

// floatSpans returns the bit patterns of the floats in [lo, hi], two values of field f
// (nothing when lo > hi): one range when both have the same sign, two when the range holds
// zero. -0 and +0 are both in any range that holds zero.
func (t *test) floatSpans(f events.Field, lo, hi float64) []span {
	switch {
	case lo > hi:
		return nil
	case lo > 0:
		return []span{{t.keyOf(f, value{f: lo}), t.keyOf(f, value{f: hi})}}
	case hi < 0: // patterns of negative floats grow with their magnitude
		return []span{{t.keyOf(f, value{f: hi}), t.keyOf(f, value{f: lo})}}
	}
	// lo <= 0 <= hi: +0 up to hi, and -0 down to lo
	return []span{
		{t.keyOf(f, value{f: 0}), t.keyOf(f, value{f: math.Abs(hi)})},
		{t.keyOf(f, value{f: math.Copysign(0, -1)}), t.keyOf(f, value{f: -math.Abs(lo)})},
	}
}

// from returns the test that holds for the union of s: false for none; true when s covers
// every pattern of the field's width; one test for one range or for close patterns;
// otherwise an || of range tests.
func (t test) from(f events.Field, s []span) *expr {
	if len(s) == 0 {
		return constExpr(false)
	}
	slices.SortFunc(s, func(a, b span) int {
		switch {
		case a.lo < b.lo:
			return -1
		case a.lo > b.lo:
			return 1
		}
		return 0
	})
	merged := s[:1]
	for _, x := range s[1:] {
		last := &merged[len(merged)-1]
		if last.hi == math.MaxUint64 || x.lo <= last.hi+1 {
			last.hi = max(last.hi, x.hi)
		} else {
			merged = append(merged, x)
		}
	}
	first, last := merged[0], merged[len(merged)-1]
	flip := t.flip(f)
	t.bits = math.MaxUint64
	switch {
	case len(merged) == 1 && first.lo == 0 && first.hi == t.mask:
		return constExpr(true)
	case len(merged) > 1 && last.hi-first.lo < 64:
		t.lo, t.span, t.bits = first.lo^flip, last.hi-first.lo, 0
		for _, x := range merged {
			for k := x.lo; ; k++ {
				t.bits |= 1 << (k - first.lo)
				if k == x.hi {
					break
				}
			}
		}
		return &expr{kind: eTest, test: &t}
	}
	var kids []*expr
	for _, x := range merged {
		c := t
		c.lo, c.span = x.lo^flip, x.hi-x.lo
		kids = append(kids, &expr{kind: eTest, test: &c, keys: x})
	}
	if len(kids) == 1 {
		return kids[0]
	}
	return &expr{kind: eOr, kids: kids}
}

// floats rounds to the representable values of a float field of size 4 or 8 bytes, so that
// comparisons are exact: a float32 field is compared with the literal's float64 value as if
// widened, the way strength > 0.7 compares a float64.
type floats struct{ size uintptr }

// up returns the smallest representable value >= c.
func (fl floats) up(c float64) float64 {
	if fl.size == 8 {
		return c
	}
	switch {
	case c > math.MaxFloat32:
		return math.Inf(1)
	case c < -math.MaxFloat32:
		return -math.MaxFloat32
	}
	f := float32(c)
	if float64(f) < c {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	return float64(f)
}

// down returns the largest representable value <= c.
func (fl floats) down(c float64) float64 {
	if fl.size == 8 {
		return c
	}
	switch {
	case c > math.MaxFloat32:
		return math.MaxFloat32
	case c < -math.MaxFloat32:
		return math.Inf(-1)
	}
	f := float32(c)
	if float64(f) > c {
		f = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	return float64(f)
}

// above returns the smallest representable value > c.
func (fl floats) above(c float64) float64 {
	u := fl.up(c)
	if u == c {
		u = fl.next(u, math.Inf(1))
	}
	return u
}

// below returns the largest representable value < c.
func (fl floats) below(c float64) float64 {
	d := fl.down(c)
	if d == c {
		d = fl.next(d, math.Inf(-1))
	}
	return d
}

func (fl floats) next(x, toward float64) float64 {
	if fl.size == 8 {
		return math.Nextafter(x, toward)
	}
	return float64(math.Nextafter32(float32(x), float32(toward)))
}
