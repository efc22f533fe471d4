package wal

import "errors"

// Sentinel errors. Errors returned by this package wrap one of these with %w and add the segment,
// offset or operation; branch with errors.Is.
var (
	// ErrCorrupt reports bytes that cannot be what the log wrote: a bad checksum, a sequence gap
	// or a zeroed region inside data that a later frame records as durable. Recovery never drops
	// such data silently; the wrapping error names the segment file and the byte offset.
	ErrCorrupt = errors.New("wal: corrupt log")

	// ErrFailed reports that the log hit an I/O error (a failed write, fdatasync or segment
	// creation). The log is poisoned: pending acknowledgements fail, later appends fail, and
	// nothing is retried, because after a failed fdatasync the kernel may already have dropped
	// the dirty pages (fsyncgate). Reopen the directory to recover what was durable.
	ErrFailed = errors.New("wal: log failed")

	// ErrNoSpace reports that the file system is full. It is returned together with ErrFailed
	// (and the underlying ENOSPC) when the log cannot preallocate the segment it needs next.
	ErrNoSpace = errors.New("wal: no space left for the log")

	// ErrClosed reports an operation on a closed log.
	ErrClosed = errors.New("wal: log closed")

	// ErrTooLarge reports a record, or a batch's record size, that does not fit in one frame.
	ErrTooLarge = errors.New("wal: record too large")

	// ErrNotRetained reports a read from a sequence that checkpoints have already deleted.
	ErrNotRetained = errors.New("wal: sequence no longer retained")
)
