package cond_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/events/cond"
)

// This file checks the compiler against a reference interpreter: random conditions over every
// field of several kinds, rendered as text, compiled, and evaluated on random events, must
// agree with a direct evaluation of the same tree with reflection and Go's own comparisons.

// gnode is a generated condition.
type gnode struct {
	op   string // cmp, in, bool, const, and, or, not
	f    *gfield
	cmp  string   // cmp: the operator
	lits []string // cmp: one literal, in: the list
	left bool     // cmp: the literal is on the left
	neg  bool     // in: not in; bool: !field
	val  bool     // const
	kw   bool     // and, or, not, in: spell with keywords
	kids []*gnode
}

// gfield is a field of the kind under test, found by reflection from its offset.
type gfield struct {
	events.Field
	index []int // reflect index path in the Go type
}

// fieldsOf pairs each field of info with its reflect index path.
func fieldsOf(t *testing.T, info events.KindInfo) []*gfield {
	var out []*gfield
	for _, f := range info.Fields {
		path := indexAt(info.Type, f.Offset, f.Size)
		require.NotNilf(t, path, "field %s", f.Name)
		out = append(out, &gfield{Field: f, index: path})
	}
	return out
}

func indexAt(t reflect.Type, off, size uintptr) []int {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if sf.Name == "_" || off < sf.Offset || off >= sf.Offset+sf.Type.Size() {
			continue
		}
		if sf.Type.Kind() == reflect.Struct {
			if rest := indexAt(sf.Type, off-sf.Offset, size); rest != nil {
				return append([]int{i}, rest...)
			}
		}
		if sf.Offset == off && sf.Type.Size() == size {
			return []int{i}
		}
	}
	return nil
}

// gen generates conditions and events for one kind from a seeded source.
type gen struct {
	rng    *rand.Rand
	fields []*gfield
}

var symbolPool = []string{"AAPL", "MSFT", "", "GOOG", "ABCDEFGH", "A"}

// intLit returns an integer literal for a field of width bits, signed or not.
func (g *gen) intLit(bits uint, signed bool) string {
	if signed {
		lo, hi := int64(-1)<<(bits-1), int64(uint64(1)<<(bits-1)-1)
		pool := []int64{0, 1, -1, 2, 3, 100, lo, hi, lo + 1, hi - 1}
		if g.rng.IntN(3) == 0 {
			return strconv.FormatInt(int64(g.rng.Uint64()<<(64-bits))>>(64-bits), 10)
		}
		return strconv.FormatInt(pool[g.rng.IntN(len(pool))], 10)
	}
	hi := ^uint64(0) >> (64 - bits)
	pool := []uint64{0, 1, 2, 3, 100, hi, hi - 1}
	if g.rng.IntN(3) == 0 {
		return strconv.FormatUint(g.rng.Uint64()&hi, 10)
	}
	return strconv.FormatUint(pool[g.rng.IntN(len(pool))], 10)
}

func (g *gen) floatVal() float64 {
	pool := []float64{0, math.Copysign(0, -1), 0.7, -0.7, 1, -1, 0.5, 1e-300, 5e-324, -5e-324,
		math.MaxFloat64, -math.MaxFloat64, math.MaxFloat32, -math.MaxFloat32, 1e39, -1e39,
		float64(float32(0.7)), float64(float32(-0.7)), math.Nextafter(0.7, 1), math.Nextafter(0.7, 0),
		float64(math.Nextafter32(float32(0.7), 1)), 1.4e-45, 2.5, 100}
	if g.rng.IntN(4) == 0 {
		return (g.rng.Float64()*2 - 1) * math.Pow(10, float64(g.rng.IntN(20)-10))
	}
	return pool[g.rng.IntN(len(pool))]
}

func (g *gen) priceVal() events.Price {
	pool := []events.Price{0, 1, -1, events.PriceScale, 10050000000, 15025000000, -events.PriceScale, math.MaxInt64, math.MinInt64 + 1, 12345678}
	if g.rng.IntN(3) == 0 {
		return events.Price(g.rng.Int64N(1_000_000*events.PriceScale) - 500_000*events.PriceScale)
	}
	return pool[g.rng.IntN(len(pool))]
}

// literal returns a literal for field f.
func (g *gen) literal(f *gfield) string {
	switch f.Type {
	case events.FieldInt:
		return g.intLit(uint(8*f.Size), true)
	case events.FieldUint:
		return g.intLit(uint(8*f.Size), false)
	case events.FieldFloat:
		x := g.floatVal()
		if f.Size == 4 && g.rng.IntN(2) == 0 {
			x = float64(float32(x))
			if math.IsInf(x, 0) {
				x = math.MaxFloat32
			}
		}
		s := strconv.FormatFloat(x, 'g', -1, 64)
		if x == 0 && math.Signbit(x) {
			s = "-0.0"
		}
		return s
	case events.FieldPrice:
		return g.priceVal().String()
	case events.FieldSymbol:
		q := `"`
		if g.rng.IntN(2) == 0 {
			q = "'"
		}
		return q + symbolPool[g.rng.IntN(len(symbolPool))] + q
	case events.FieldEnum:
		name := f.Enum[g.rng.IntN(len(f.Enum))]
		if g.rng.IntN(4) == 0 {
			return `"` + name + `"`
		}
		return name
	case events.FieldBool:
		return strconv.FormatBool(g.rng.IntN(2) == 0)
	}
	panic("field type")
}

func (g *gen) node(depth int) *gnode {
	if depth > 0 && g.rng.IntN(3) > 0 {
		switch g.rng.IntN(5) {
		case 0:
			return &gnode{op: "not", kw: g.rng.IntN(3) == 0, kids: []*gnode{g.node(depth - 1)}}
		case 1, 2:
			n := &gnode{op: "and", kw: g.rng.IntN(3) == 0}
			for range 2 + g.rng.IntN(3) {
				n.kids = append(n.kids, g.node(depth-1))
			}
			return n
		default:
			n := &gnode{op: "or", kw: g.rng.IntN(3) == 0}
			for range 2 + g.rng.IntN(3) {
				n.kids = append(n.kids, g.node(depth-1))
			}
			return n
		}
	}
	if g.rng.IntN(40) == 0 {
		return &gnode{op: "const", val: g.rng.IntN(2) == 0}
	}
	f := g.fields[g.rng.IntN(len(g.fields))]
	if f.Type == events.FieldBool && g.rng.IntN(2) == 0 {
		return &gnode{op: "bool", f: f, neg: g.rng.IntN(2) == 0}
	}
	if g.rng.IntN(4) == 0 {
		n := &gnode{op: "in", f: f, neg: g.rng.IntN(2) == 0, kw: g.rng.IntN(2) == 0}
		for range g.rng.IntN(6) {
			n.lits = append(n.lits, g.literal(f))
		}
		return n
	}
	ops := []string{"==", "!=", "<", "<=", ">", ">="}
	switch f.Type {
	case events.FieldSymbol, events.FieldEnum, events.FieldBool:
		ops = ops[:2]
	}
	return &gnode{op: "cmp", f: f, cmp: ops[g.rng.IntN(len(ops))], lits: []string{g.literal(f)}, left: g.rng.IntN(4) == 0}
}

// render writes n as condition text, parenthesising every compound operand.
func (n *gnode) render(b *strings.Builder) {
	switch n.op {
	case "const":
		b.WriteString(strconv.FormatBool(n.val))
	case "bool":
		if n.neg {
			b.WriteString("!")
		}
		b.WriteString(n.f.Name)
	case "cmp":
		if n.left {
			fmt.Fprintf(b, "%s %s %s", n.lits[0], n.cmp, n.f.Name)
		} else {
			fmt.Fprintf(b, "%s %s %s", n.f.Name, n.cmp, n.lits[0])
		}
	case "in":
		b.WriteString(n.f.Name)
		if n.neg {
			b.WriteString(" not")
		}
		fmt.Fprintf(b, " in [%s]", strings.Join(n.lits, ", "))
	case "not":
		if n.kw {
			b.WriteString("not ")
		} else {
			b.WriteString("!")
		}
		b.WriteString("(")
		n.kids[0].render(b)
		b.WriteString(")")
	case "and", "or":
		sep := map[string]string{"and": " && ", "or": " || "}[n.op]
		if n.kw {
			sep = " " + n.op + " "
		}
		for i, k := range n.kids {
			if i > 0 {
				b.WriteString(sep)
			}
			b.WriteString("(")
			k.render(b)
			b.WriteString(")")
		}
	}
}

// eval is the reference interpreter: n on the event v, with reflection and Go's comparisons.
func (n *gnode) eval(v reflect.Value) bool {
	switch n.op {
	case "const":
		return n.val
	case "bool":
		return v.FieldByIndex(n.f.index).Bool() != n.neg
	case "not":
		return !n.kids[0].eval(v)
	case "and":
		for _, k := range n.kids {
			if !k.eval(v) {
				return false
			}
		}
		return true
	case "or":
		for _, k := range n.kids {
			if k.eval(v) {
				return true
			}
		}
		return false
	case "in":
		for _, l := range n.lits {
			if compareRef(n.f, v.FieldByIndex(n.f.index), "==", l, false) {
				return !n.neg
			}
		}
		return n.neg
	}
	return compareRef(n.f, v.FieldByIndex(n.f.index), n.cmp, n.lits[0], n.left)
}

// compareRef evaluates "fv op lit", or "lit op fv" when left.
func compareRef(f *gfield, fv reflect.Value, op, lit string, left bool) bool {
	switch f.Type {
	case events.FieldInt:
		l, err := strconv.ParseInt(lit, 10, 64)
		must(err)
		return ordered(fv.Int(), l, op, left)
	case events.FieldUint:
		l, err := strconv.ParseUint(lit, 10, 64)
		must(err)
		return ordered(fv.Uint(), l, op, left)
	case events.FieldFloat:
		l, err := strconv.ParseFloat(lit, 64)
		must(err)
		return ordered(fv.Float(), l, op, left)
	case events.FieldPrice:
		l, err := events.ParsePrice(lit)
		must(err)
		return ordered(fv.Int(), int64(l), op, left)
	case events.FieldSymbol:
		l := events.MustSymbol(lit[1 : len(lit)-1])
		return fv.Interface().(events.Symbol) == l == (op == "==")
	case events.FieldEnum:
		name := strings.Trim(lit, `"`)
		idx := -1
		for i, e := range f.Enum {
			if e == name {
				idx = i
			}
		}
		var x uint64
		if fv.CanInt() {
			x = uint64(fv.Int())
		} else {
			x = fv.Uint()
		}
		return (x == uint64(idx)) == (op == "==")
	case events.FieldBool:
		return fv.Bool() == (lit == "true") == (op == "==")
	}
	panic("field type")
}

func ordered[T int64 | uint64 | float64](a, b T, op string, swap bool) bool {
	if swap {
		a, b = b, a
	}
	switch op {
	case "==":
		return a == b
	case "!=":
		return a != b
	case "<":
		return a < b
	case "<=":
		return a <= b
	case ">":
		return a > b
	}
	return a >= b
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// event returns a random event of the kind, as its typed value and as a Raw.
func (g *gen) event(t reflect.Type) (reflect.Value, events.Raw) {
	p := reflect.New(t)
	v := p.Elem()
	for _, f := range g.fields {
		fv := v.FieldByIndex(f.index)
		switch f.Type {
		case events.FieldInt:
			x, _ := strconv.ParseInt(g.intLit(uint(8*f.Size), true), 10, 64)
			fv.SetInt(x)
		case events.FieldUint:
			x, _ := strconv.ParseUint(g.intLit(uint(8*f.Size), false), 10, 64)
			fv.SetUint(x)
		case events.FieldFloat:
			x := g.floatVal()
			switch g.rng.IntN(12) {
			case 0:
				x = math.NaN()
			case 1:
				x = math.Inf(1)
			case 2:
				x = math.Inf(-1)
			}
			fv.SetFloat(x)
		case events.FieldPrice:
			fv.SetInt(int64(g.priceVal()))
		case events.FieldSymbol:
			fv.Set(reflect.ValueOf(events.MustSymbol(symbolPool[g.rng.IntN(len(symbolPool))])))
		case events.FieldEnum:
			x := uint64(g.rng.IntN(len(f.Enum) + 2)) // sometimes a value without a name
			if fv.CanInt() {
				fv.SetInt(int64(x))
			} else {
				fv.SetUint(x)
			}
		case events.FieldBool:
			fv.SetBool(g.rng.IntN(2) == 0)
		}
	}
	var raw events.Raw
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&raw)), events.MaxSize), unsafe.Slice((*byte)(p.UnsafePointer()), t.Size()))
	return v, raw
}

func TestDifferential(t *testing.T) {
	conditions, nevents := 400, 48
	if testing.Short() {
		conditions = 100
	}
	reg := testRegistry(t)
	for ki, kind := range []string{"Signal", "MarketData", "Order", "Wide", "Tail", "Tick"} {
		t.Run(kind, func(t *testing.T) {
			info := kindInfo(t, reg, kind)
			g := &gen{rng: rand.New(rand.NewPCG(uint64(ki), 42)), fields: fieldsOf(t, info)}
			vals := make([]reflect.Value, nevents)
			raws := make([]events.Raw, nevents)
			for i := range vals {
				vals[i], raws[i] = g.event(info.Type)
			}
			for range conditions {
				n := g.node(1 + g.rng.IntN(4))
				var b strings.Builder
				n.render(&b)
				src := b.String()
				c, err := cond.Compile(src, info)
				require.NoErrorf(t, err, "Compile(%q)", src)
				for i := range raws {
					if got, want := c(&raws[i]), n.eval(vals[i]); got != want {
						t.Fatalf("Compile(%q) on %+v = %v, want %v", src, vals[i].Interface(), got, want)
					}
				}
			}
		})
	}
}

// TestDifferentialLeaves compares every single comparison, on every field, with every operator,
// alone and negated (the shapes compiled to specialised closures), with the reference.
func TestDifferentialLeaves(t *testing.T) {
	reg := testRegistry(t)
	for ki, kind := range []string{"Signal", "MarketData", "Order", "Wide", "Tail", "Tick"} {
		t.Run(kind, func(t *testing.T) {
			info := kindInfo(t, reg, kind)
			g := &gen{rng: rand.New(rand.NewPCG(uint64(ki), 7)), fields: fieldsOf(t, info)}
			vals := make([]reflect.Value, 64)
			raws := make([]events.Raw, len(vals))
			for i := range vals {
				vals[i], raws[i] = g.event(info.Type)
			}
			check := func(n *gnode) {
				var b strings.Builder
				n.render(&b)
				c, err := cond.Compile(b.String(), info)
				require.NoErrorf(t, err, "Compile(%q)", b.String())
				for i := range raws {
					if got, want := c(&raws[i]), n.eval(vals[i]); got != want {
						t.Fatalf("Compile(%q) on %+v = %v, want %v", b.String(), vals[i].Interface(), got, want)
					}
				}
			}
			for _, f := range g.fields {
				ops := []string{"==", "!=", "<", "<=", ">", ">="}
				switch f.Type {
				case events.FieldSymbol, events.FieldEnum, events.FieldBool:
					ops = ops[:2]
				}
				for range 12 {
					for _, op := range ops {
						leaf := &gnode{op: "cmp", f: f, cmp: op, lits: []string{g.literal(f)}, left: g.rng.IntN(2) == 0}
						check(leaf)
						check(&gnode{op: "not", kids: []*gnode{leaf}})
					}
					in := &gnode{op: "in", f: f, neg: g.rng.IntN(2) == 0}
					for range g.rng.IntN(5) {
						in.lits = append(in.lits, g.literal(f))
					}
					check(in)
				}
			}
		})
	}
}
