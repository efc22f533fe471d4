package bench

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/tiers/wal"
)

// WAL scenario constants.
const (
	// WALBatch is the most events the wal-append producer appends at once: the open loop's
	// Shape.Batch, and the closed loop's chunk.
	WALBatch = 512
	// walSegment is the segment size of the log and the size of the raw file: small enough
	// that creating one (zero-filled, synced) in Start takes milliseconds, large enough that
	// rotation is rare (about 74,000 events a segment).
	walSegment = 4 << 20
	// walPending is how many appended but not yet durable events the hotpath target keeps
	// (their IDs and intended times, for the Sink): the producer waits when it is full.
	walPending = 1 << 16
	// walRecordType is the record type the events are appended with.
	walRecordType = 1
)

// WALAppend is the wal-append scenario: events appended to a write-ahead log in a fresh
// temporary directory (removed by Stop), in batches of up to WALBatch, each handed to the Sink
// once it is durable: latency is from the intended send time to the durable acknowledgement.
// hotpath is tiers/wal under SyncEveryBatch, pipelined: the producer appends each batch with
// AppendBatchAsync and goes on; the log's flusher writes whatever has accumulated with one
// pwrite and one fdatasync (group commit) and reports the new durable sequence to OnDurable,
// which hands the events to the Sink on the flusher's goroutine. hotpath-sync is the same log
// appended to with the blocking AppendBatch, which returns once the batch is durable (the
// appending goroutine runs the flush itself when none is running) and then hands the events
// to the Sink: no hand-off to the flusher, no overlap of appends with syncs. Both run a
// checkpointing goroutine that releases segments (every half segment) so that they are
// reused, as a spill log's replayer would. raw, the baseline, is what a program writes by
// hand: pwrite of the batch into a preallocated file of the same size, then fdatasync, on the
// producer's goroutine, then the Sink. Both write the events' 56 bytes each (the log adds a 32-byte frame header per batch).
// The go test form is tiers/wal's BenchmarkWALAppend/batch=512. hotpath's allocations per
// event are reported but not required to be zero (a checkpoint allocates).
func WALAppend() Scenario {
	return Scenario{
		Name:     "wal-append",
		Doc:      "append to a write-ahead log until durable, batches of up to 512",
		Baseline: "raw",
		Impls: []Impl{
			{Name: "hotpath", New: func() (Target, error) { return &walLog{}, nil }},
			{Name: "hotpath-sync", New: func() (Target, error) { return &walLog{blocking: true}, nil }},
			{Name: "raw", New: func() (Target, error) { return &walRaw{}, nil }},
		},
	}
}

// walShape: one producer, and two goroutines the log needs beside it while events flow (its
// flusher and its segment preallocator), which the harness cannot pin but counts, so that it
// pins the producer, which then busy-waits for its next event, only on a machine with CPUs to
// spare for them. raw has the same shape, so that both run under the same conditions.
func walShape() Shape { return Shape{Producers: 1, Consumers: 2, Sinks: 1, Batch: WALBatch} }

// walBytes views events as the bytes appended: 56 bytes each, no copy.
func walBytes(evs []events.Raw) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(evs))), len(evs)*int(unsafe.Sizeof(events.Raw{})))
}

// walStamp is what the hotpath target keeps of an event until it is durable.
type walStamp struct {
	id uint64
	ts int64
}

// walLog is the hotpath implementations: tiers/wal with group commit, appended to
// asynchronously (acknowledged by OnDurable) or, blocking, with AppendBatch.
type walLog struct {
	blocking bool // AppendBatch (hotpath-sync), else AppendBatchAsync and OnDurable (hotpath)

	dir  string
	log  *wal.Log
	sink Sink
	spin bool // Env.Dedicated: wait for room by spinning, else yield

	buf [WALBatch]events.Raw // the producer's batch

	// pending[i & (walPending-1)] is the i-th event appended (0-based): written by the
	// producer before the append that carries it, read by OnDurable after the sync that
	// covers it (the log's mutex orders the two).
	pending  []walStamp
	appended uint64        // events appended, producer only
	base     uint64        // the sequence of event 0
	acked    atomic.Uint64 // events handed to the Sink: written by OnDurable, read by the producer
	out      events.Raw    // OnDurable's event for the Sink

	wake chan struct{} // OnDurable -> checkpointer: half a segment more is durable
	quit chan struct{}
	done sync.WaitGroup
	cerr error // the checkpointer's error, read after done
}

func (t *walLog) Shape() Shape { return walShape() }

func (t *walLog) Start(env Env) error {
	dir, err := os.MkdirTemp("", "hotpath-wal-append-")
	if err != nil {
		return fmt.Errorf("wal-append: %w", err)
	}
	t.dir, t.sink, t.spin = dir, env.Sink, env.Dedicated
	t.pending = make([]walStamp, walPending)
	t.wake, t.quit = make(chan struct{}, 1), make(chan struct{})
	const every = walSegment / 2 / 56 // events in half a segment
	signalled := uint64(0)
	l, err := wal.Open(wal.Config{Dir: filepath.Join(dir, "log"), SegmentSize: walSegment, OnDurable: func(seq uint64) {
		if !t.blocking {
			t.ack(seq)
		}
		if seq-signalled >= every {
			signalled = seq
			select {
			case t.wake <- struct{}{}:
			default:
			}
		}
	}})
	if err != nil {
		_ = os.RemoveAll(dir)
		return fmt.Errorf("wal-append: %w", err)
	}
	t.log, t.base = l, l.Last()+1
	t.done.Add(1)
	go t.checkpoint()
	return nil
}

// ack hands the events up to sequence seq to the Sink: OnDurable's work, on the goroutine that
// ran the sync (calls never overlap).
func (t *walLog) ack(seq uint64) {
	done := t.acked.Load()
	for ; t.base+done <= seq; done++ {
		s := &t.pending[done&(walPending-1)]
		t.out.ID, t.out.TS = s.id, s.ts
		t.sink(0, &t.out)
	}
	t.acked.Store(done)
}

// checkpoint releases the log's segments as they become durable, until quit.
func (t *walLog) checkpoint() {
	defer t.done.Done()
	for {
		select {
		case <-t.wake:
		case <-t.quit:
			return
		}
		if err := t.log.Checkpoint("bench", t.log.Durable()); err != nil {
			t.cerr = err
			return
		}
	}
}

func (t *walLog) Send(_, n int, fill Fill) error {
	if t.blocking {
		return t.sendBlocking(n, fill)
	}
	for i := 0; i < n; {
		k := min(WALBatch, n-i)
		for t.appended+uint64(k)-t.acked.Load() > walPending {
			if !t.spin {
				runtime.Gosched()
			}
		}
		for j := range k {
			e := &t.buf[j]
			fill(i+j, e)
			t.pending[(t.appended+uint64(j))&(walPending-1)] = walStamp{id: e.ID, ts: e.TS}
		}
		if _, err := t.log.AppendBatchAsync(walRecordType, int(unsafe.Sizeof(events.Raw{})), walBytes(t.buf[:k])); err != nil {
			return err
		}
		t.appended += uint64(k)
		i += k
	}
	return nil
}

// sendBlocking appends n events in batches with AppendBatch and hands each batch to the Sink
// once AppendBatch has returned (the batch is durable).
func (t *walLog) sendBlocking(n int, fill Fill) error {
	for i := 0; i < n; {
		k := min(WALBatch, n-i)
		for j := range k {
			fill(i+j, &t.buf[j])
		}
		if _, err := t.log.AppendBatch(walRecordType, int(unsafe.Sizeof(events.Raw{})), walBytes(t.buf[:k])); err != nil {
			return err
		}
		for j := range k {
			t.sink(0, &t.buf[j])
		}
		t.appended += uint64(k)
		t.acked.Store(t.appended)
		i += k
	}
	return nil
}

// Stop stops the checkpointer, closes the log (which syncs what is left and reports it to
// OnDurable before it returns) and removes the directory.
func (t *walLog) Stop() error {
	close(t.quit)
	t.done.Wait()
	err := errors.Join(t.cerr, t.log.Close())
	if a := t.acked.Load(); err == nil && a != t.appended {
		err = fmt.Errorf("wal-append: %d events appended, %d reported durable", t.appended, a)
	}
	return errors.Join(err, os.RemoveAll(t.dir))
}

// walRaw is the baseline: pwrite of the batch, then fdatasync, into a preallocated file.
type walRaw struct {
	dir  string
	f    *os.File
	fd   int
	off  int64
	sink Sink
	buf  [WALBatch]events.Raw
}

func (t *walRaw) Shape() Shape { return walShape() }

func (t *walRaw) Start(env Env) error {
	dir, err := os.MkdirTemp("", "hotpath-wal-append-raw-")
	if err != nil {
		return fmt.Errorf("wal-append: %w", err)
	}
	t.dir, t.sink = dir, env.Sink
	f, err := os.OpenFile(filepath.Join(dir, "raw"), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err == nil {
		// Zero-fill and sync, as the log's segments are: overwriting allocated blocks commits
		// no metadata with each fdatasync.
		if _, err = f.WriteAt(make([]byte, walSegment), 0); err == nil {
			err = f.Sync()
		}
	}
	if err != nil {
		if f != nil {
			_ = f.Close()
		}
		_ = os.RemoveAll(dir)
		return fmt.Errorf("wal-append: %w", err)
	}
	t.f, t.fd = f, int(f.Fd())
	return nil
}

func (t *walRaw) Send(_, n int, fill Fill) error {
	for i := 0; i < n; {
		k := min(WALBatch, n-i)
		for j := range k {
			fill(i+j, &t.buf[j])
		}
		p := walBytes(t.buf[:k])
		if t.off+int64(len(p)) > walSegment {
			t.off = 0
		}
		if _, err := unix.Pwrite(t.fd, p, t.off); err != nil {
			return fmt.Errorf("wal-append: pwrite: %w", err)
		}
		if err := unix.Fdatasync(t.fd); err != nil {
			return fmt.Errorf("wal-append: fdatasync: %w", err)
		}
		t.off += int64(len(p))
		for j := range k {
			t.sink(0, &t.buf[j])
		}
		i += k
	}
	return nil
}

func (t *walRaw) Stop() error {
	return errors.Join(t.f.Close(), os.RemoveAll(t.dir))
}

var (
	_ Target = (*walLog)(nil)
	_ Target = (*walRaw)(nil)
)
