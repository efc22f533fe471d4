package config_test

import (
	"testing"

	"github.com/hotpath-go/hotpath/internal/leakcheck"
)

// TestMain fails the run if a test leaves a goroutine behind (an engine not stopped, say).
func TestMain(m *testing.M) { leakcheck.Main(m) }
