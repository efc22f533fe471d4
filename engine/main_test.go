package engine

import (
	"testing"

	"github.com/hotpath-go/hotpath/internal/leakcheck"
)

// TestMain fails the run if a test leaves a goroutine behind (a worker not stopped, say).
func TestMain(m *testing.M) { leakcheck.Main(m) }
