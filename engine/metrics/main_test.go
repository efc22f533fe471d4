package metrics

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if err := checkNoLeaks(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// checkNoLeaks fails if goroutines started by this package's code or tests
// outlive the tests. It retries for a bounded time, yielding, because a
// goroutine that has signalled completion may still be returning.
func checkNoLeaks() error {
	var stacks string
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		stacks = ourGoroutines()
		if stacks == "" {
			return nil
		}
		runtime.Gosched()
	}
	return fmt.Errorf("metrics: leaked goroutines:\n%s", stacks)
}

// ourGoroutines returns the stacks of goroutines running this package's
// code, other than the one asking.
func ourGoroutines() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var leaked []string
	for i, g := range strings.Split(string(buf), "\n\n") {
		if i == 0 { // the current goroutine
			continue
		}
		if strings.Contains(g, "hotpath/engine/metrics.") && !strings.Contains(g, "metrics.TestMain") {
			leaked = append(leaked, g)
		}
	}
	return strings.Join(leaked, "\n\n")
}
