package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpath-go/hotpath/tiers/wal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// walTestLog writes a small log in a new directory: 30 records, a checkpoint at 10.
func walTestLog(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	l, err := wal.Open(wal.Config{Dir: dir, SegmentSize: 16 << 10})
	require.NoError(t, err)
	for i := range 30 {
		_, err := l.Append(1, []byte(strings.Repeat("x", 100+i)))
		require.NoError(t, err)
	}
	require.NoError(t, l.Checkpoint("replay", 10))
	require.NoError(t, l.Close())
	return dir
}

func runWAL(args ...string) (int, string, string) {
	var out, errb strings.Builder
	code := cmdWAL(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCmdWALInspect(t *testing.T) {
	dir := walTestLog(t)
	code, out, stderr := runWAL("inspect", dir)
	require.Equal(t, 0, code, stderr)
	for _, want := range []string{
		"0000000000000001.wal", "records 30  seq 1..30", "records: 1..30 (next 31)",
		"replay  10", "corruption: none",
	} {
		assert.Contains(t, out, want)
	}

	code, out, _ = runWAL("inspect", "-json", dir)
	require.Equal(t, 0, code)
	var j walJSON
	require.NoError(t, json.Unmarshal([]byte(out), &j))
	assert.Equal(t, uint64(1), j.First)
	assert.Equal(t, uint64(30), j.Last)
	assert.Equal(t, map[string]uint64{"replay": 10}, j.Checkpoints)
	assert.Nil(t, j.Corrupt)
}

func TestCmdWALInspectCorrupt(t *testing.T) {
	dir := walTestLog(t)
	seg := filepath.Join(dir, "0000000000000001.wal")
	b, err := os.ReadFile(seg)
	require.NoError(t, err)
	b[500] ^= 0x10 // inside an early frame
	require.NoError(t, os.WriteFile(seg, b, 0o644))

	code, out, _ := runWAL("inspect", dir)
	require.Equal(t, 1, code)
	assert.Regexp(t, `corruption: segment 0000000000000001\.wal offset \d+: `, out)

	code, out, _ = runWAL("inspect", dir, "-json")
	require.Equal(t, 1, code)
	var j walJSON
	require.NoError(t, json.Unmarshal([]byte(out), &j))
	require.NotNil(t, j.Corrupt)
	assert.Equal(t, "0000000000000001.wal", j.Corrupt.Segment)
	assert.LessOrEqual(t, j.Corrupt.Offset, int64(500))
	assert.Contains(t, j.Error, "corrupt")
}

func TestCmdWALUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"no verb", nil},
		{"unknown verb", []string{"list"}},
		{"no dir", []string{"inspect"}},
		{"two dirs", []string{"inspect", "a", "b"}},
		{"bad flag", []string{"inspect", "-x", "a"}},
		{"missing dir", []string{"inspect", filepath.Join(t.TempDir(), "nope")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runWAL(tt.args...)
			assert.Equal(t, 2, code)
			assert.NotEmpty(t, stderr)
		})
	}
}
