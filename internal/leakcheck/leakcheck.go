// Package leakcheck fails a test binary that leaves goroutines behind.
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { leakcheck.Main(m) }
//
// After the tests pass, it waits (up to a bound, polling, never sleeping as synchronisation of the
// tests themselves) for goroutines started by the tests to exit, and fails the run listing any
// that remain.
package leakcheck

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Main runs the tests, then checks for leaked goroutines; it calls os.Exit.
func Main(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaked := Leaked(5 * time.Second); leaked != "" {
			fmt.Fprintf(os.Stderr, "leakcheck: goroutines left running after the tests:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// Leaked returns the stacks of goroutines other than the runtime's, the testing package's and
// the caller's that are still alive after waiting up to d for them to exit; "" if none.
func Leaked(d time.Duration) string {
	deadline := time.Now().Add(d)
	for {
		s := interesting()
		if len(s) == 0 {
			return ""
		}
		if time.Now().After(deadline) {
			return strings.Join(s, "\n\n")
		}
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond) // polling interval, not synchronisation
	}
}

func interesting() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for i, g := range strings.Split(string(buf), "\n\n") {
		if i == 0 || g == "" { // the caller's own goroutine comes first
			continue
		}
		switch {
		case strings.Contains(g, "testing.(*M)."),
			strings.Contains(g, "testing.tRunner"),
			strings.Contains(g, "runtime.goexit") && strings.Contains(g, "created by runtime"),
			strings.Contains(g, "signal.signal_recv"),
			strings.Contains(g, "runtime.ensureSigM"),
			strings.Contains(g, "os/signal.loop"),
			strings.Contains(g, "testing.runFuzzing"),
			strings.Contains(g, "created by testing."):
			continue
		}
		out = append(out, g)
	}
	return out
}
