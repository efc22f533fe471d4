package cond

import (
	"unsafe"

	"github.com/hotpath-go/hotpath/events"
)

// Cond is a compiled condition. It reports whether the event r, which must be of the kind the
// condition was compiled for, satisfies the condition. It reads only r, allocates nothing, and
// is safe for concurrent use by any number of goroutines.
type Cond func(r *events.Raw) bool

// Compile compiles the condition src for events of the given kind, as described by the events
// registry (Registry.Lookup or Registry.Info). It does all the work of resolving names,
// checking types and converting literals once; the returned Cond only loads fields at fixed
// offsets and compares them with constants.
//
// On a mistake it returns a nil Cond and an [*Error] that wraps one of the sentinel errors
// ([ErrSyntax], [ErrUnknownField], [ErrUnknownValue], [ErrType], [ErrRange], [ErrField]) and
// locates the mistake inside src. It never panics, whatever src holds.
func Compile(src string, kind events.KindInfo) (Cond, error) {
	ast, err := parse(src)
	if err != nil {
		return nil, err
	}
	c := checker{src: src, kind: &kind}
	e, err := c.cond(ast)
	if err != nil {
		return nil, err
	}
	return generate(fold(e, kind.Size)), nil
}

// generate chooses the code for a folded tree: a constant, a specialised closure for a single
// comparison, or a program.
func generate(e *expr) Cond {
	switch {
	case e.kind == eConst && e.val:
		return func(*events.Raw) bool { return true }
	case e.kind == eConst:
		return func(*events.Raw) bool { return false }
	case e.kind == eLeaf:
		if c := special(e.leaf, false); c != nil {
			return c
		}
	case e.kind == eNot && e.kids[0].kind == eLeaf:
		if c := special(e.kids[0].leaf, true); c != nil {
			return c
		}
	}
	if t, neg := oneTest(e, false); t != nil {
		return single(*t, neg)
	}
	var p program
	return p.run(p.emit(e, accept, reject))
}

// oneTest returns the test of e when e is one test, possibly negated.
func oneTest(e *expr, neg bool) (*test, bool) {
	switch e.kind {
	case eLeaf:
		return oneTest(e.leaf.low, neg)
	case eTest:
		return e.test, neg
	case eNot:
		return oneTest(e.kids[0], !neg)
	}
	return nil, false
}

// For returns c as a function of a typed event: For[events.Signal](c)(&sig) is c applied to
// sig. T must be the kind c was compiled for. The returned function allocates nothing.
func For[T any](c Cond) func(*T) bool {
	return func(v *T) bool { return c(rawOf(v)) }
}

// rawOf views a kind as a Raw. A kind may be smaller than Raw; a Cond compiled for the kind
// reads only within the kind's size, so the view is never read past its end. nocheckptr tells
// the race detector's pointer checks that the larger view is intended.
//
//go:nocheckptr
func rawOf[T any](v *T) *events.Raw {
	return (*events.Raw)(unsafe.Pointer(v))
}
