package wal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// benchEvent is the size of one event, as the engine's fixed-size events are.
const benchEvent = 128

// BenchmarkWALAppend compares a durable append through the log in steady state with the raw
// floor, at batches of 1, 64 and 512 events of 128 bytes. ns/op is per batch for both; events/s
// is reported too.
//
//   - hotpath: one AppendBatch per op, SyncEveryBatch, returning once the batch is durable
//     (group commit with one writer: one fdatasync per op, as raw). A consumer goroutine
//     checkpoints what is durable every half segment, so segments are recycled as in a
//     reliable route's spill log whose replay keeps up; all runs share one log directory.
//   - raw: a loop of pwrite + fdatasync of the same bytes at the same batch size, into a file
//     zero-filled once, wrapping at the segment size: the cheapest durable write this file
//     system offers (no block allocation, no metadata to commit).
//
// Both keep their files across runs (see benchDir), so both are measured in steady state.
//
// BenchmarkWALGrow measures the other regime, a log that only grows.
func BenchmarkWALAppend(b *testing.B) {
	for _, batch := range []int{1, 64, 512} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			b.Run("hotpath", func(b *testing.B) { benchHotpath(b, batch) })
			b.Run("raw", func(b *testing.B) { benchRaw(b, batch) })
		})
	}
}

func benchBatch(batch int) []byte {
	p := make([]byte, batch*benchEvent)
	for i := range batch {
		fillRecord(p[i*benchEvent:(i+1)*benchEvent], uint64(i))
	}
	return p
}

// benchDirs are directories that outlive one run of a benchmark function, so that every run of
// a sub-benchmark (the calibration runs, and each of -count) finds the log or the raw file
// as the previous one left it: in steady state, with no segment to zero-fill and nothing
// deleted between runs (deleting hundreds of MiB makes the file system discard them, which
// would slow whichever benchmark runs next). TestMain removes the root.
var benchDirs struct {
	sync.Mutex
	root string
	made map[string]bool
}

// benchDir returns the persistent directory called name and whether it was just created.
func benchDir(b *testing.B, name string) (string, bool) {
	benchDirs.Lock()
	defer benchDirs.Unlock()
	if benchDirs.root == "" {
		root, err := os.MkdirTemp("", "wal-bench-")
		if err != nil {
			b.Fatal(err)
		}
		benchDirs.root, benchDirs.made = root, map[string]bool{}
	}
	dir := filepath.Join(benchDirs.root, name)
	if benchDirs.made[dir] {
		return dir, false
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	benchDirs.made[dir] = true
	return dir, true
}

// removeBenchDirs removes what benchDir made.
func removeBenchDirs() {
	benchDirs.Lock()
	defer benchDirs.Unlock()
	if benchDirs.root != "" {
		os.RemoveAll(benchDirs.root)
	}
}

func benchHotpath(b *testing.B, batch int) {
	dir, _ := benchDir(b, fmt.Sprintf("hotpath-%d", batch))
	// The consumer: a goroutine woken by OnDurable once half a segment more is durable,
	// that checkpoints it, as a spill log's replayer would once it has delivered the records.
	wake := make(chan struct{}, 1)
	every := uint64(DefaultSegmentSize / 2 / (benchEvent + headerSize/batch))
	var signalled atomic.Uint64
	cfg := Config{Dir: dir, OnDurable: func(seq uint64) {
		if seq-signalled.Load() < every {
			return
		}
		signalled.Store(seq)
		select {
		case wake <- struct{}{}:
		default:
		}
	}}
	l, err := Open(cfg)
	if err != nil {
		b.Fatal(err)
	}
	signalled.Store(l.Durable())
	quit := make(chan struct{})
	consumerDone := make(chan error, 1)
	go func() {
		consumerDone <- benchConsumer(l, wake, quit, every)
	}()
	l.waitSpare()
	p := benchBatch(batch)
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	runtime.GC() // recovery read whole segments: collect that garbage before the clock starts
	b.ResetTimer()
	for range b.N {
		if _, err := l.AppendBatch(1, benchEvent, p); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "events/s")
	close(quit)
	if err := <-consumerDone; err != nil {
		b.Fatal(err)
	}
	if err := l.Close(); err != nil {
		b.Fatal(err)
	}
}

// benchConsumer checkpoints the durable sequence whenever it has advanced by every records.
func benchConsumer(l *Log, wake, quit <-chan struct{}, every uint64) error {
	done := l.Durable()
	for {
		select {
		case <-wake:
		case <-quit:
			return nil
		}
		if d := l.Durable(); d-done >= every {
			if err := l.Checkpoint("bench", d); err != nil {
				return err
			}
			done = d
		}
	}
}

func benchRaw(b *testing.B, batch int) {
	dir, fresh := benchDir(b, fmt.Sprintf("raw-%d", batch))
	f, err := os.OpenFile(filepath.Join(dir, "raw"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	const size = DefaultSegmentSize
	if fresh {
		zeros := make([]byte, zeroChunk)
		for off := int64(0); off < size; off += zeroChunk {
			if _, err := f.WriteAt(zeros, off); err != nil {
				b.Fatal(err)
			}
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
	}
	fd := int(f.Fd())
	p := benchBatch(batch)
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	runtime.GC() // as for hotpath
	b.ResetTimer()
	var off int64
	for range b.N {
		if off+int64(len(p)) > size {
			off = 0
		}
		if _, err := unix.Pwrite(fd, p, off); err != nil {
			b.Fatal(err)
		}
		if err := unix.Fdatasync(fd); err != nil {
			b.Fatal(err)
		}
		off += int64(len(p))
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkWALAckLatency appends 128-byte events at a fixed 100k events/s (b.N events) and
// reports the percentiles of append-to-durable latency next to one fdatasync measured in the
// same run. ns/op is the pacing interval, 10 µs, by construction.
func BenchmarkWALAckLatency(b *testing.B) {
	b.ReportAllocs()
	a, err := MeasureAckLatency(b.TempDir(), 100_000, time.Duration(b.N)*10*time.Microsecond)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(a.P50.Microseconds()), "p50-µs")
	b.ReportMetric(float64(a.P99.Microseconds()), "p99-µs")
	b.ReportMetric(float64(a.Fdatasync.Microseconds()), "fdatasync-µs")
	b.ReportMetric(float64(a.P50)/float64(a.Fdatasync), "p50/fdatasync")
	b.ReportMetric(float64(a.Events)/float64(max(a.Syncs, 1)), "events/sync")
}

// BenchmarkWALGrow is BenchmarkWALAppend at batch 512 for a log that only grows: no consumer,
// so every segment is a new one zero-filled in the background while the log writes. Its raw
// counterpart appends to a new file (each fdatasync then also commits the file's growth).
func BenchmarkWALGrow(b *testing.B) {
	const batch = 512
	b.Run(fmt.Sprintf("batch=%d/hotpath", batch), func(b *testing.B) {
		l, err := Open(Config{Dir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		l.waitSpare()
		p := benchBatch(batch)
		b.SetBytes(int64(len(p)))
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if _, err := l.AppendBatch(1, benchEvent, p); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "events/s")
		if err := l.Close(); err != nil {
			b.Fatal(err)
		}
	})
	b.Run(fmt.Sprintf("batch=%d/raw", batch), func(b *testing.B) {
		f, err := os.Create(filepath.Join(b.TempDir(), "raw"))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		fd := int(f.Fd())
		p := benchBatch(batch)
		b.SetBytes(int64(len(p)))
		b.ReportAllocs()
		b.ResetTimer()
		var off int64
		for range b.N {
			if _, err := unix.Pwrite(fd, p, off); err != nil {
				b.Fatal(err)
			}
			if err := unix.Fdatasync(fd); err != nil {
				b.Fatal(err)
			}
			off += int64(len(p))
		}
		b.StopTimer()
		b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "events/s")
	})
}

// BenchmarkWALGroupCommit has many goroutines append one event each with the blocking Append:
// group commit makes them share fdatasyncs. ns/op is per event.
func BenchmarkWALGroupCommit(b *testing.B) {
	for _, writers := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			l, err := Open(Config{Dir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			l.waitSpare()
			b.ReportAllocs()
			b.SetParallelism(max(1, writers/runtime.GOMAXPROCS(0)))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				p := benchBatch(1)
				for pb.Next() {
					if _, err := l.Append(1, p); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			if err := l.Close(); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkWALPolicy streams batches of 64 events with AppendBatchAsync from one goroutine under
// each sync policy, waiting for durability every 256 batches (under none, that wait is what
// syncs). ns/op is per batch; events/sync shows how many events each fdatasync covered.
func BenchmarkWALPolicy(b *testing.B) {
	for _, p := range []SyncPolicy{SyncEveryBatch, SyncInterval, SyncNone} {
		b.Run("policy="+p.String(), func(b *testing.B) {
			var syncs int
			l, err := Open(Config{Dir: b.TempDir(), Sync: p, OnDurable: func(uint64) { syncs++ }})
			if err != nil {
				b.Fatal(err)
			}
			l.waitSpare()
			batch := benchBatch(64)
			b.SetBytes(int64(len(batch)))
			b.ReportAllocs()
			b.ResetTimer()
			var last uint64
			for i := range b.N {
				if last, err = l.AppendBatchAsync(1, benchEvent, batch); err != nil {
					b.Fatal(err)
				}
				if i%256 == 255 || i == b.N-1 {
					if err := l.WaitDurable(last); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.StopTimer()
			if err := l.Close(); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N*64)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(b.N*64)/float64(max(syncs, 1)), "events/sync")
		})
	}
}

// discardFS is a file system whose files hold nothing: writes and syncs succeed at once. It
// lets BenchmarkWALCPU measure the log's own work.
type discardFS struct{ *MemFS }

type discardFile struct{}

func (d discardFS) Create(name string) (File, error) {
	if _, err := d.MemFS.Create(name); err != nil {
		return nil, err
	}
	return discardFile{}, nil
}
func (d discardFS) Open(string) (File, error)              { return discardFile{}, nil }
func (discardFile) ReadAt(p []byte, _ int64) (int, error)  { clear(p); return len(p), nil }
func (discardFile) WriteAt(p []byte, _ int64) (int, error) { return len(p), nil }
func (discardFile) Sync() error                            { return nil }
func (discardFile) Size() (int64, error)                   { return DefaultSegmentSize, nil }
func (discardFile) Close() error                           { return nil }

// BenchmarkWALCPU is BenchmarkWALAppend's hotpath side on a file system that discards
// everything: what remains is the log's own cost per batch (checksum, copy, lock, the pass).
func BenchmarkWALCPU(b *testing.B) {
	for _, batch := range []int{1, 64, 512} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			l, err := Open(Config{Dir: "/wal", FS: discardFS{NewMemFS()}})
			if err != nil {
				b.Fatal(err)
			}
			l.waitSpare()
			p := benchBatch(batch)
			b.SetBytes(int64(len(p)))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := l.AppendBatch(1, benchEvent, p); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if err := l.Close(); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkWALZeroFillInterference measures one 64 KiB pwrite + fdatasync into a zero-filled file
// while another goroutine zero-fills 64 MiB files back to back (each synced, then removed), and
// without it: the cost that segment reuse avoids. ns/op is per fdatasync.
func BenchmarkWALZeroFillInterference(b *testing.B) {
	for _, busy := range []bool{false, true} {
		name := "quiet"
		if busy {
			name = "zero-filling"
		}
		b.Run(name, func(b *testing.B) {
			dir := b.TempDir()
			f, err := os.Create(filepath.Join(dir, "data"))
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			const size = 16 << 20
			if _, err := f.WriteAt(make([]byte, size), 0); err != nil {
				b.Fatal(err)
			}
			if err := f.Sync(); err != nil {
				b.Fatal(err)
			}
			stop := make(chan struct{})
			done := make(chan error, 1)
			go func() {
				if !busy {
					done <- nil
					return
				}
				zeros := make([]byte, zeroChunk)
				for i := 0; ; i++ {
					select {
					case <-stop:
						done <- nil
						return
					default:
					}
					zf, err := createSegment(OSFS{}, dir, uint64(i+1), DefaultSegmentSize, zeros, stop)
					if errors.Is(err, errStopped) {
						done <- nil
						return
					}
					if err != nil {
						done <- err
						return
					}
					zf.Close()
					os.Remove(filepath.Join(dir, segmentName(uint64(i+1))))
				}
			}()
			p := benchBatch(512)
			fd := int(f.Fd())
			b.ResetTimer()
			var off int64
			for range b.N {
				if off+int64(len(p)) > size {
					off = 0
				}
				if _, err := unix.Pwrite(fd, p, off); err != nil {
					b.Fatal(err)
				}
				if err := unix.Fdatasync(fd); err != nil {
					b.Fatal(err)
				}
				off += int64(len(p))
			}
			b.StopTimer()
			close(stop)
			if err := <-done; err != nil {
				b.Fatal(err)
			}
		})
	}
}
