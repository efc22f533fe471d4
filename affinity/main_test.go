package affinity

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// init keeps the main goroutine, and with it TestMain, on the main thread,
// so that tests' goroutines never run there: the runtime cannot end the main
// thread, which TestPinnedWorkerExitsLocked relies on seeing happen.
func init() { runtime.LockOSThread() }

// TestMain fails the run if a test leaves a goroutine of this package behind.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaked := leakedGoroutines(); leaked != "" {
			fmt.Fprintf(os.Stderr, "affinity: leaked goroutines:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// leakedGoroutines returns the stacks of goroutines still running code of
// this package, retrying for up to a second while they wind down (a retry
// loop on an observable condition, not a sleep used as synchronisation).
func leakedGoroutines() string {
	deadline := time.Now().Add(time.Second)
	for {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		var leaked []string
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "hotpath/affinity.") && !strings.Contains(g, "affinity.TestMain") && !strings.Contains(g, "leakedGoroutines") {
				leaked = append(leaked, g)
			}
		}
		if len(leaked) == 0 {
			return ""
		}
		if time.Now().After(deadline) {
			return strings.Join(leaked, "\n\n")
		}
		runtime.Gosched()
	}
}
