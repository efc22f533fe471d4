// Package wal is hotpath's write-ahead log: an append-only sequence of typed records in
// preallocated segment files, made durable by group commit, replayed by Readers, and trimmed by
// consumers' checkpoints. The reliable tier spills to it and keeps its dead letters in it; the
// log itself knows only a record's type byte and its opaque payload.
//
// # Guarantees
//
//   - Every record gets a sequence number, 1, 2, 3, ... with no gaps, in the order the appends
//     took the log's lock. Records of one AppendBatch call are consecutive.
//   - Once Append returns nil, WaitDurable(seq) returns nil or Durable() >= seq, the record
//     survives a process crash and a machine crash (as far as the disk honours fdatasync).
//   - After a crash, Open recovers a gap-free prefix of what was appended that contains every
//     record that had been reported durable, and nothing that was not appended. Recovering
//     twice gives the same log, and appends after a repaired tail survive the next recovery.
//   - Damage to data the log had made durable is never dropped silently: Open fails with an
//     error wrapping ErrCorrupt that names the segment file and the byte offset.
//   - An I/O error poisons the log (ErrFailed): pending waits fail, later appends fail, and
//     no write or sync is retried, since after a failed fdatasync the kernel may have thrown
//     the dirty pages away while reporting the next fdatasync as a success ("fsyncgate").
//   - The log never writes through a memory map: a store to a mapped page of a file on a full
//     disk raises SIGBUS. Writes go to segments that were zero-filled when created, so they
//     allocate no blocks and cannot meet ENOSPC on a conventional file system; a full disk is
//     met when the next segment is preallocated, and reported as ErrNoSpace (with ErrFailed)
//     when the log needs that segment. Nothing half-written is ever taken for data: every frame
//     carries a CRC-32C.
//
// # Concurrency
//
// Any goroutine may append. An append encodes its frame into the current buffer under a mutex
// (the body's checksum is computed before taking it) and wakes the flusher; AppendAsync returns
// at once with the sequence, blocking only while both buffers are full. One flusher goroutine
// takes the whole buffer, writes it with one pwrite per segment touched, and issues one
// fdatasync for all of it (group commit, after pebble's LogWriter): whatever accumulated while
// one sync ran is committed by the next. Waiters are woken by a condition variable; Durable is
// an atomic load and Config.OnDurable a callback from the flusher, for callers that must not
// block. A second goroutine preallocates the next segment while the current one fills.
// Appending does not allocate.
//
// # Sync policies
//
//   - SyncEveryBatch (default): fdatasync after every write; Append waits for it.
//   - SyncInterval: write at once, fdatasync at most once per interval; Append waits for it.
//   - SyncNone: no fdatasync on the append path (rotation, Sync, WaitDurable and Close still
//     sync); explicitly non-durable; Append returns when the record is buffered.
//
// # Files
//
// A log directory holds segments named by a 16-hex-digit number (0000000000000001.wal, ...),
// checkpoint files named checkpoint-<consumer>, and transient *.tmp files. A segment is created
// as a temporary file, zero-filled to Config.SegmentSize, fdatasynced, renamed into place, and
// the directory fsynced; checkpoints likewise go through a synced temporary file, a rename and
// a directory fsync; every deletion is followed by a directory fsync.
//
// A segment is a sequence of frames from offset 0, then zeros:
//
//	segment file (SegmentSize bytes, zero-filled when created)
//	+---------+---------+-----+---------+--------------------------------+
//	| frame 1 | frame 2 | ... | frame n | 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 |
//	+---------+---------+-----+---------+--------------------------------+
//
//	frame = 32-byte header + body (all integers little-endian)
//	 0               4               8                              16
//	+---------------+---------------+-------------------------------+
//	| crc (u32)     | segment (u32) | seq (u64)                     |
//	+---------------+---------------+-------------------------------+
//	| durable (u64)                 | length (u32)  |count u16|ty|fl|
//	+-------------------------------+---------------+-------+--+--+
//	16                              24              28      30 31 32
//	| body: count records of length/count bytes each                |
//	+---------------------------------------------------------------+
//
//	crc      CRC-32C (Castagnoli) of the body, continued over header bytes 4..31
//	segment  low 32 bits of the number of the segment the frame was written for, so that a
//	         frame left in a reused file, or copied from another segment, does not validate
//	seq      sequence of the frame's first record; the records are seq .. seq+count-1
//	durable  every record with a sequence <= durable was durable when the frame was built
//	         (always < seq); recovery uses it to tell a torn tail from damage
//	length   body length; count records of equal size (a batch of fixed-size events is one
//	         frame; a variable-size record is a frame of one)
//	count    0 marks a marker frame with no body: Close writes one whose durable field covers
//	         every record, so damage to the last frames is detected after a clean shutdown
//	ty, fl   record type (opaque); flags, 0
//
// A frame never spans segments. The flusher syncs a segment whole before it writes the first
// byte of the next, so at any moment only the last written segment can hold unsynced bytes.
//
// # Recovery
//
// Open reads every segment. In each, the valid prefix is the run of frames from offset 0 whose
// checksums hold and whose sequences continue the previous frame's; it ends at a zero header
// (the clean end) or at the first defect. Then:
//
//  1. A valid frame whose sequence does not continue the log is corruption (records are
//     missing: frames are written in sequence order).
//  2. In a segment before the last written one, any non-zero byte after the prefix is
//     corruption: that segment was synced whole before the next was started.
//  3. In the last written segment, bytes after the prefix are a torn tail - a write the crash
//     interrupted - unless a valid frame among them records, in its durable field, a sequence
//     at or past the prefix's end: then a record that had been durable is missing, and that is
//     corruption. A torn tail is zeroed and synced, and appends resume at the prefix's end.
//  4. A checkpoint past the last record is corruption, and so is a first retained record that
//     no checkpoint accounts for (only checkpoints delete segments).
//
// Corruption fails Open with ErrCorrupt naming the segment and offset. Inspect applies the
// same rules without changing anything. What Open cannot distinguish, by design: damage to the
// frames of the very last sync group of a log that crashed (no later frame vouches for them)
// looks like a torn write, and is truncated like one; those records had been acknowledged at
// most a sync earlier.
//
// # Checkpoints
//
// A consumer (by name) checkpoints the sequence up to which it has finished; segments whose
// records every consumer has finished are deleted, except the one being appended to and those
// after which no record is durable yet. Readers replay from any retained sequence, returning
// only durable records.
package wal
