package tiers_test

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/engine/metrics"
	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/ring"
	"github.com/hotpath-go/hotpath/tiers"
)

// The crash test runs the test binary again as a child (TestMain sees crashChildEnv) that
// publishes to a reliable route and reports, on stdout, "A id" once a publish returned nil and
// "D id" once the handler took an event. The parent kills it with SIGKILL at a random moment,
// starts it again in recovery mode, and checks that every acknowledged event was delivered by
// one run or the other, or dead-lettered, and that nothing was delivered that was never
// published.
const (
	crashChildEnv = "HOTPATH_TIERS_CRASH_CHILD" // the log directory
	crashModeEnv  = "HOTPATH_TIERS_CRASH_MODE"  // "run" or "recover"
	crashSpillEnv = "HOTPATH_TIERS_CRASH_SPILL" // "1": spill mode, not write-ahead
	crashEvents   = 300
	crashLane     = 16
	crashWindow   = 8
)

var crashes = flag.Int("tiers.crashes", 3, "kills in TestReliableCrash (CI runs a few; thousands for a soak)")

// TestReliableCrash kills a child with SIGKILL while its reliable route is appending,
// delivering, retrying and dead-lettering, restarts it, and checks at-least-once delivery of
// everything that was acknowledged: with WriteAhead, every publish that returned; in spill
// mode (a slow handler, so that the lane fills and the publisher spills), all but what the
// lane held in memory when the child died.
func TestReliableCrash(t *testing.T) {
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	for i := range 2 * *crashes {
		dir := t.TempDir()
		killAt := 1 + rng.IntN(crashEvents)
		spill := i%2 == 1
		mode := map[bool]string{false: "write-ahead", true: "spill"}[spill]
		t.Run(fmt.Sprintf("%s/kill%d@%d", mode, i/2, killAt), func(t *testing.T) {
			acked, d1 := crashRun(t, dir, "run", spill, func(acks int) bool { return acks >= killAt })
			require.NotEmpty(t, acked, "the child acknowledged nothing")
			_, d2 := crashRun(t, dir, "recover", spill, nil)
			dead, err := tiers.ReadDeadLetters(nil, tiers.DeadLetterDir(dir, "orders"))
			require.NoError(t, err)
			done := map[uint64]bool{}
			for id := range d1 {
				done[id] = true
			}
			for id := range d2 {
				done[id] = true
			}
			for _, d := range dead {
				assert.Zero(t, d.Event.ID%97, "only the permanent failures are dead letters")
				done[d.Event.ID] = true
			}
			var lost []uint64
			for id := range acked {
				if !done[id] {
					lost = append(lost, id)
				}
			}
			t.Logf("%s: acked %d, delivered %d then %d after the restart, %d dead letters, %d lost", mode, len(acked), len(d1), len(d2), len(dead), len(lost))
			if spill {
				// The lane's events, the one being handled and the spill window are in memory only.
				assert.LessOrEqualf(t, len(lost), crashLane+1+crashWindow, "lost more than the lane and the window hold: %v", lost)
			} else {
				assert.Emptyf(t, lost, "acknowledged, never delivered")
			}
			for id := range done {
				assert.True(t, id >= 1 && id <= crashEvents, "delivered an event never published: %d", id)
			}
		})
	}
}

// crashRun runs the child in mode; kill, if set, is asked after every acknowledgement whether to
// kill the child now. Otherwise (recovery) the parent waits until the child reports it has
// nothing left, then closes its stdin to stop it. It returns the acknowledged and the
// delivered IDs.
func crashRun(t *testing.T, dir, mode string, spill bool, kill func(acks int) bool) (acked, delivered map[uint64]bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir, crashModeEnv+"="+mode)
	if spill {
		cmd.Env = append(cmd.Env, crashSpillEnv+"=1")
	}
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	acked, delivered = map[uint64]bool{}, map[uint64]bool{}
	timer := time.AfterFunc(60*time.Second, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	sc := bufio.NewScanner(stdout)
	killed := false
	for sc.Scan() {
		line := sc.Text()
		kind, num, _ := strings.Cut(line, " ")
		id, _ := strconv.ParseUint(num, 10, 64)
		switch kind {
		case "A":
			acked[id] = true
			if kill != nil && !killed && kill(len(acked)) {
				require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
				killed = true
			}
		case "D":
			delivered[id] = true
		case "IDLE":
			if kill == nil {
				stdin.Close()
			}
		}
	}
	err = cmd.Wait()
	if killed {
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee, "stderr: %s", stderr.String())
	} else {
		require.NoError(t, err, "stderr: %s", stderr.String())
	}
	return acked, delivered
}

// crashChild is the child: it returns the exit code.
func crashChild(dir string) int {
	out := func(format string, a ...any) { _, _ = os.Stdout.Write([]byte(fmt.Sprintf(format, a...))) }
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 1
	}
	recovering := os.Getenv(crashModeEnv) == "recover"
	spill := os.Getenv(crashSpillEnv) == "1"
	rt, err := tiers.Reliable(tiers.ReliableConfig{
		Dir: dir, WriteAhead: !spill, SpillWindow: crashWindow, SegmentSize: 64 << 10, CheckpointEvery: 50,
		Retry: tiers.RetryConfig{MaxRetries: 3, InitialInterval: time.Millisecond, MaxInterval: 2 * time.Millisecond, Multiplier: 2},
	})
	if err != nil {
		return fail(err)
	}
	var mu sync.Mutex
	tries := map[uint64]int{}
	h := engine.Fallible(func(o *events.Order) error {
		if !recovering {
			if o.ID%97 == 0 {
				return fmt.Errorf("no such account: %w", tiers.ErrPermanent)
			}
			mu.Lock()
			tries[o.ID]++
			k := tries[o.ID]
			mu.Unlock()
			if o.ID%7 == 0 && k == 1 {
				return errors.New("venue busy")
			}
			if spill {
				time.Sleep(200 * time.Microsecond) // a slow venue: the lane fills, the route spills
			}
		}
		out("D %d\n", o.ID)
		return nil
	})
	e, err := engine.New(engine.Config{Workers: 1, RingSize: crashLane, Clock: metrics.NewClock(metrics.ClockMonotonic), Wait: ring.Parking()})
	if err != nil {
		return fail(err)
	}
	if err := e.Register(engine.Route{Name: "orders", Source: "risk", Tier: rt, Target: engine.To(h)}); err != nil {
		return fail(err)
	}
	if err := e.Start(); err != nil {
		return fail(err)
	}
	if recovering {
		// Report when the route has caught up, then wait for the parent to close stdin.
		go func() {
			for {
				if b, err := rt.Backlog("orders"); err == nil && b == 0 {
					out("IDLE\n")
					return
				}
				time.Sleep(5 * time.Millisecond) // polling the backlog, not synchronising
			}
		}()
		_, _ = io.Copy(io.Discard, os.Stdin)
	} else {
		p, err := e.NewProducer("risk")
		if err != nil {
			return fail(err)
		}
		// Alternately one event (Publish) and a batch of 2..16 (PublishBatch: under WriteAhead
		// one group commit for the batch): every event of a call is acknowledged once the
		// call returns.
		batch := make([]events.Raw, 0, 16)
		for id, n := uint64(1), 0; id <= crashEvents; n++ {
			if n%2 == 0 {
				if err := engine.Publish(p, &events.Order{Header: events.Header{ID: id}, Quantity: 1}); err != nil {
					return fail(err)
				}
				out("A %d\n", id)
				id++
				continue
			}
			batch = batch[:0]
			for k := 2 + n%15; k > 0 && id <= crashEvents; k-- {
				batch = append(batch, events.ToRaw(&events.Order{Header: events.Header{ID: id, Kind: events.KindOrder}, Quantity: 1}))
				id++
			}
			if err := p.PublishBatch(batch); err != nil {
				return fail(err)
			}
			for _, r := range batch {
				out("A %d\n", r.ID)
			}
		}
		_ = p.Close()
		_, _ = io.Copy(io.Discard, os.Stdin) // the parent kills us
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.Stop(ctx); err != nil {
		return fail(err)
	}
	if err := rt.Close(); err != nil {
		return fail(err)
	}
	return 0
}
