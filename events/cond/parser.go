package cond

import "strings"

// maxDepth bounds the nesting of parentheses and negations, so that no input can exhaust the
// stack; conditions people write nest a handful of levels.
const maxDepth = 100

// nodeKind is the kind of a syntax tree node.
type nodeKind uint8

const (
	nOperand nodeKind = iota // a name, number, string, true or false: tok
	nNot                     // ! x: tok is the "!" or "not"
	nCmp                     // x op y: tok is the operator
	nIn                      // x in [list], or x not in [list] (neg): tok is "in"
	nAnd                     // kids joined by && (two or more)
	nOr                      // kids joined by || (two or more)
)

// node is a node of the syntax tree. Parentheses leave no node of their own.
type node struct {
	kind nodeKind
	tok  token
	off  int // byte offset where the node's text starts
	x, y *node
	list []token
	neg  bool
	kids []*node
}

// parser is a recursive-descent parser over a lexer, one token of look-ahead.
type parser struct {
	lex   lexer
	tok   token
	depth int
}

// parse returns the syntax tree of src.
func parse(src string) (*node, *Error) {
	if strings.TrimSpace(src) == "" {
		return nil, errAt(src, 0, "", "a condition such as strength > 0.7", ErrSyntax,
			"empty condition; expected a condition such as strength > 0.7")
	}
	p := &parser{lex: lexer{src: src}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	switch {
	case p.tok.kind == tEOF:
		return n, nil
	case p.tok.kind == tRParen:
		return nil, p.errHere(`"&&", "||" or the end of the condition`, `unexpected ")" without a matching "("`)
	case p.tok.isCompare():
		return nil, p.errHere(`"&&" or "||"`, "comparisons do not chain; join them with && (a < x && x < b)")
	}
	return nil, p.errHere(`"&&", "||" or the end of the condition`,
		`unexpected %s; expected "&&", "||" or the end of the condition`, p.tok.describe())
}

func (p *parser) advance() *Error {
	t, err := p.lex.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

// errHere reports an error at the current token.
func (p *parser) errHere(expected, format string, args ...any) *Error {
	return errAt(p.lex.src, p.tok.off, p.tok.text, expected, ErrSyntax, format, args...)
}

func (p *parser) enter() *Error {
	p.depth++
	if p.depth > maxDepth {
		return p.errHere("", "condition nested too deeply (more than %d levels of parentheses and negations)", maxDepth)
	}
	return nil
}

// or parses and { ("||" | "or") and }.
func (p *parser) or() (*node, *Error) {
	return p.chain(tOr, nOr, p.and)
}

// and parses comparison { ("&&" | "and") comparison }.
func (p *parser) and() (*node, *Error) {
	return p.chain(tAnd, nAnd, p.comparison)
}

func (p *parser) chain(sep tokKind, kind nodeKind, operand func() (*node, *Error)) (*node, *Error) {
	first, err := operand()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != sep {
		return first, nil
	}
	n := &node{kind: kind, tok: p.tok, off: first.off, kids: []*node{first}}
	for p.tok.kind == sep {
		if err := p.advance(); err != nil {
			return nil, err
		}
		k, err := operand()
		if err != nil {
			return nil, err
		}
		n.kids = append(n.kids, k)
	}
	return n, nil
}

// comparison parses unary [ op unary | ["not"] "in" list ].
func (p *parser) comparison() (*node, *Error) {
	x, err := p.unary()
	if err != nil {
		return nil, err
	}
	switch {
	case p.tok.isCompare():
		n := &node{kind: nCmp, tok: p.tok, off: x.off, x: x}
		if err := p.advance(); err != nil {
			return nil, err
		}
		if n.y, err = p.unary(); err != nil {
			return nil, err
		}
		if p.tok.isCompare() {
			return nil, p.errHere(`"&&" or "||"`, "comparisons do not chain; join them with && (a < x && x < b)")
		}
		return n, nil
	case p.tok.kind == tNot:
		// only "not in" may follow an operand
		save, saveTok := p.lex, p.tok
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.tok.kind != tIn {
			p.lex, p.tok = save, saveTok
			return nil, p.errHere(`"&&", "||", a comparison operator or "not in"`,
				`unexpected %s after an operand; expected "&&", "||", a comparison operator or "not in"`, p.tok.describe())
		}
		n := &node{kind: nIn, tok: p.tok, off: x.off, x: x, neg: true}
		return n, p.list(n)
	case p.tok.kind == tIn:
		n := &node{kind: nIn, tok: p.tok, off: x.off, x: x}
		return n, p.list(n)
	}
	return x, nil
}

// list parses "[" [ literal { "," literal } [","] ] "]" after "in", which is the current token.
func (p *parser) list(n *node) *Error {
	if err := p.advance(); err != nil {
		return err
	}
	if p.tok.kind != tLBrack {
		return p.errHere(`"["`, `expected "[" after in, found %s; write in ["AAPL", "MSFT"]`, p.tok.describe())
	}
	open := p.tok
	if err := p.advance(); err != nil {
		return err
	}
	for p.tok.kind != tRBrack {
		switch {
		case p.tok.kind == tEOF:
			return p.errHere(`"]"`, `missing "]" to close the "[" at col %d; found end of condition`,
				column(p.lex.src, open.off))
		case !p.tok.isLiteral():
			return p.errHere(`a literal or "]"`, `unexpected %s in a list; expected a literal or "]"`, p.tok.describe())
		}
		n.list = append(n.list, p.tok)
		if err := p.advance(); err != nil {
			return err
		}
		switch p.tok.kind {
		case tComma:
			if err := p.advance(); err != nil {
				return err
			}
		case tRBrack:
		case tEOF:
			return p.errHere(`"]"`, `missing "]" to close the "[" at col %d; found end of condition`,
				column(p.lex.src, open.off))
		default:
			return p.errHere(`"," or "]"`, `unexpected %s in a list; expected "," or "]"`, p.tok.describe())
		}
	}
	return p.advance()
}

// unary parses ("!" | "not") unary | primary.
func (p *parser) unary() (*node, *Error) {
	if p.tok.kind != tNot {
		return p.primary()
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	n := &node{kind: nNot, tok: p.tok, off: p.tok.off}
	if err := p.advance(); err != nil {
		return nil, err
	}
	x, err := p.unary()
	if err != nil {
		return nil, err
	}
	p.depth--
	n.x = x
	return n, nil
}

// primary parses a name, a literal or "(" or ")".
func (p *parser) primary() (*node, *Error) {
	switch t := p.tok; {
	case t.isLiteral():
		if err := p.advance(); err != nil {
			return nil, err
		}
		return &node{kind: nOperand, tok: t, off: t.off}, nil
	case t.kind == tLParen:
		if err := p.enter(); err != nil {
			return nil, err
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		x, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tRParen {
			col := column(p.lex.src, t.off)
			if p.tok.kind == tEOF {
				return nil, p.errHere(`")"`, `missing ")" to close the "(" at col %d; found end of condition`, col)
			}
			return nil, p.errHere(`")"`, `unexpected %s; expected "&&", "||" or ")" to close the "(" at col %d`, p.tok.describe(), col)
		}
		p.depth--
		x.off = t.off
		if err := p.advance(); err != nil {
			return nil, err
		}
		return x, nil
	case t.kind == tEOF:
		return nil, p.errHere(`a field, a literal, "!" or "("`, `unexpected end of condition; expected a field, a literal, "!" or "("`)
	}
	return nil, p.errHere(`a field, a literal, "!" or "("`, `unexpected %s; expected a field, a literal, "!" or "("`, p.tok.describe())
}
