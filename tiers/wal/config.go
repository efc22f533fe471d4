package wal

import (
	"errors"
	"fmt"
	"time"
)

// SyncPolicy says when the flusher calls fdatasync.
type SyncPolicy uint8

const (
	// SyncEveryBatch syncs after every write the flusher makes: each group of appends that
	// accumulated while the previous sync ran is made durable by one fdatasync. Append returns
	// once its record is durable. The default, and the policy for reliable routes.
	SyncEveryBatch SyncPolicy = iota

	// SyncInterval writes every batch at once but syncs at most once per Config.SyncInterval
	// (and at least once per interval while anything is unsynced). Append returns once its
	// record is durable, so it waits up to one interval longer than under SyncEveryBatch.
	SyncInterval

	// SyncNone never syncs on the append path: only segment rotation, Sync, WaitDurable and
	// Close sync. It is explicitly non-durable: a machine crash loses whatever the page cache
	// held. Append returns as soon as the record is buffered.
	SyncNone
)

// String returns the policy's name as used in configuration and reports.
func (p SyncPolicy) String() string {
	switch p {
	case SyncEveryBatch:
		return "every-batch"
	case SyncInterval:
		return "interval"
	case SyncNone:
		return "none"
	}
	return fmt.Sprintf("SyncPolicy(%d)", uint8(p))
}

// Defaults used by Config.withDefaults for zero fields.
const (
	DefaultSegmentSize  = 64 << 20
	DefaultBufferSize   = 4 << 20
	DefaultSyncInterval = time.Millisecond

	// minSegmentSize keeps a segment able to hold a header and a small record.
	minSegmentSize = 4 << 10
)

// Config configures a Log. The zero value of every field except Dir selects a default.
type Config struct {
	// Dir is the directory that holds the segments and checkpoints. Open creates it.
	Dir string

	// FS is the file system; nil selects the operating system's (OSFS). Tests pass a MemFS.
	FS FS

	// SegmentSize is the size in bytes of each preallocated segment file (default 64 MiB).
	// A frame never spans two segments.
	SegmentSize int64

	// BufferSize bounds the bytes of appended frames waiting for the flusher (default 4 MiB).
	// The log holds two such buffers; appends block while both are full. It also bounds the
	// size of one frame.
	BufferSize int

	// Sync is the sync policy (default SyncEveryBatch).
	Sync SyncPolicy

	// SyncInterval is the interval for SyncInterval (default 1 ms); ignored otherwise.
	SyncInterval time.Duration

	// OnDurable, if set, is called by the flusher goroutine each time the durable sequence
	// advances, with the new value. It must return quickly and must not call the Log's
	// blocking methods; it is the hook for waking a worker without a goroutine per append.
	OnDurable func(durable uint64)
}

// Validate reports whether the configuration can be used. Zero fields are valid (defaults).
func (c Config) Validate() error {
	var errs []error
	if c.Dir == "" {
		errs = append(errs, errors.New("wal: config: Dir is empty"))
	}
	if c.SegmentSize != 0 && c.SegmentSize < minSegmentSize {
		errs = append(errs, fmt.Errorf("wal: config: SegmentSize %d is below %d", c.SegmentSize, minSegmentSize))
	}
	if c.SegmentSize > 1<<40 {
		errs = append(errs, fmt.Errorf("wal: config: SegmentSize %d is above 1 TiB", c.SegmentSize))
	}
	if c.BufferSize < 0 || (c.BufferSize > 0 && c.BufferSize < headerSize+1) {
		errs = append(errs, fmt.Errorf("wal: config: BufferSize %d is too small", c.BufferSize))
	}
	if c.Sync > SyncNone {
		errs = append(errs, fmt.Errorf("wal: config: unknown sync policy %d", uint8(c.Sync)))
	}
	if c.SyncInterval < 0 {
		errs = append(errs, fmt.Errorf("wal: config: SyncInterval %v is negative", c.SyncInterval))
	}
	return errors.Join(errs...)
}

// withDefaults returns c with zero fields replaced by defaults.
func (c Config) withDefaults() Config {
	if c.FS == nil {
		c.FS = OSFS{}
	}
	if c.SegmentSize == 0 {
		c.SegmentSize = DefaultSegmentSize
	}
	if c.BufferSize == 0 {
		c.BufferSize = DefaultBufferSize
	}
	if c.SyncInterval == 0 {
		c.SyncInterval = DefaultSyncInterval
	}
	return c
}

// maxFrameBody is the largest frame body the configuration allows: a frame must fit in one
// buffer and in one segment.
func (c Config) maxFrameBody() int {
	m := int64(c.BufferSize)
	if c.SegmentSize < m {
		m = c.SegmentSize
	}
	return int(m) - headerSize
}
