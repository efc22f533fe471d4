package events

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"unicode"
)

// Sentinel errors returned (wrapped with the type's name) by [Register].
var (
	ErrNotStruct    = errors.New("events: kind must be a struct type")
	ErrTooLarge     = errors.New("events: kind larger than 56 bytes")
	ErrHasPointers  = errors.New("events: kind contains pointers (string, slice, map, pointer, interface, chan or func)")
	ErrNoHeader     = errors.New("events: kind must embed events.Header as its first field")
	ErrDuplicate    = errors.New("events: kind name or type already registered")
	ErrTooManyKinds = errors.New("events: too many kinds")
	ErrUnknownKind  = errors.New("events: unknown event kind")
)

// FieldType is the type of an event field as conditions see it.
type FieldType uint8

// Field types.
const (
	FieldInt    FieldType = iota + 1 // signed integers
	FieldUint                        // unsigned integers
	FieldFloat                       // float32, float64
	FieldBool                        // bool
	FieldPrice                       // Price (fixed point; compared against decimal literals)
	FieldSymbol                      // Symbol (compared against string literals)
	FieldEnum                        // an integer type with EnumNames (compared against names)
)

func (t FieldType) String() string {
	switch t {
	case FieldInt:
		return "int"
	case FieldUint:
		return "uint"
	case FieldFloat:
		return "float"
	case FieldBool:
		return "bool"
	case FieldPrice:
		return "price"
	case FieldSymbol:
		return "symbol"
	case FieldEnum:
		return "enum"
	}
	return "invalid"
}

// Field describes one field of a registered kind: where it is and what it holds. Conditions
// compile to loads at Offset; nothing reads a Field per event.
type Field struct {
	Name   string       // snake_case of the Go name, or the `hotpath:"name"` tag
	Offset uintptr      // byte offset in the event
	Size   uintptr      // size in bytes (1, 2, 4 or 8 for numbers; 8 for Symbol)
	Type   FieldType    // how it compares
	Enum   []string     // value names for FieldEnum, indexed by value
	GoType reflect.Type // the Go type, for messages
}

// KindInfo describes a registered kind.
type KindInfo struct {
	Kind   Kind
	Name   string
	Size   uintptr
	Type   reflect.Type
	Fields []Field
}

// Field returns the field called name.
func (k *KindInfo) Field(name string) (Field, bool) {
	for _, f := range k.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// FieldNames lists the kind's field names, for error messages.
func (k *KindInfo) FieldNames() []string {
	s := make([]string, len(k.Fields))
	for i, f := range k.Fields {
		s[i] = f.Name
	}
	return s
}

// Registry maps kind names and Go types to Kind numbers and describes each kind's fields. One
// registry belongs to one engine (there is no global registry). Registration happens at start-up
// and is safe for concurrent use; lookups are meant for start-up and configuration too, never
// for the hot path (which works on Kind numbers).
type Registry struct {
	mu     sync.RWMutex
	kinds  []KindInfo // indexed by Kind; entries with Type == nil are unused
	byName map[string]Kind
	byType map[reflect.Type]Kind
	next   Kind
}

// NewRegistry returns a registry holding the built-in kinds MarketData, Signal and Order.
func NewRegistry() *Registry {
	r := &Registry{byName: map[string]Kind{}, byType: map[reflect.Type]Kind{}, next: firstUserKind}
	must := func(k Kind, err error) {
		if err != nil {
			panic(err) // built-in kinds are checked by tests
		}
	}
	must(r.register(reflect.TypeFor[MarketData](), "MarketData", KindMarketData))
	must(r.register(reflect.TypeFor[Signal](), "Signal", KindSignal))
	must(r.register(reflect.TypeFor[Order](), "Order", KindOrder))
	return r
}

// Register validates T as an event kind and registers it under name, returning its Kind. T must
// be a struct of at most MaxSize bytes, free of pointers (no string, slice, map, pointer,
// interface, chan or func anywhere inside), whose first field is an embedded Header. The error
// wraps one of the sentinel errors above and names the type and the offending field.
func Register[T any](r *Registry, name string) (Kind, error) {
	return r.register(reflect.TypeFor[T](), name, 0)
}

// KindOf returns the Kind registered for T.
func KindOf[T any](r *Registry) (Kind, error) {
	t := reflect.TypeFor[T]()
	r.mu.RLock()
	defer r.mu.RUnlock()
	if k, ok := r.byType[t]; ok {
		return k, nil
	}
	return 0, fmt.Errorf("%w: type %s", ErrUnknownKind, t)
}

// Lookup returns the kind registered under name.
func (r *Registry) Lookup(name string) (KindInfo, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	k, ok := r.byName[name]
	if !ok {
		return KindInfo{}, false
	}
	return r.kinds[k], true
}

// Info returns the description of kind k.
func (r *Registry) Info(k Kind) (KindInfo, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if int(k) >= len(r.kinds) || r.kinds[k].Type == nil {
		return KindInfo{}, false
	}
	return r.kinds[k], true
}

// Names lists the registered kind names in Kind order.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var s []string
	for _, k := range r.kinds {
		if k.Type != nil {
			s = append(s, k.Name)
		}
	}
	return s
}

func (r *Registry) register(t reflect.Type, name string, want Kind) (Kind, error) {
	info, err := describe(t)
	if err != nil {
		return 0, err
	}
	if name == "" {
		name = t.Name()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.byName[name]; ok {
		return 0, fmt.Errorf("%w: name %q", ErrDuplicate, name)
	}
	if k, ok := r.byType[t]; ok {
		return 0, fmt.Errorf("%w: type %s is already kind %q", ErrDuplicate, t, r.kinds[k].Name)
	}
	k := want
	if k == 0 {
		if r.next == 0 { // wrapped around
			return 0, ErrTooManyKinds
		}
		k = r.next
		r.next++
	}
	for int(k) >= len(r.kinds) {
		r.kinds = append(r.kinds, KindInfo{})
	}
	info.Kind, info.Name = k, name
	r.kinds[k] = info
	r.byName[name] = k
	r.byType[t] = k
	return k, nil
}

// describe validates t as an event kind and lists its fields.
func describe(t reflect.Type) (KindInfo, error) {
	if t.Kind() != reflect.Struct {
		return KindInfo{}, fmt.Errorf("%w: %s is a %s", ErrNotStruct, t, t.Kind())
	}
	if t.Size() > MaxSize {
		return KindInfo{}, fmt.Errorf("%w: %s is %d bytes", ErrTooLarge, t, t.Size())
	}
	if t.NumField() == 0 || !t.Field(0).Anonymous || t.Field(0).Type != reflect.TypeFor[Header]() {
		return KindInfo{}, fmt.Errorf("%w: %s", ErrNoHeader, t)
	}
	if path, ok := pointerPath(t, t.Name()); ok {
		return KindInfo{}, fmt.Errorf("%w: %s", ErrHasPointers, path)
	}
	info := KindInfo{Size: t.Size(), Type: t}
	hdr := reflect.TypeFor[Header]()
	for _, name := range []string{"ID", "TS", "Kind", "Source"} {
		f, _ := hdr.FieldByName(name)
		info.Fields = append(info.Fields, fieldOf(f, 0))
	}
	for i := 1; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Name == "_" || !f.IsExported() {
			continue
		}
		if ff := fieldOf(f, 0); ff.Type != 0 {
			info.Fields = append(info.Fields, ff)
		}
	}
	return info, nil
}

type enumNamer interface{ EnumNames() []string }

func fieldOf(f reflect.StructField, base uintptr) Field {
	name := f.Tag.Get("hotpath")
	if name == "" {
		name = snake(f.Name)
	}
	out := Field{Name: name, Offset: base + f.Offset, Size: f.Type.Size(), GoType: f.Type}
	switch {
	case f.Type == reflect.TypeFor[Symbol]():
		out.Type = FieldSymbol
	case f.Type == reflect.TypeFor[Price]():
		out.Type = FieldPrice
	case f.Type.Implements(reflect.TypeFor[enumNamer]()) && f.Type.Kind() >= reflect.Int && f.Type.Kind() <= reflect.Uint64:
		out.Type = FieldEnum
		out.Enum = reflect.Zero(f.Type).Interface().(enumNamer).EnumNames()
	default:
		switch f.Type.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			out.Type = FieldInt
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			out.Type = FieldUint
		case reflect.Float32, reflect.Float64:
			out.Type = FieldFloat
		case reflect.Bool:
			out.Type = FieldBool
		}
	}
	return out
}

// pointerPath reports the path of the first field of t that holds a pointer.
func pointerPath(t reflect.Type, path string) (string, bool) {
	switch t.Kind() {
	case reflect.Pointer, reflect.String, reflect.Slice, reflect.Map, reflect.Interface,
		reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return path + " (" + t.Kind().String() + ")", true
	case reflect.Array:
		return pointerPath(t.Elem(), path+"[]")
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if p, ok := pointerPath(t.Field(i).Type, path+"."+t.Field(i).Name); ok {
				return p, true
			}
		}
	}
	return "", false
}

// snake converts a Go field name to snake_case: OrderType -> order_type, ID -> id, TS -> ts.
func snake(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, c := range rs {
		if unicode.IsUpper(c) {
			if i > 0 && (unicode.IsLower(rs[i-1]) || i+1 < len(rs) && unicode.IsLower(rs[i+1])) {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(c))
		} else {
			b.WriteRune(c)
		}
	}
	return b.String()
}
