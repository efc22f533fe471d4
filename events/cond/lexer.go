package cond

import (
	"unicode/utf8"
)

// lexer splits a condition into tokens, one at a time, so that the first mistake reported is
// the leftmost one.
type lexer struct {
	src string
	off int
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isIdentByte(c byte) bool { return isIdentStart(c) || isDigit(c) }

// next returns the next token, or an error for text that is no token.
func (l *lexer) next() (token, *Error) {
	src := l.src
	for l.off < len(src) && (src[l.off] == ' ' || src[l.off] == '\t' || src[l.off] == '\n' || src[l.off] == '\r') {
		l.off++
	}
	start := l.off
	if start >= len(src) {
		return token{kind: tEOF, off: start}, nil
	}
	c := src[start]
	var peek byte
	if start+1 < len(src) {
		peek = src[start+1]
	}
	op := func(k tokKind, n int) (token, *Error) {
		l.off += n
		return token{kind: k, off: start, text: src[start:l.off]}, nil
	}
	switch {
	case isIdentStart(c):
		end := start + 1
		for end < len(src) && isIdentByte(src[end]) {
			end++
		}
		l.off = end
		return token{kind: keyword(src[start:end]), off: start, text: src[start:end]}, nil
	case isDigit(c), c == '.' && isDigit(peek),
		(c == '-' || c == '+') && (isDigit(peek) || peek == '.' && start+2 < len(src) && isDigit(src[start+2])):
		return l.number()
	case c == '"' || c == '\'':
		for end := start + 1; end < len(src); end++ {
			if src[end] == c {
				l.off = end + 1
				return token{kind: tString, off: start, text: src[start:l.off], str: src[start+1 : end]}, nil
			}
		}
		quote := "double quote (\")"
		if c == '\'' {
			quote = "single quote (')"
		}
		return token{}, errAt(src, start, src[start:], "a closing "+quote, ErrSyntax,
			"unterminated string %s; expected a closing %s", src[start:], quote)
	case c == '=' && peek == '=':
		return op(tEq, 2)
	case c == '!' && peek == '=':
		return op(tNe, 2)
	case c == '<' && peek == '=':
		return op(tLe, 2)
	case c == '>' && peek == '=':
		return op(tGe, 2)
	case c == '<':
		return op(tLt, 1)
	case c == '>':
		return op(tGt, 1)
	case c == '&' && peek == '&':
		return op(tAnd, 2)
	case c == '|' && peek == '|':
		return op(tOr, 2)
	case c == '!':
		return op(tNot, 1)
	case c == '(':
		return op(tLParen, 1)
	case c == ')':
		return op(tRParen, 1)
	case c == '[':
		return op(tLBrack, 1)
	case c == ']':
		return op(tRBrack, 1)
	case c == ',':
		return op(tComma, 1)
	case c == '=' || c == '&' || c == '|':
		want := string([]byte{c, c})
		return token{}, errAt(src, start, string(c), `"`+want+`"`, ErrSyntax,
			"unexpected %q; did you mean %q?", string(c), want)
	}
	r, _ := utf8.DecodeRuneInString(src[start:])
	text := string(r)
	if r == utf8.RuneError {
		text = src[start : start+1]
	}
	if c == '-' || c == '+' {
		return token{}, errAt(src, start, text, "a number such as -1.5", ErrSyntax,
			"unexpected %q; a sign belongs to a number, as in -1.5 (there is no arithmetic)", text)
	}
	return token{}, errAt(src, start, text, "", ErrSyntax, "unexpected character %q", text)
}

// number lexes a numeric literal: an optional sign, digits with an optional fraction, and an
// optional exponent. Letters, digits, dots and underscores that follow are taken as part of it,
// so that 1.2.3, 12abc or 0x10 are reported whole as malformed numbers.
func (l *lexer) number() (token, *Error) {
	src := l.src
	start := l.off
	end := start + 1
	for end < len(src) {
		c := src[end]
		if isIdentByte(c) || c == '.' || (c == '+' || c == '-') && (src[end-1] == 'e' || src[end-1] == 'E') {
			end++
			continue
		}
		break
	}
	l.off = end
	text := src[start:end]
	if !validNumber(text) {
		return token{}, errAt(src, start, text, "a decimal number such as 42, -0.5 or 1e-3", ErrSyntax,
			"malformed number %s; expected a decimal number such as 42, -0.5 or 1e-3", text)
	}
	return token{kind: tNumber, off: start, text: text}, nil
}

// validNumber reports whether s is [+-] (digits [. digits*] | . digits) [(e|E) [+-] digits].
func validNumber(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && isDigit(s[i]) {
		i, digits = i+1, digits+1
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i, digits = i+1, digits+1
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for i < len(s) && isDigit(s[i]) {
			i, exp = i+1, exp+1
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

// isInteger reports whether the valid number s has neither a fraction nor an exponent.
func isInteger(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' || s[i] == 'e' || s[i] == 'E' {
			return false
		}
	}
	return true
}
