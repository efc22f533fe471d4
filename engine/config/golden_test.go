package config_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGolden loads every testdata/*.yaml and compares what a user would read (the mistakes,
// or the routes of a valid file) with testdata/*.golden.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			l, _ := demoLoader(t)
			cfg, err := l.LoadFile(file)
			var b strings.Builder
			if err != nil {
				b.WriteString(err.Error())
				b.WriteByte('\n')
			} else {
				for _, r := range cfg.Routes {
					fmt.Fprintf(&b, "%s:%d:%d %s %s/%s %s worker=%d overflow=%s %s", cfg.File, r.Line, r.Col, r.Name, r.Source, r.Kind, r.Tier, r.Worker, r.Overflow, r.Chain)
					if p := r.Policies(l.Tiers); p != "" {
						b.WriteString(" [" + p + "]")
					}
					b.WriteByte('\n')
				}
			}
			golden := strings.TrimSuffix(file, ".yaml") + ".golden"
			if *update {
				require.NoError(t, os.WriteFile(golden, []byte(b.String()), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run go test -update to create it")
			assert.Equal(t, string(want), b.String())
		})
	}
}
