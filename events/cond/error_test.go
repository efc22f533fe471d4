package cond_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/events/cond"
)

func TestErrors(t *testing.T) {
	reg := testRegistry(t)
	for _, tc := range []struct {
		kind, src string
		pos, off  int
		text      string
		sentinel  error
		msg       string // Error(), without "col N: "
	}{
		// syntax
		{"Signal", "", 1, 0, "", cond.ErrSyntax, `empty condition; expected a condition such as strength > 0.7`},
		{"Signal", "  \t", 1, 0, "", cond.ErrSyntax, `empty condition; expected a condition such as strength > 0.7`},
		{"Signal", "(strength > 1", 14, 13, "", cond.ErrSyntax, `missing ")" to close the "(" at col 1; found end of condition`},
		{"Signal", "(strength > 1 action", 15, 14, "action", cond.ErrSyntax, `unexpected name action; expected "&&", "||" or ")" to close the "(" at col 1`},
		{"Signal", "strength > 1)", 13, 12, ")", cond.ErrSyntax, `unexpected ")" without a matching "("`},
		{"Signal", "symbol == 'AAPL", 11, 10, "'AAPL", cond.ErrSyntax, `unterminated string 'AAPL; expected a closing single quote (')`},
		{"Signal", `symbol == "AAPL`, 11, 10, `"AAPL`, cond.ErrSyntax, `unterminated string "AAPL; expected a closing double quote (")`},
		{"Signal", "strength = 1", 10, 9, "=", cond.ErrSyntax, `unexpected "="; did you mean "=="?`},
		{"Signal", "strength > 1 & ref > 1", 14, 13, "&", cond.ErrSyntax, `unexpected "&"; did you mean "&&"?`},
		{"Signal", "strength > 1 | ref > 1", 14, 13, "|", cond.ErrSyntax, `unexpected "|"; did you mean "||"?`},
		{"Signal", "strength > 1 action == BUY", 14, 13, "action", cond.ErrSyntax, `unexpected name action; expected "&&", "||" or the end of the condition`},
		{"Signal", "strength >", 11, 10, "", cond.ErrSyntax, `unexpected end of condition; expected a field, a literal, "!" or "("`},
		{"Signal", "> 1", 1, 0, ">", cond.ErrSyntax, `unexpected ">"; expected a field, a literal, "!" or "("`},
		{"Signal", "strength > 0.7 &&", 18, 17, "", cond.ErrSyntax, `unexpected end of condition; expected a field, a literal, "!" or "("`},
		{"Signal", "strength > 0.7 and or ref > 1", 20, 19, "or", cond.ErrSyntax, `unexpected "or"; expected a field, a literal, "!" or "("`},
		{"Signal", "strength > 0.7 && (ref > 1 || )", 31, 30, ")", cond.ErrSyntax, `unexpected ")"; expected a field, a literal, "!" or "("`},
		{"Signal", "0 < strength < 1", 14, 13, "<", cond.ErrSyntax, `comparisons do not chain; join them with && (a < x && x < b)`},
		{"Signal", "strength > 1.2.3", 12, 11, "1.2.3", cond.ErrSyntax, `malformed number 1.2.3; expected a decimal number such as 42, -0.5 or 1e-3`},
		{"Signal", "strength > 0x10", 12, 11, "0x10", cond.ErrSyntax, `malformed number 0x10; expected a decimal number such as 42, -0.5 or 1e-3`},
		{"Signal", "strength > 1e", 12, 11, "1e", cond.ErrSyntax, `malformed number 1e; expected a decimal number such as 42, -0.5 or 1e-3`},
		{"Signal", "action in BUY", 11, 10, "BUY", cond.ErrSyntax, `expected "[" after in, found name BUY; write in ["AAPL", "MSFT"]`},
		{"Signal", "action in [BUY", 15, 14, "", cond.ErrSyntax, `missing "]" to close the "[" at col 11; found end of condition`},
		{"Signal", "action in [BUY,", 16, 15, "", cond.ErrSyntax, `missing "]" to close the "[" at col 11; found end of condition`},
		{"Signal", "action in [BUY SELL]", 16, 15, "SELL", cond.ErrSyntax, `unexpected name SELL in a list; expected "," or "]"`},
		{"Signal", "action in [BUY, (SELL)]", 17, 16, "(", cond.ErrSyntax, `unexpected "(" in a list; expected a literal or "]"`},
		{"Signal", "action not BUY", 8, 7, "not", cond.ErrSyntax, `unexpected "not" after an operand; expected "&&", "||", a comparison operator or "not in"`},
		{"Signal", "strength > 0.7 # why", 16, 15, "#", cond.ErrSyntax, `unexpected character "#"`},
		{"Signal", "strength > - 1", 12, 11, "-", cond.ErrSyntax, `unexpected "-"; a sign belongs to a number, as in -1.5 (there is no arithmetic)`},
		{"Signal", strings.Repeat("(", 101) + "ref > 1" + strings.Repeat(")", 101), 101, 100, "(", cond.ErrSyntax, `condition nested too deeply (more than 100 levels of parentheses and negations)`},
		{"Signal", strings.Repeat("!", 101) + "(ref > 1)", 101, 100, "!", cond.ErrSyntax, `condition nested too deeply (more than 100 levels of parentheses and negations)`},
		// columns count characters, offsets count bytes
		{"Signal", `symbol == "ÄÖ" && strenght > 1`, 19, 20, "strenght", cond.ErrUnknownField, `unknown field "strenght" of Signal (fields: id, ts, kind, source, symbol, action, strength, ref); did you mean "strength"?`},
		{"Signal", "strength > 0.7 ∧ ref > 1", 16, 15, "∧", cond.ErrSyntax, `unexpected character "∧"`},
		// names
		{"Signal", "strenght > 0.7", 1, 0, "strenght", cond.ErrUnknownField, `unknown field "strenght" of Signal (fields: id, ts, kind, source, symbol, action, strength, ref); did you mean "strength"?`},
		{"Signal", "Strength > 0.7", 1, 0, "Strength", cond.ErrUnknownField, `unknown field "Strength" of Signal (fields: id, ts, kind, source, symbol, action, strength, ref); did you mean "strength"?`},
		{"Signal", "0.7 < strenght", 7, 6, "strenght", cond.ErrUnknownField, `unknown field "strenght" of Signal (fields: id, ts, kind, source, symbol, action, strength, ref); did you mean "strength"?`},
		{"Signal", "foo == bar", 1, 0, "foo", cond.ErrUnknownField, `unknown field "foo" of Signal (fields: id, ts, kind, source, symbol, action, strength, ref)`},
		{"Signal", "BUY", 1, 0, "BUY", cond.ErrUnknownField, `unknown field "BUY" of Signal (fields: id, ts, kind, source, symbol, action, strength, ref); did you mean action == BUY?`},
		{"Signal", "stength in [1]", 1, 0, "stength", cond.ErrUnknownField, `unknown field "stength" of Signal (fields: id, ts, kind, source, symbol, action, strength, ref); did you mean "strength"?`},
		{"Order", "side == BUY && ordertype == LIMIT", 16, 15, "ordertype", cond.ErrUnknownField, `unknown field "ordertype" of Order (fields: id, ts, kind, source, symbol, side, order_type, quantity, limit); did you mean "order_type"?`},
		{"Signal", "action == BUYY", 11, 10, "BUYY", cond.ErrUnknownValue, `unknown value "BUYY" for enum field action (values: HOLD, BUY, SELL); did you mean "BUY"?`},
		{"Signal", "action == buy", 11, 10, "buy", cond.ErrUnknownValue, `unknown value "buy" for enum field action (values: HOLD, BUY, SELL); did you mean "BUY"?`},
		{"Signal", `action in [BUY, "SEL"]`, 17, 16, `"SEL"`, cond.ErrUnknownValue, `unknown value "SEL" for enum field action (values: HOLD, BUY, SELL); did you mean "SELL"?`},
		{"Order", "order_type == LIMT", 15, 14, "LIMT", cond.ErrUnknownValue, `unknown value "LIMT" for enum field order_type (values: MARKET, LIMIT, STOP, STOP_LIMIT); did you mean "LIMIT"?`},
		// types
		{"Signal", `strength > "high"`, 12, 11, `"high"`, cond.ErrType, `strength is a float64 field: expected a number, found string "high"`},
		{"Signal", "symbol > 5", 10, 9, "5", cond.ErrType, `symbol is a symbol field: expected a quoted symbol such as "AAPL", found number 5`},
		{"Signal", `symbol > "AAPL"`, 8, 7, ">", cond.ErrType, `">" does not apply to symbol field symbol; expected ==, != or in`},
		{"Signal", "symbol == AAPL", 11, 10, "AAPL", cond.ErrType, `symbol is a symbol field: expected a quoted symbol such as "AAPL", found name AAPL; write "AAPL"`},
		{"Signal", "action == 3", 11, 10, "3", cond.ErrType, `action is an enum field: expected one of HOLD, BUY, SELL, found number 3`},
		{"Signal", "action < BUY", 8, 7, "<", cond.ErrType, `"<" does not apply to enum field action; expected ==, != or in`},
		{"Signal", "ref > 1.5", 7, 6, "1.5", cond.ErrType, `ref is a uint64 field: expected an integer, found number 1.5`},
		{"Signal", "ts > 1e3", 6, 5, "1e3", cond.ErrType, `ts is an int64 field: expected an integer, found number 1e3`},
		{"Signal", "strength", 1, 0, "strength", cond.ErrType, `strength is a float64 field, not a condition; expected a comparison such as strength > 0.5`},
		{"Signal", "5", 1, 0, "5", cond.ErrType, `expected a condition, found number 5`},
		{"Signal", "!strength > 0.5", 1, 0, "!", cond.ErrType, `"!" negates only the operand right after it, and a comparison takes a field and a literal; write !(strength > 0.5)`},
		{"Signal", "(ref > 1) == true", 11, 10, "==", cond.ErrType, `"==" compares a field with a literal, but its left operand is a condition`},
		{"Signal", "strength == ref", 13, 12, "ref", cond.ErrType, `cannot compare field strength with field ref; compare a field with a literal`},
		{"Signal", "1 == 1", 1, 0, "1", cond.ErrType, `"==" compares two literals; one side must be a field of Signal`},
		{"Signal", "5 in [1]", 1, 0, "5", cond.ErrType, `"in" needs a field on its left, found number 5`},
		{"Signal", "(ref > 1) in [1]", 11, 10, "in", cond.ErrType, `"in" needs a field on its left, not a condition`},
		{"MarketData", "price > 1e3", 9, 8, "1e3", cond.ErrType, `price is a price field: expected a decimal number such as 100.25, found number 1e3`},
		{"MarketData", `price > "1"`, 9, 8, `"1"`, cond.ErrType, `price is a price field: expected a decimal number such as 100.25, found string "1"`},
		{"Wide", "maker > true", 7, 6, ">", cond.ErrType, `">" does not apply to bool field maker; expected ==, != or in`},
		{"Wide", "maker == 1", 10, 9, "1", cond.ErrType, `maker is a bool field: expected true or false, found number 1`},
		// ranges
		{"Signal", `symbol == "ABCDEFGHI"`, 11, 10, `"ABCDEFGHI"`, cond.ErrRange, `symbol "ABCDEFGHI" is longer than 8 bytes`},
		{"Signal", "ref > -1", 7, 6, "-1", cond.ErrRange, `-1 is out of range for uint64 field ref (0 to 18446744073709551615)`},
		{"Signal", "ref > 18446744073709551616", 7, 6, "18446744073709551616", cond.ErrRange, `18446744073709551616 is out of range for uint64 field ref (0 to 18446744073709551615)`},
		{"Signal", "source == 70000", 11, 10, "70000", cond.ErrRange, `70000 is out of range for uint16 field source (0 to 65535)`},
		{"Signal", "ts > 9223372036854775808", 6, 5, "9223372036854775808", cond.ErrRange, `9223372036854775808 is out of range for int64 field ts (-9223372036854775808 to 9223372036854775807)`},
		{"Signal", "strength > 1e999", 12, 11, "1e999", cond.ErrRange, `1e999 is out of range for float64 field strength (±1.8e308)`},
		{"MarketData", "price > 100.123456789", 9, 8, "100.123456789", cond.ErrRange, `price 100.123456789 has more than 8 decimal places; prices are exact to 0.00000001`},
		{"MarketData", "price > 99999999999", 9, 8, "99999999999", cond.ErrRange, `99999999999 is out of range for price field price (±92233720368.54775807)`},
		{"Wide", "i8 > 200", 6, 5, "200", cond.ErrRange, `200 is out of range for int8 field i8 (-128 to 127)`},
		{"Wide", "u8 in [1, 256]", 11, 10, "256", cond.ErrRange, `256 is out of range for uint8 field u8 (0 to 255)`},
	} {
		c, err := cond.Compile(tc.src, kindInfo(t, reg, tc.kind))
		assert.Nilf(t, c, "Compile(%q) returned a condition and an error", tc.src)
		var e *cond.Error
		require.Truef(t, errors.As(err, &e), "Compile(%q) = %v, want a *cond.Error", tc.src, err)
		assert.Equalf(t, tc.pos, e.Pos, "Compile(%q): Pos", tc.src)
		assert.Equalf(t, tc.off, e.Offset, "Compile(%q): Offset", tc.src)
		assert.Equalf(t, tc.text, e.Text, "Compile(%q): Text", tc.src)
		assert.Truef(t, errors.Is(err, tc.sentinel), "Compile(%q) = %v, want it to wrap %v", tc.src, err, tc.sentinel)
		assert.Equalf(t, tc.msg, e.Msg, "Compile(%q): Msg", tc.src)
		assert.Equalf(t, "col "+itoa(tc.pos)+": "+tc.msg, err.Error(), "Compile(%q): Error()", tc.src)
		if tc.text != "" {
			assert.Truef(t, strings.HasPrefix(tc.src[e.Offset:], e.Text), "Compile(%q): Text %q is not at Offset %d", tc.src, e.Text, e.Offset)
		}
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// TestErrorHandMadeKind checks that a KindInfo describing a field the compiler cannot load
// gives an error, not a panic.
func TestErrorHandMadeKind(t *testing.T) {
	for _, k := range []events.KindInfo{
		{Name: "Bad", Size: 56, Fields: []events.Field{{Name: "x", Offset: 60, Size: 8, Type: events.FieldInt}}},
		{Name: "Bad", Size: 56, Fields: []events.Field{{Name: "x", Offset: 0, Size: 3, Type: events.FieldInt}}},
		{Name: "Bad", Size: 56, Fields: []events.Field{{Name: "x", Offset: 4, Size: 8, Type: events.FieldFloat}}},
		{Name: "Bad", Size: 4, Fields: []events.Field{{Name: "x", Offset: 0, Size: 1, Type: events.FieldUint}}},
		{Name: "Bad", Size: 64, Fields: []events.Field{{Name: "x", Offset: 0, Size: 8, Type: events.FieldUint}}},
		{Name: "Bad", Size: 56, Fields: []events.Field{{Name: "x", Offset: 0, Size: 8, Type: 99}}},
	} {
		_, err := cond.Compile("x == 1", k)
		assert.ErrorIsf(t, err, cond.ErrField, "%+v", k.Fields[0])
	}
	// an enum without names: every name is unknown
	k := events.KindInfo{Name: "E", Size: 32, Fields: []events.Field{{Name: "e", Offset: 24, Size: 1, Type: events.FieldEnum}}}
	_, err := cond.Compile("e == A", k)
	assert.ErrorIs(t, err, cond.ErrUnknownValue)
	// the zero KindInfo
	_, err = cond.Compile("x == 1", events.KindInfo{})
	assert.EqualError(t, err, `col 1: unknown field "x" of this kind (it has no fields)`)
}
