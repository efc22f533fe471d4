package affinity

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseCPUList(t *testing.T) {
	tests := []struct {
		in   string
		want []int
		str  string
	}{
		{"", []int{}, ""},
		{"\n", []int{}, ""},
		{"0", []int{0}, "0"},
		{"0-3", []int{0, 1, 2, 3}, "0-3"},
		{"0-3,8-11\n", []int{0, 1, 2, 3, 8, 9, 10, 11}, "0-3,8-11"},
		{"2,3,6,7", []int{2, 3, 6, 7}, "2-3,6-7"},
		{"5,1,3", []int{1, 3, 5}, "1,3,5"},
		{"63-65", []int{63, 64, 65}, "63-65"},
		{" 1 , 4-4 ", []int{1, 4}, "1,4"},
	}
	for _, tt := range tests {
		got, err := ParseCPUList(tt.in)
		require.NoError(t, err, "ParseCPUList(%q)", tt.in)
		assert.Equal(t, tt.want, got.CPUs(), "ParseCPUList(%q) = %v, want %v", tt.in, got.CPUs(), tt.want)
		assert.Equal(t, tt.str, got.String(), "ParseCPUList(%q).String()", tt.in)
		assert.Equal(t, len(tt.want), got.Len())
	}
}

func TestParseCPUListErrors(t *testing.T) {
	for _, in := range []string{"a", "1-", "-1", "3-1", "1,,2", "0-99999", "1:2", "x-3"} {
		_, err := ParseCPUList(in)
		assert.Error(t, err, "ParseCPUList(%q) should fail", in)
		if err != nil {
			assert.Contains(t, err.Error(), "affinity: ")
		}
	}
}

func TestCPUSetAlgebra(t *testing.T) {
	a := MustParseCPUList("0-5")
	b := MustParseCPUList("4-9,70")
	assert.Equal(t, "0-9,70", a.Union(b).String())
	assert.Equal(t, "4-5", a.Intersect(b).String())
	assert.Equal(t, "0-3", a.Minus(b).String())
	assert.Equal(t, "6-9,70", b.Minus(a).String())
	assert.True(t, a.Intersect(b).SubsetOf(a))
	assert.False(t, a.SubsetOf(b))
	assert.True(t, a.Minus(a).IsEmpty())
	assert.True(t, a.Minus(a).Equal(CPUSet{}), "empty results compare equal to the zero value")
	assert.Equal(t, 0, a.First())
	assert.Equal(t, -1, CPUSet{}.First())
	assert.Equal(t, "1-5", a.Remove(0).String())
	assert.Equal(t, "0-5,100", a.Add(100).String())
	assert.False(t, a.Contains(-1))
	assert.False(t, a.Contains(1000))
	assert.Equal(t, "", CPURange(3, 2).String())
	assert.Panics(t, func() { NewCPUSet(-1) })
}

func TestCPUSetJSON(t *testing.T) {
	s := MustParseCPUList("0-2,8")
	data, err := json.Marshal(s)
	require.NoError(t, err)
	assert.Equal(t, "[0,1,2,8]", string(data))
	var back CPUSet
	require.NoError(t, json.Unmarshal(data, &back))
	assert.True(t, back.Equal(s))
	require.NoError(t, json.Unmarshal([]byte(`"0-2,8"`), &back))
	assert.True(t, back.Equal(s))
	assert.Error(t, json.Unmarshal([]byte(`[-1]`), &back))
	assert.Error(t, json.Unmarshal([]byte(`{}`), &back))
}

func FuzzParseCPUList(f *testing.F) {
	for _, s := range []string{"0-3,8-11", "", "1", "0-8191", "3-1", "(null)", "1,2,,3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseCPUList(in)
		if err != nil {
			return
		}
		// Round trip: the canonical form parses back to the same set.
		back, err := ParseCPUList(s.String())
		if err != nil {
			t.Fatalf("ParseCPUList(%q).String() = %q does not parse: %v", in, s.String(), err)
		}
		if !back.Equal(s) {
			t.Fatalf("round trip of %q: %q != %q", in, back, s)
		}
		if s.Len() != len(s.CPUs()) {
			t.Fatalf("Len %d != len(CPUs) %d", s.Len(), len(s.CPUs()))
		}
	})
}
