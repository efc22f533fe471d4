package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Sentinel errors. Every mistake Load finds is an [*Error] that wraps one of them, so callers
// and tests can branch with errors.Is on the list ([*Errors] unwraps to all of its entries).
var (
	// ErrSyntax: the file is not YAML (goccy/go-yaml's parser refused it), or not one document.
	ErrSyntax = errors.New("config: YAML syntax error")
	// ErrUnknownKey: a key the schema does not have at that place (a typo such as teir).
	ErrUnknownKey = errors.New("config: unknown key")
	// ErrDuplicateKey: a key written twice in one mapping.
	ErrDuplicateKey = errors.New("config: duplicate key")
	// ErrMissingKey: a required key is absent (routes, type, target, ...).
	ErrMissingKey = errors.New("config: missing key")
	// ErrType: a value of the wrong YAML type (a list where a name was expected, a string
	// where a number was expected).
	ErrType = errors.New("config: wrong type")
	// ErrValue: a value of the right type that is out of range or malformed (a negative
	// worker, a duration without a unit, an unknown overflow policy).
	ErrValue = errors.New("config: invalid value")
	// ErrEmpty: a list that must not be empty is (routes, steps, targets).
	ErrEmpty = errors.New("config: empty list")
	// ErrUnknownTier: a tier that is not in the loader's tier registry.
	ErrUnknownTier = errors.New("config: unknown tier")
	// ErrUnknownKind: an event type that is not in the events registry.
	ErrUnknownKind = errors.New("config: unknown event type")
	// ErrUnknownComponent: a component that is not in the loader's component registry.
	ErrUnknownComponent = errors.New("config: unknown component")
	// ErrCondition: a filter's condition does not compile; the Error also wraps the
	// *cond.Error (errors.Is works with cond.ErrSyntax, cond.ErrUnknownField, cond.ErrType...).
	ErrCondition = errors.New("config: invalid condition")
	// ErrChain: a route's steps do not type-check (a step that takes Order after a step that
	// produces Signal, a transformer with nothing after it).
	ErrChain = errors.New("config: steps do not fit together")
	// ErrSetting: a route setting that its tier does not use (batch_size on a reliable route),
	// or that a tier's constructor refused.
	ErrSetting = errors.New("config: setting does not apply")
	// ErrApply: the engine refused the configuration (Reloader.Apply); the running table is
	// unchanged.
	ErrApply = errors.New("config: engine refused the configuration")
)

// Error is one mistake in a configuration file, located in it. Line and Col are 1-based (Col
// counts characters, as editors do); for a condition they point inside the condition's text.
// Both are 0 when the mistake has no place (a file that cannot be read).
type Error struct {
	File string // the file name given to Load
	Line int
	Col  int
	// Path is where in the document the mistake is, as keys and list indices:
	// routing.strategy.Signal.routes[0].condition.
	Path string
	// Text is the offending text as written ("" when something is missing).
	Text string
	// Msg says what is wrong and what was expected.
	Msg string
	// Err is the sentinel the error wraps.
	Err error
	// Cause is the underlying error, if any (a *cond.Error, an engine error).
	Cause error
}

// MarshalJSON writes the mistake as `hotpath routes -json` prints it: file, line, col, path,
// text, message, kind (the sentinel's text without its "config: " prefix: "unknown key",
// "invalid condition" ...), cause (the underlying error's text, if any) and error (Error()).
func (e *Error) MarshalJSON() ([]byte, error) {
	kind, cause := "", ""
	if e.Err != nil {
		kind = strings.TrimPrefix(e.Err.Error(), "config: ")
	}
	if e.Cause != nil {
		cause = e.Cause.Error()
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	err := enc.Encode(struct {
		File    string `json:"file"`
		Line    int    `json:"line"`
		Col     int    `json:"col"`
		Path    string `json:"path"`
		Text    string `json:"text,omitempty"`
		Message string `json:"message"`
		Kind    string `json:"kind,omitempty"`
		Cause   string `json:"cause,omitempty"`
		Error   string `json:"error"`
	}{e.File, e.Line, e.Col, e.Path, e.Text, e.Msg, kind, cause, e.Error()})
	return bytes.TrimRight(b.Bytes(), "\n"), err
}

// Error returns "file:line:col: path: message".
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteByte(':')
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "%d:%d:", e.Line, e.Col)
	}
	if b.Len() > 0 {
		b.WriteByte(' ')
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the sentinel and the cause.
func (e *Error) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Err, e.Cause}
	}
	return []error{e.Err}
}

// MaxErrors bounds the mistakes one Load reports; beyond it the list ends with a note.
const MaxErrors = 100

// Errors is every mistake found in one file, in file order. Load returns it (as an error) when
// there is at least one.
type Errors struct {
	List []*Error
	// Omitted counts the mistakes beyond MaxErrors that are not in List.
	Omitted int
}

// Error returns the mistakes, one per line.
func (e *Errors) Error() string {
	var b strings.Builder
	for i, x := range e.List {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(x.Error())
	}
	if e.Omitted > 0 {
		fmt.Fprintf(&b, "\n(and %d more)", e.Omitted)
	}
	return b.String()
}

// Unwrap returns the entries, so errors.Is(err, ErrUnknownTier) asks whether any entry is one.
func (e *Errors) Unwrap() []error {
	out := make([]error, len(e.List))
	for i, x := range e.List {
		out[i] = x
	}
	return out
}

// errList collects mistakes while loading.
type errList struct {
	file string
	list []*Error
	more int
	seen map[string]bool
}

// add records e, once: a setting written once for an event type is checked once per route.
func (l *errList) add(e *Error) {
	e.File = l.file
	if l.seen == nil {
		l.seen = map[string]bool{}
	}
	k := e.Error()
	if l.seen[k] {
		return
	}
	l.seen[k] = true
	if len(l.list) >= MaxErrors {
		l.more++
		return
	}
	l.list = append(l.list, e)
}

// at records a mistake at p.
func (l *errList) at(p pos, path, text string, sentinel error, format string, args ...any) {
	l.add(&Error{Line: p.line, Col: p.col, Path: path, Text: text, Msg: fmt.Sprintf(format, args...), Err: sentinel})
}

// err returns the collected mistakes sorted by place, or nil.
func (l *errList) err() error {
	if len(l.list) == 0 {
		return nil
	}
	sort.SliceStable(l.list, func(i, j int) bool {
		a, b := l.list[i], l.list[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return &Errors{List: l.list, Omitted: l.more}
}

// pos is a place in the file: 1-based line and column (in characters).
type pos struct{ line, col int }
