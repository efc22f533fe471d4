package nearest

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestName(t *testing.T) {
	names := []string{"tier", "routes", "open_duration", "strength", "symbol"}
	tests := []struct{ word, want string }{
		{"teir", "tier"}, // a swap of neighbours
		{"TIER", "tier"}, // case
		{"strenght", "strength"},
		{"rout", "routes"},        // within a third of the length
		{"open", "open_duration"}, // begins exactly one name
		{"xyz", ""},
		{"s", ""},
	}
	for _, tc := range tests {
		assert.Equalf(t, tc.want, Name(tc.word, names), "Name(%q)", tc.word)
	}
	assert.Equal(t, 1, Distance("teir", "tier"))
	assert.Equal(t, 3, Distance("", "abc"))
	assert.Equal(t, 1<<20, Distance(string(make([]byte, 65)), "a"))
}
