package tiers

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/tiers/wal"
)

// Reason says why an event was dead-lettered.
type Reason uint8

// Reasons for dead-lettering.
const (
	// ReasonExhausted: every attempt failed (RetryConfig.MaxRetries + 1 of them).
	ReasonExhausted Reason = 1
	// ReasonPermanent: the handler's error wrapped ErrPermanent, so it was not retried.
	ReasonPermanent Reason = 2
)

// String returns retries-exhausted or permanent-failure.
func (r Reason) String() string {
	switch r {
	case ReasonExhausted:
		return "retries-exhausted"
	case ReasonPermanent:
		return "permanent-failure"
	}
	return fmt.Sprintf("Reason(%d)", uint8(r))
}

// DeadLetter is an event a reliable route gave up on, as its dead-letter log keeps it.
type DeadLetter struct {
	// Seq is the record's sequence in the dead-letter log.
	Seq uint64 `json:"seq"`
	// Route is the name of the route that dead-lettered it.
	Route string `json:"route"`
	// Event is the event as it was published (with events.FlagReplayed if it had been spilled
	// or retried from the log).
	Event events.Raw `json:"-"`
	// Reason is why the route gave up.
	Reason Reason `json:"-"`
	// Attempts is how many deliveries were tried.
	Attempts int `json:"attempts"`
	// LastError is the text of the last delivery's error (at most 1 KiB).
	LastError string `json:"last_error"`
	// Time is when the event was dead-lettered (wall clock).
	Time time.Time `json:"time"`
}

// Names of the consumers that checkpoint a reliable route's logs.
const (
	// spillConsumer is the route's worker, in its spill log.
	spillConsumer = "route"
	// replayedConsumer marks, in a dead-letter log, the dead letters that were replayed.
	replayedConsumer = "replayed"
)

// Sizes of the logs' buffers: the spill log takes bursts, the dead-letter log a trickle.
const (
	spillBufferSize = 1 << 20
	deadBufferSize  = 64 << 10
)

// ReadDeadLetters returns the dead letters in the dead-letter log in dir that have not been
// replayed, oldest first. fsys nil means the operating system's files. The log must not be open
// in a running process (Open repairs a torn tail, as after a crash); to read the dead letters of
// a running route use ReliableTier.DeadLetters. A missing directory is an error.
func ReadDeadLetters(fsys wal.FS, dir string) ([]DeadLetter, error) {
	l, err := openExisting(fsys, dir, deadBufferSize)
	if err != nil {
		return nil, err
	}
	ds, err := readDead(l)
	if cerr := l.Close(); err == nil {
		err = cerr
	}
	return ds, err
}

// ReplayDeadLetters moves the dead letters of the log in deadDir that have not been replayed into
// the spill log in spillDir, as events to deliver (their attempts start again from zero), makes
// them durable there, and then marks them replayed in the dead-letter log (a checkpoint), so that
// they are neither listed nor replayed again. The route that owns spillDir delivers them, in
// order, when it next starts. It returns how many it moved. Neither log may be open in a running
// process; ReliableTier.Replay does the same for a running route. A crash between the two steps
// replays them twice at worst (at-least-once). fsys nil means the operating system's files.
func ReplayDeadLetters(fsys wal.FS, deadDir, spillDir string) (int, error) {
	dl, err := openExisting(fsys, deadDir, deadBufferSize)
	if err != nil {
		return 0, err
	}
	defer dl.Close()
	sl, err := wal.Open(wal.Config{Dir: spillDir, FS: fsys, BufferSize: spillBufferSize})
	if err != nil {
		return 0, fmt.Errorf("tiers: replay dead letters into %s: %w", spillDir, err)
	}
	n, err := moveDead(dl, sl, nil, nil)
	if cerr := sl.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("tiers: replay dead letters into %s: %w", spillDir, cerr)
	}
	return n, err
}

// openExisting opens the log in dir, which must exist.
func openExisting(fsys wal.FS, dir string, bufSize int) (*wal.Log, error) {
	if fsys == nil {
		fsys = wal.OSFS{}
	}
	if _, err := fsys.List(dir); err != nil {
		return nil, fmt.Errorf("tiers: dead-letter log %s: %w", dir, err)
	}
	l, err := wal.Open(wal.Config{Dir: dir, FS: fsys, BufferSize: bufSize})
	if err != nil {
		return nil, fmt.Errorf("tiers: dead-letter log %s: %w", dir, err)
	}
	return l, nil
}

// readDead reads the dead letters of l past its replayed checkpoint.
func readDead(l *wal.Log) ([]DeadLetter, error) {
	if err := l.Sync(); err != nil {
		return nil, fmt.Errorf("tiers: dead-letter log %s: %w", l.Dir(), err)
	}
	var out []DeadLetter
	err := eachDead(l, func(d DeadLetter) error {
		out = append(out, d)
		return nil
	})
	return out, err
}

// eachDead calls f with every dead letter of l past its replayed checkpoint, up to what is
// durable.
func eachDead(l *wal.Log, f func(DeadLetter) error) error {
	r := l.NewReader(l.Checkpoints()[replayedConsumer] + 1)
	defer r.Close()
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("tiers: dead-letter log %s: %w", l.Dir(), err)
		}
		if rec.Type != recDead {
			return fmt.Errorf("%w: dead-letter log %s: record %d has type %d", ErrRecord, l.Dir(), rec.Seq, rec.Type)
		}
		d, err := getDeadRecord(rec.Payload)
		if err != nil {
			return fmt.Errorf("dead-letter log %s: record %d: %w", l.Dir(), rec.Seq, err)
		}
		d.Seq = rec.Seq
		if err := f(d); err != nil {
			return err
		}
	}
}

// moveDead appends the dead letters of dl past its replayed checkpoint to the spill log sl,
// waits until they are durable, and checkpoints dl. pending, if set, counts each record from
// before its append (the route's backlog); appended, if set, is told each sequence.
func moveDead(dl, sl *wal.Log, pending *atomic.Int64, appended func(seq uint64)) (int, error) {
	if err := dl.Sync(); err != nil {
		return 0, fmt.Errorf("tiers: dead-letter log %s: %w", dl.Dir(), err)
	}
	var rec [eventRecordSize]byte
	var last, lastDead uint64
	n := 0
	err := eachDead(dl, func(d DeadLetter) error {
		putEventRecord(&rec, &d.Event, 0)
		if pending != nil {
			pending.Add(1)
		}
		seq, err := sl.AppendAsync(recEvent, rec[:])
		if err != nil {
			if pending != nil {
				pending.Add(-1)
			}
			return fmt.Errorf("tiers: spill log %s: %w", sl.Dir(), err)
		}
		if appended != nil {
			appended(seq)
		}
		last, lastDead = seq, d.Seq
		n++
		return nil
	})
	if err != nil || n == 0 {
		return 0, err
	}
	if err := sl.WaitDurable(last); err != nil {
		return 0, fmt.Errorf("tiers: spill log %s: %w", sl.Dir(), err)
	}
	if err := dl.Checkpoint(replayedConsumer, lastDead); err != nil {
		return n, fmt.Errorf("tiers: dead-letter log %s: %w", dl.Dir(), err)
	}
	return n, nil
}

// Directory layout of a reliable tier: Dir/<route>/spill and Dir/<route>/dlq, the route's name
// escaped by RouteDir.

// RouteDir returns the directory of route's logs under dir: the route's name with every byte
// outside [A-Za-z0-9._-], and a leading dot, written as %XX (so "feed/Order/1" is
// "feed%2FOrder%2F1"); url.PathUnescape turns it back.
func RouteDir(dir, route string) string {
	var b strings.Builder
	for i := 0; i < len(route); i++ {
		c := route[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.' && i > 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return filepath.Join(dir, b.String())
}

// SpillDir returns the directory of route's spill log under dir.
func SpillDir(dir, route string) string { return filepath.Join(RouteDir(dir, route), "spill") }

// DeadLetterDir returns the directory of route's dead-letter log under dir.
func DeadLetterDir(dir, route string) string { return filepath.Join(RouteDir(dir, route), "dlq") }
