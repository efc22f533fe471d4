package cond

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/hotpath-go/hotpath/events"
)

// literal converts the literal token t for comparison with field f.
func (c *checker) literal(f events.Field, t token) (value, *Error) {
	mismatch := func(expected string) *Error {
		return c.errTok(t, expected, ErrType, "%s is %s field: expected %s, found %s", f.Name, article(f), expected, t.describe())
	}
	outOfRange := func(bounds string) *Error {
		return c.errTok(t, "a value within "+bounds, ErrRange, "%s is out of range for %s field %s (%s)", t.text, typeName(f), f.Name, bounds)
	}
	switch f.Type {
	case events.FieldInt:
		if t.kind != tNumber || !isInteger(t.text) {
			return value{}, mismatch("an integer")
		}
		bits := 8 * int(f.Size)
		lo, hi := int64(-1)<<(bits-1), int64(uint64(1)<<(bits-1)-1)
		v, err := strconv.ParseInt(t.text, 10, 64)
		if err != nil || v < lo || v > hi {
			return value{}, outOfRange(strconv.FormatInt(lo, 10) + " to " + strconv.FormatInt(hi, 10))
		}
		return value{i: v}, nil
	case events.FieldUint:
		if t.kind != tNumber || !isInteger(t.text) {
			return value{}, mismatch("an integer")
		}
		hi := ^uint64(0) >> (64 - 8*f.Size)
		bounds := "0 to " + strconv.FormatUint(hi, 10)
		digits := strings.TrimPrefix(t.text, "+")
		if neg, ok := strings.CutPrefix(digits, "-"); ok {
			if strings.Trim(neg, "0") != "" {
				return value{}, outOfRange(bounds)
			}
			digits = neg // -0 is 0
		}
		v, err := strconv.ParseUint(digits, 10, 64)
		if err != nil || v > hi {
			return value{}, outOfRange(bounds)
		}
		return value{u: v}, nil
	case events.FieldFloat:
		if t.kind != tNumber {
			return value{}, mismatch("a number")
		}
		v, err := strconv.ParseFloat(t.text, 64)
		if err != nil && (!errors.Is(err, strconv.ErrRange) || math.IsInf(v, 0)) {
			return value{}, outOfRange("±1.8e308")
		}
		return value{f: v}, nil // underflow rounds to zero or a subnormal, as in Go
	case events.FieldPrice:
		if t.kind != tNumber || strings.ContainsAny(t.text, "eE") {
			return value{}, mismatch("a decimal number such as 100.25")
		}
		if _, frac, _ := strings.Cut(t.text, "."); len(frac) > 8 {
			return value{}, c.errTok(t, "at most 8 decimal places", ErrRange,
				"price %s has more than 8 decimal places; prices are exact to 0.00000001", t.text)
		}
		p, err := events.ParsePrice(t.text)
		if err != nil {
			return value{}, outOfRange("±" + events.Price(math.MaxInt64).String())
		}
		return value{i: int64(p)}, nil
	case events.FieldSymbol:
		switch t.kind {
		case tString:
		case tIdent:
			return value{}, c.errTok(t, `a quoted symbol such as "AAPL"`, ErrType,
				"%s is a symbol field: expected a quoted symbol such as \"AAPL\", found %s; write %q", f.Name, t.describe(), t.text)
		default:
			return value{}, mismatch(`a quoted symbol such as "AAPL"`)
		}
		s, err := events.ParseSymbol(t.str)
		if err != nil {
			return value{}, c.errTok(t, "at most 8 bytes", ErrRange, "symbol %s is longer than %d bytes", t.text, events.SymbolSize)
		}
		return value{s: s}, nil
	case events.FieldEnum:
		names := strings.Join(f.Enum, ", ")
		if t.kind != tIdent && t.kind != tString {
			return value{}, mismatch("one of " + names)
		}
		name := t.text
		if t.kind == tString {
			name = t.str
		}
		for i, n := range f.Enum {
			if n == name {
				if uint64(i) > ^uint64(0)>>(64-8*f.Size) {
					break // more names than the field's width holds: a broken enum
				}
				return value{u: uint64(i)}, nil
			}
		}
		return value{}, c.errTok(t, "one of "+names, ErrUnknownValue, "unknown value %q for enum field %s (values: %s)%s",
			name, f.Name, names, didYouMean(suggest(name, f.Enum)))
	case events.FieldBool:
		if t.kind != tTrue && t.kind != tFalse {
			return value{}, mismatch("true or false")
		}
		if t.kind == tTrue {
			return value{u: 1}, nil
		}
		return value{}, nil
	}
	return value{}, c.errTok(t, "", ErrField, "field %s has a type conditions cannot use", f.Name)
}
