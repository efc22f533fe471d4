package wal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"golang.org/x/sys/unix"
)

// AckLatency is what MeasureAckLatency found: how long an append waits to be durable at a fixed
// offered rate, next to the cost of one fdatasync on the same file system.
type AckLatency struct {
	Rate   int // events per second offered
	Events int // events appended and measured
	Syncs  int // fdatasyncs the log made: Events/Syncs events shared each group commit
	// Append to durable, per event.
	P50, P90, P99, P999, Max time.Duration
	// Fdatasync is the median of one 128-byte pwrite plus fdatasync into a preallocated file in
	// the same directory, measured just before the log ran.
	Fdatasync time.Duration
}

// String formats the result on one line.
func (a AckLatency) String() string {
	return fmt.Sprintf("rate=%d/s events=%d syncs=%d p50=%v p90=%v p99=%v p99.9=%v max=%v fdatasync=%v p50/fdatasync=%.2f",
		a.Rate, a.Events, a.Syncs, a.P50, a.P90, a.P99, a.P999, a.Max, a.Fdatasync,
		float64(a.P50)/float64(max(a.Fdatasync, 1)))
}

// ackEvent is the size of the events MeasureAckLatency appends.
const ackEvent = 128

// MeasureAckLatency appends 128-byte events to a fresh log in dir (under OSFS, SyncEveryBatch,
// default sizes) at the given rate for duration d, each with AppendAsync from one producer
// goroutine that sleeps until the next event is due and then appends every event due (so at
// high rates events arrive in small bursts, at the timer's resolution), and reports the percentiles of the time from each append call to the flusher's report that the
// event is durable, with the median cost of one fdatasync measured in the same directory just
// before. The log's first spare segment is zero-filled before the clock starts. dir must exist;
// the function leaves its files there.
func MeasureAckLatency(dir string, rate int, d time.Duration) (AckLatency, error) {
	if rate <= 0 || d <= 0 {
		return AckLatency{}, errors.New("wal: MeasureAckLatency: rate and duration must be positive")
	}
	out := AckLatency{Rate: rate, Events: max(1, int(int64(rate)*int64(d)/int64(time.Second)))}
	var err error
	if out.Fdatasync, err = medianFdatasync(filepath.Join(dir, "fdatasync.probe"), 200); err != nil {
		return out, err
	}

	type report struct {
		at      time.Time
		durable uint64
	}
	reports := make([]report, 0, out.Events+16)
	l, err := Open(Config{Dir: filepath.Join(dir, "wal"), OnDurable: func(seq uint64) {
		reports = append(reports, report{time.Now(), seq}) // the flusher is the only caller
	}})
	if err != nil {
		return out, err
	}
	l.waitSpare()
	base := l.Last() + 1
	sent := make([]time.Time, out.Events)
	payload := make([]byte, ackEvent)
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	for i := 0; i < len(sent); {
		// Append every event whose time has come, then sleep until the next one's: a producer
		// that spun on the clock would take a core from the flusher on a small machine.
		now := time.Now()
		for ; i < len(sent) && !start.Add(time.Duration(i)*interval).After(now); i++ {
			sent[i] = time.Now()
			if _, err := l.AppendAsync(1, payload); err != nil {
				l.Close()
				return out, err
			}
		}
		if i < len(sent) {
			time.Sleep(time.Until(start.Add(time.Duration(i) * interval)))
		}
	}
	werr := l.WaitDurable(base + uint64(out.Events) - 1)
	if cerr := l.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return out, werr
	}
	// Close wrote and synced its marker after the last report; reports is complete.
	out.Syncs = len(reports)
	lat := make([]time.Duration, len(sent))
	r := 0
	for i, t := range sent {
		for reports[r].durable < base+uint64(i) {
			r++
		}
		lat[i] = reports[r].at.Sub(t)
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	out.P50, out.P90, out.P99, out.P999, out.Max = pct(0.50), pct(0.90), pct(0.99), pct(0.999), lat[len(lat)-1]
	return out, nil
}

// medianFdatasync returns the median time of n pwrite+fdatasync pairs of one event into a
// zero-filled file at path, which it removes.
func medianFdatasync(path string, n int) (time.Duration, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return 0, err
	}
	defer os.Remove(path)
	defer f.Close()
	size := int64(n * ackEvent)
	if _, err := f.WriteAt(make([]byte, size), 0); err != nil {
		return 0, err
	}
	if err := f.Sync(); err != nil {
		return 0, err
	}
	p := make([]byte, ackEvent)
	ts := make([]time.Duration, n)
	for i := range ts {
		t := time.Now()
		if _, err := unix.Pwrite(int(f.Fd()), p, int64(i*ackEvent)); err != nil {
			return 0, err
		}
		if err := unix.Fdatasync(int(f.Fd())); err != nil {
			return 0, err
		}
		ts[i] = time.Since(t)
	}
	slices.Sort(ts)
	return ts[n/2], nil
}
