package cond

import "strconv"

// tokKind is the kind of a lexical token.
type tokKind uint8

const (
	tEOF tokKind = iota
	tIdent
	tNumber
	tString
	tEq // ==
	tNe // !=
	tLt // <
	tLe // <=
	tGt // >
	tGe // >=
	tAnd
	tOr
	tNot
	tIn
	tTrue
	tFalse
	tLParen
	tRParen
	tLBrack
	tRBrack
	tComma
)

// token is one lexical token of a condition.
type token struct {
	kind tokKind
	off  int    // byte offset of its first byte in the source
	text string // the token as written (a string literal with its quotes)
	str  string // the contents of a string literal, without quotes
}

// isCompare reports whether t is one of == != < <= > >=.
func (t token) isCompare() bool { return t.kind >= tEq && t.kind <= tGe }

// isLiteral reports whether t can be a value: a number, a string, true, false or a name.
func (t token) isLiteral() bool {
	switch t.kind {
	case tIdent, tNumber, tString, tTrue, tFalse:
		return true
	}
	return false
}

// describe names t for a message: `number 5`, `string "AAPL"`, `"&&"`, `end of condition`.
func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of condition"
	case tNumber:
		return "number " + t.text
	case tString:
		return "string " + t.text
	case tIdent:
		return "name " + t.text
	}
	return strconv.Quote(t.text)
}

// keywords maps the reserved words to their tokens. They are lower case only; a field whose
// name is a keyword cannot be named in a condition.
func keyword(s string) tokKind {
	switch s {
	case "and":
		return tAnd
	case "or":
		return tOr
	case "not":
		return tNot
	case "in":
		return tIn
	case "true":
		return tTrue
	case "false":
		return tFalse
	}
	return tIdent
}
