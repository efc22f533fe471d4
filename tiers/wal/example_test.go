package wal_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/hotpath-go/hotpath/tiers/wal"
)

// A reliable route spills events to the log, and replays them from a sequence later.
func Example() {
	l, err := wal.Open(wal.Config{Dir: "/spill", FS: wal.NewMemFS(), SegmentSize: 64 << 10})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer l.Close()
	for _, e := range []string{"fill 1", "fill 2", "cancel 3"} {
		seq, err := l.Append(1, []byte(e)) // returns once durable
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println("appended", seq)
	}
	r := l.NewReader(2)
	defer r.Close()
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		fmt.Printf("replay %d: %s\n", rec.Seq, rec.Payload)
	}
	// Output:
	// appended 1
	// appended 2
	// appended 3
	// replay 2: fill 2
	// replay 3: cancel 3
}

// A hot worker does not wait for the disk: it appends asynchronously and learns later, from
// Durable (an atomic load) or WaitDurable, that the records survive a crash.
func ExampleLog_AppendAsync() {
	l, _ := wal.Open(wal.Config{Dir: "/wal", FS: wal.NewMemFS(), SegmentSize: 64 << 10})
	defer l.Close()
	var last uint64
	for i := range 100 {
		last, _ = l.AppendAsync(2, []byte{byte(i)})
	}
	if err := l.WaitDurable(last); err != nil {
		fmt.Println(err)
	}
	fmt.Println(last, l.Durable() >= last)
	// Output: 100 true
}

// Fixed-size events go in as one frame per batch.
func ExampleLog_AppendBatch() {
	l, _ := wal.Open(wal.Config{Dir: "/wal", FS: wal.NewMemFS(), SegmentSize: 64 << 10})
	defer l.Close()
	events := make([]byte, 64*128) // 64 events of 128 bytes
	last, err := l.AppendBatch(3, 128, events)
	fmt.Println(last, err)
	// Output: 64 <nil>
}

// Consumers checkpoint what they have finished; segments every consumer has finished are
// deleted (or kept for reuse).
func ExampleLog_Checkpoint() {
	fs := wal.NewMemFS()
	l, _ := wal.Open(wal.Config{Dir: "/wal", FS: fs, SegmentSize: 4096})
	_ = l.Checkpoint("replay", 0) // register before reading
	for i := range 200 {
		_, _ = l.Append(1, make([]byte, 100+i%3))
	}
	_ = l.Checkpoint("replay", 150)
	_, err := l.NewReader(1).Next()
	fmt.Println(errors.Is(err, wal.ErrNotRetained))
	rec, _ := l.NewReader(151).Next()
	fmt.Println(rec.Seq, l.Checkpoints())
	_ = l.Close()
	// Output:
	// true
	// 151 map[replay:150]
}

// Inspect reports a log directory without changing it; Open repairs what Inspect reports as a
// torn tail.
func ExampleInspect() {
	fs := wal.NewMemFS()
	l, _ := wal.Open(wal.Config{Dir: "/wal", FS: fs, SegmentSize: 4096})
	for range 3 {
		_, _ = l.Append(1, []byte("event"))
	}
	_ = l.Close()
	rep, err := wal.Inspect(fs, "/wal")
	fmt.Println(err, rep.First, rep.Last, rep.Next, rep.Segments[0].Records, rep.Torn == nil)
	// Output: <nil> 1 3 4 3 true
}

// MemFS models a machine crash: unsynced writes are lost (or torn, with a random source).
func ExampleMemFS_Crash() {
	fs := wal.NewMemFS()
	l, _ := wal.Open(wal.Config{Dir: "/wal", FS: fs, SegmentSize: 64 << 10, Sync: wal.SyncNone})
	_, _ = l.Append(1, []byte("not synced"))
	crashed := fs.Crash(nil)
	_ = l.Close()
	l, _ = wal.Open(wal.Config{Dir: "/wal", FS: crashed, SegmentSize: 64 << 10})
	fmt.Println(l.Durable())
	_ = l.Close()
	// Output: 0
}

// Validate reports every problem in a configuration.
func ExampleConfig_Validate() {
	err := wal.Config{SegmentSize: 100, Sync: 9}.Validate()
	fmt.Println(err)
	// Output:
	// wal: config: Dir is empty
	// wal: config: SegmentSize 100 is below 4096
	// wal: config: unknown sync policy 9
}

func ExampleSyncPolicy_String() {
	fmt.Println(wal.SyncEveryBatch, wal.SyncInterval, wal.SyncNone)
	// Output: every-batch interval none
}

// MeasureAckLatency measures append-to-durable latency on the real file system (the numbers
// depend on the machine, so this example prints no output to check).
func ExampleMeasureAckLatency() {
	dir, err := os.MkdirTemp("", "wal-ack")
	if err != nil {
		return
	}
	defer os.RemoveAll(dir)
	a, err := wal.MeasureAckLatency(dir, 10_000, 50*time.Millisecond)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.Events, a.P50 > 0)
}
