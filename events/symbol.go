package events

import (
	"errors"
	"fmt"
)

// SymbolSize is the length of a [Symbol] in bytes.
const SymbolSize = 8

// ErrSymbolTooLong is returned by [ParseSymbol] for a symbol longer than SymbolSize bytes.
var ErrSymbolTooLong = errors.New("events: symbol longer than 8 bytes")

// Symbol is an instrument's ticker as a fixed 8-byte array, NUL-padded: comparable with ==,
// usable as a value in an event, and compared by the router as one 64-bit word.
type Symbol [SymbolSize]byte

// ParseSymbol returns s as a Symbol, or ErrSymbolTooLong (wrapped with s) when s does not fit.
// An empty s gives the zero Symbol.
func ParseSymbol(s string) (Symbol, error) {
	var y Symbol
	if len(s) > SymbolSize {
		return y, fmt.Errorf("%w: %q", ErrSymbolTooLong, s)
	}
	copy(y[:], s)
	return y, nil
}

// MustSymbol is ParseSymbol for constants in programs and tests; it panics on a symbol that does
// not fit, which is a programming error.
func MustSymbol(s string) Symbol {
	y, err := ParseSymbol(s)
	if err != nil {
		panic(err)
	}
	return y
}

// String returns the symbol without its padding.
func (y Symbol) String() string {
	n := 0
	for n < SymbolSize && y[n] != 0 {
		n++
	}
	return string(y[:n])
}
