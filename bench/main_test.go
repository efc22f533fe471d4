package bench

import (
	"testing"

	"github.com/hotpath-go/hotpath/internal/leakcheck"
)

// TestMain fails the package's tests if any goroutine they started is still running after
// them.
func TestMain(m *testing.M) { leakcheck.Main(m) }
