package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConditionColumn checks that a mistake inside a condition is located at its character in
// the file, whatever the scalar's style.
func TestConditionColumn(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		// want is the text at the reported place: the file's line from the reported column on
		// starts with it.
		want string
		line int
	}{
		{"plain", "condition: strength >> 0.7", "> 0.7", 1},
		{"double-quoted", `condition: "strength >> 0.7"`, `> 0.7"`, 1},
		{"double-quoted with escapes", `condition: "symbol == \"AAPL\" && strenght > 1"`, `strenght > 1"`, 1},
		{"double-quoted with a \\u escape", `condition: "symbol == \u0027AAPL\u0027 && strenght > 1"`, `strenght > 1"`, 1},
		{"single-quoted", `condition: 'symbol == ''AAPL'' && strenght > 1'`, `strenght > 1'`, 1},
		{"unicode before", "condition: \"symbol == 'ÄÖ' && strenght > 1\"", `strenght > 1"`, 1},
		{"folded plain", "condition: symbol == 'AAPL' &&\n  strenght > 1", "strenght > 1", 2},
		{"folded double-quoted", "condition: \"symbol == 'AAPL' &&\n    strenght > 1\"", `strenght > 1"`, 2},
		{"literal block", "condition: |\n  symbol == 'AAPL' &&\n  strenght > 1\n", "strenght > 1", 3},
		{"folded block", "condition: >\n    symbol == 'AAPL' &&\n    strenght > 1\n", "strenght > 1", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := &errList{}
			root, ok := parse(errs, []byte(tt.yaml))
			require.True(t, ok, "%v", errs.err())
			d := newDecoder(errs, []byte(tt.yaml))
			fs, ok := d.fields(root, "", "test", []string{"condition"}, nil)
			require.True(t, ok)
			c := d.decodeCond(fs["condition"])
			require.NotNil(t, c)
			k := strings.Index(c.src, "strenght")
			if k < 0 {
				k = strings.Index(c.src, ">> ") + 1
			}
			k = len([]rune(c.src[:k]))
			p := d.locate(c.start, c.style, c.src, k)
			require.Equal(t, tt.line, p.line, "line")
			line := []rune(d.lines[p.line-1])
			require.LessOrEqual(t, p.col-1, len(line))
			assert.True(t, strings.HasPrefix(string(line[p.col-1:]), tt.want), "locate(%q) = col %d: %q, want it to start with %q", c.src, p.col, string(line[p.col-1:]), tt.want)
		})
	}
}

func TestLocateNeverFails(t *testing.T) {
	d := &decoder{lines: []string{"a: b"}}
	for _, st := range []byte{0, '"', '\'', '|', '>'} {
		for _, start := range []pos{{0, 0}, {1, 1}, {1, 40}, {2, 1}, {9, 9}} {
			p := d.locate(start, st, "some text\nthat is longer than the source", 30)
			assert.GreaterOrEqual(t, p.line, 0)
		}
	}
}

func TestSuggest(t *testing.T) {
	names := []string{"tier", "routes", "overflow", "worker", "batch_size", "max_wait", "circuit_breaker"}
	tests := []struct{ word, want string }{
		{"teir", "tier"},
		{"TIER", "tier"},
		{"route", "routes"},
		{"batchsize", "batch_size"},
		{"circuit_braker", "circuit_breaker"},
		{"wroker", "worker"},
		{"x", ""},
		{"completely_different", ""},
		{strings.Repeat("a", 100), ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, suggest(tt.word, names), "suggest(%q)", tt.word)
	}
	assert.Equal(t, `; did you mean "tier"?`, hint("teir", names))
	assert.Equal(t, "; expected one of: a, b", hint("zzzz", []string{"a", "b"}))
	assert.Equal(t, "", hint("zzzz", nil))
}
