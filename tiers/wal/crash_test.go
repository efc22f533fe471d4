package wal

import (
	"bufio"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var walKills = flag.Int("wal.kills", 24, "SIGKILLs in TestCrashKill (CI runs a few dozen; use thousands for a soak)")

const (
	crashChildEnv  = "HOTPATH_WAL_CRASH_CHILD"
	crashWriters   = 4
	crashRecord    = 128
	crashSegment   = 256 << 10
	crashBuffer    = 32 << 10
	crashChildLife = 60 * time.Second
)

// crashPayload fills b with the record that writer w appends as its c-th.
func crashPayload(b []byte, w uint32, c uint64) {
	binary.LittleEndian.PutUint32(b, w)
	binary.LittleEndian.PutUint64(b[4:], c)
	fillRecord(b[12:], uint64(w)<<48|c)
}

// crashChild is the child process of TestCrashKill: it opens the log, resumes each writer after
// its last recovered record, and appends until killed, printing "ack w c k seq" once records
// c..c+k-1 of writer w, at sequences seq..seq+k-1, are durable.
func crashChild() int {
	dir := os.Getenv(crashChildEnv)
	l, err := Open(Config{Dir: dir, SegmentSize: crashSegment, BufferSize: crashBuffer})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: open:", err)
		return 2
	}
	next := make([]uint64, crashWriters)
	r := l.NewReader(1)
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "child: replay:", err)
			return 2
		}
		w := binary.LittleEndian.Uint32(rec.Payload)
		next[w] = binary.LittleEndian.Uint64(rec.Payload[4:]) + 1
	}
	r.Close()
	var out sync.Mutex
	deadline := time.Now().Add(crashChildLife)
	var wg sync.WaitGroup
	for w := range crashWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			batch := make([]byte, 16*crashRecord)
			for time.Now().Before(deadline) {
				k := 1 + rng.IntN(16)
				for i := range k {
					crashPayload(batch[i*crashRecord:], uint32(w), next[w]+uint64(i))
				}
				var last uint64
				var err error
				if w%2 == 0 {
					last, err = l.AppendBatch(1, crashRecord, batch[:k*crashRecord])
				} else if last, err = l.AppendBatchAsync(1, crashRecord, batch[:k*crashRecord]); err == nil {
					err = l.WaitDurable(last)
				}
				if err != nil {
					fmt.Fprintln(os.Stderr, "child: append:", err)
					os.Exit(2)
				}
				out.Lock()
				fmt.Fprintf(os.Stdout, "ack %d %d %d %d\n", w, next[w], k, last-uint64(k)+1)
				out.Unlock()
				next[w] += uint64(k)
			}
		}()
	}
	wg.Wait()
	l.Close()
	return 0
}

// crashAck is one acknowledged record.
type crashAck struct {
	w uint32
	c uint64
}

// TestCrashKill runs a child process that appends from four goroutines and reports what was
// acknowledged, kills it with SIGKILL at a random moment (after a random number of
// acknowledgements, from none to hundreds), recovers, and checks: every acknowledged record is
// present at its sequence; the log is a gap-free sequence from 1; each writer's records appear
// in order without gaps; every record is byte for byte one a writer wrote; recovering again
// gives the same log and finds nothing to repair. The next child appends after the repaired
// tail, so the next round also checks that those appends survive.
func TestCrashKill(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	acked := map[uint64]crashAck{}
	var torn int
	start := time.Now()
	for round := 0; round < *walKills; round++ {
		killAfter := rng.IntN(400)
		n := runCrashChild(t, dir, killAfter, acked)

		l, err := Open(Config{Dir: dir, SegmentSize: crashSegment, BufferSize: crashBuffer})
		require.NoError(t, err, "round %d: recovery", round)
		if l.Recovery().Torn != nil {
			torn++
		}
		recs := readAll(t, l, 1)
		checkCrashLog(t, round, recs, acked)
		require.NoError(t, l.Close())

		rep, err := Inspect(nil, dir)
		require.NoError(t, err, "round %d: inspect after recovery", round)
		require.Nil(t, rep.Torn, "round %d: a second recovery has nothing to repair", round)
		l, err = Open(Config{Dir: dir, SegmentSize: crashSegment, BufferSize: crashBuffer})
		require.NoError(t, err, "round %d: second recovery", round)
		again := readAll(t, l, 1)
		require.NoError(t, l.Close())
		require.Equal(t, len(recs), len(again), "round %d: recovering twice gives the same log", round)
		for i := range recs {
			require.Equal(t, recs[i].Payload, again[i].Payload)
		}
		if round < 3 || round == *walKills-1 {
			t.Logf("round %d: killed after %d acks (%d read), log holds %d records", round, killAfter, n, len(recs))
		}
	}
	t.Logf("%d kills in %v; %d recoveries repaired a torn tail; %d acknowledged records checked",
		*walKills, time.Since(start).Round(time.Millisecond), torn, len(acked))
}

// runCrashChild starts a child on dir, SIGKILLs it once it has printed killAfter
// acknowledgements, and records every acknowledgement it printed. It returns how many lines it
// read.
func runCrashChild(t *testing.T, dir string, killAfter int, acked map[uint64]crashAck) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	killed := false
	kill := func() {
		if !killed {
			killed = true
			cmd.Process.Signal(syscall.SIGKILL)
		}
	}
	if killAfter == 0 {
		kill()
	}
	sc := bufio.NewScanner(stdout)
	n := 0
	for sc.Scan() {
		var w uint32
		var c, k, seq uint64
		_, err := fmt.Sscanf(sc.Text(), "ack %d %d %d %d", &w, &c, &k, &seq)
		require.NoError(t, err, "child said %q", sc.Text())
		for i := range k {
			acked[seq+i] = crashAck{w: w, c: c + i}
		}
		n++
		if n >= killAfter {
			kill()
		}
	}
	kill()
	err = cmd.Wait()
	var ee *exec.ExitError
	require.True(t, errors.As(err, &ee), "child exited with %v; stderr:\n%s", err, stderr.String())
	ws, ok := ee.Sys().(syscall.WaitStatus)
	require.True(t, ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL,
		"child ended by %v, not by our SIGKILL; stderr:\n%s", err, stderr.String())
	return n
}

func checkCrashLog(t *testing.T, round int, recs []Record, acked map[uint64]crashAck) {
	t.Helper()
	next := make([]uint64, crashWriters)
	want := make([]byte, crashRecord)
	for i, r := range recs {
		require.Equal(t, uint64(i+1), r.Seq, "round %d: gap-free from 1", round)
		require.Len(t, r.Payload, crashRecord)
		w := binary.LittleEndian.Uint32(r.Payload)
		require.Less(t, w, uint32(crashWriters), "round %d: seq %d: invented writer", round, r.Seq)
		c := binary.LittleEndian.Uint64(r.Payload[4:])
		crashPayload(want, w, c)
		require.Equal(t, want, r.Payload, "round %d: seq %d: invented bytes", round, r.Seq)
		require.Equal(t, next[w], c, "round %d: seq %d: writer %d's records in order, none missing", round, r.Seq, w)
		next[w]++
	}
	for seq, a := range acked {
		require.LessOrEqual(t, seq, uint64(len(recs)), "round %d: acknowledged seq %d lost (log has %d)", round, seq, len(recs))
		r := recs[seq-1]
		require.Equal(t, a.w, binary.LittleEndian.Uint32(r.Payload), "round %d: acknowledged seq %d", round, seq)
		require.Equal(t, a.c, binary.LittleEndian.Uint64(r.Payload[4:]), "round %d: acknowledged seq %d", round, seq)
	}
}
