package tiers_test

import (
	"os"
	"testing"

	"github.com/hotpath-go/hotpath/internal/leakcheck"
)

// TestMain runs the crash test's child when asked to (see crash_test.go), and otherwise the
// tests, failing the run if one leaves a goroutine behind (a worker, a log's flusher, a
// checkpointer).
func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		os.Exit(crashChild(dir))
	}
	leakcheck.Main(m)
}
