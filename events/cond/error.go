package cond

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Sentinel errors. Every error from [Compile] is an [*Error] that wraps exactly one of them, so
// callers can branch with errors.Is.
var (
	// ErrSyntax: the text is not a condition (unexpected token, unterminated string, missing
	// parenthesis, empty condition, nesting too deep).
	ErrSyntax = errors.New("cond: syntax error")
	// ErrUnknownField: a name that is not a field of the kind.
	ErrUnknownField = errors.New("cond: unknown field")
	// ErrUnknownValue: a name that is not one of an enum field's values.
	ErrUnknownValue = errors.New("cond: unknown enum value")
	// ErrType: a literal of the wrong type for its field, an operator the field's type does
	// not support, or an operand that is not a field or a literal where one is needed.
	ErrType = errors.New("cond: type mismatch")
	// ErrRange: a literal that does not fit its field (an integer too large for the field's
	// width, a negative number for an unsigned field, a price with more than 8 decimals, a
	// symbol longer than 8 bytes, a float beyond ±1.8e308).
	ErrRange = errors.New("cond: literal out of range")
	// ErrField: the kind describes a field the compiler cannot load (a hand-made
	// events.KindInfo with an impossible offset or size); registries never produce one.
	ErrField = errors.New("cond: unsupported field")
)

// Error is a mistake in a condition, located inside the condition's text. A configuration
// loader adds the file, line and column of the condition itself; Pos is the column inside it.
type Error struct {
	// Pos is the 1-based column of the offending text inside the condition, counted in
	// characters (runes), as editors count columns.
	Pos int
	// Offset is the 0-based byte offset of the offending text inside the condition.
	Offset int
	// Text is the offending text as written; empty at the end of the condition.
	Text string
	// Expected says, in words, what would have been accepted there; empty when nothing more
	// specific than the message can be said.
	Expected string
	// Msg is the message without the column.
	Msg string
	// Err is the sentinel error this error wraps.
	Err error
}

// Error returns "col N: message".
func (e *Error) Error() string { return fmt.Sprintf("col %d: %s", e.Pos, e.Msg) }

// Unwrap returns the sentinel error.
func (e *Error) Unwrap() error { return e.Err }

// errAt builds an Error at byte offset off of src.
func errAt(src string, off int, text, expected string, sentinel error, format string, args ...any) *Error {
	if off < 0 {
		off = 0
	}
	if off > len(src) {
		off = len(src)
	}
	return &Error{
		Pos:      column(src, off),
		Offset:   off,
		Text:     text,
		Expected: expected,
		Msg:      fmt.Sprintf(format, args...),
		Err:      sentinel,
	}
}

// column returns the 1-based column, in runes, of byte offset off of src.
func column(src string, off int) int {
	return utf8.RuneCountInString(src[:min(max(off, 0), len(src))]) + 1
}

// suggest returns the name in names closest to word, or "" when none is close: a name equal
// but for case wins, then the one at the smallest edit distance (insertions, deletions,
// substitutions and transpositions of neighbours each cost 1), if that distance is at most a
// third of the word's length (and at least 1).
func suggest(word string, names []string) string {
	for _, n := range names {
		if strings.EqualFold(n, word) {
			return n
		}
	}
	best, bestD := "", max(1, min(3, len(word)/3))+1
	for _, n := range names {
		if d := distance(strings.ToLower(word), strings.ToLower(n)); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// distance is the optimal string alignment distance between a and b, in bytes.
func distance(a, b string) int {
	if len(a) > 64 || len(b) > 64 { // names are short; long words are never close
		return 1 << 30
	}
	// three rows: i-2, i-1, i
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// didYouMean returns `; did you mean "x"?` for a suggestion, or "".
func didYouMean(s string) string {
	if s == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", s)
}
