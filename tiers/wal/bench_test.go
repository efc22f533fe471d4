package wal

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
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
//     checkpoints what is durable every half segment, so segments are recycled as in
//     a reliable route's spill log whose replay keeps up. The timer starts once
//     Open's first spare segment is ready; later spares are recycled inside the timed loop.
//   - raw: a loop of pwrite + fdatasync of the same bytes at the same batch size, into a
//     file zero-filled before the timer starts, wrapping at the segment size: the cheapest
//     durable write this file system offers (no block allocation, no metadata to commit).
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

func benchHotpath(b *testing.B, batch int) {
	// The consumer: a goroutine woken by OnDurable once half a segment more is durable,
	// that checkpoints it, as a spill log's replayer would once it has delivered the records.
	wake := make(chan struct{}, 1)
	every := uint64(DefaultSegmentSize / 2 / (benchEvent + headerSize/batch))
	var signalled uint64
	cfg := Config{Dir: b.TempDir(), OnDurable: func(seq uint64) {
		if seq-signalled < every {
			return
		}
		signalled = seq // the flusher is the only caller
		select {
		case wake <- struct{}{}:
		default:
		}
	}}
	l, err := Open(cfg)
	if err != nil {
		b.Fatal(err)
	}
	quit := make(chan struct{})
	consumerDone := make(chan error, 1)
	go func() {
		consumerDone <- benchConsumer(l, wake, quit, every)
	}()
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
	var done uint64
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
	f, err := os.Create(filepath.Join(b.TempDir(), "raw"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	const size = DefaultSegmentSize
	zeros := make([]byte, zeroChunk)
	for off := int64(0); off < size; off += zeroChunk {
		if _, err := f.WriteAt(zeros, off); err != nil {
			b.Fatal(err)
		}
	}
	if err := f.Sync(); err != nil {
		b.Fatal(err)
	}
	fd := int(f.Fd())
	p := benchBatch(batch)
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
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
