package tiers

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/hotpath-go/hotpath/events"
)

// Record types in a reliable route's logs (the wal record type byte).
const (
	// recEvent is an event for the route's worker to deliver in log order: spilled by a
	// publisher (lane full, write-ahead) or by the worker (a backlog, the circuit open).
	recEvent byte = 1
	// recRetry is an event that failed and waits in the worker's retry queue: the live worker
	// skips it (the queue holds it), a restart delivers it like a recEvent.
	recRetry byte = 2
	// recDead is a dead letter, in the dead-letter log.
	recDead byte = 3
	// recFront is an event the worker held in memory, ahead of the log, when the tier closed
	// (the lane's leftovers behind an open circuit): the next start delivers it first.
	recFront byte = 4
)

// eventRecordSize is the size of a spill record:
//
//	 0                                       56           60           64
//	+---------------------------------------+------------+------------+
//	| event (events.Raw, little-endian)      | attempts   | reserved 0 |
//	+---------------------------------------+------------+------------+
//
//	event    ID u64 | TS i64 | Kind u16 | Source u16 | Flags u32 | Payload [32]byte
//	attempts deliveries tried before the record was written (0: none yet)
const eventRecordSize = 64

// putEvent encodes ev into b[0:56].
func putEvent(b []byte, ev *events.Raw) {
	_ = b[events.MaxSize-1]
	binary.LittleEndian.PutUint64(b[0:], ev.ID)
	binary.LittleEndian.PutUint64(b[8:], uint64(ev.TS))
	binary.LittleEndian.PutUint16(b[16:], uint16(ev.Kind))
	binary.LittleEndian.PutUint16(b[18:], uint16(ev.Source))
	binary.LittleEndian.PutUint32(b[20:], ev.Flags)
	copy(b[events.HeaderSize:events.MaxSize], ev.Payload[:])
}

// getEvent decodes b[0:56] into ev.
func getEvent(b []byte, ev *events.Raw) {
	_ = b[events.MaxSize-1]
	ev.ID = binary.LittleEndian.Uint64(b[0:])
	ev.TS = int64(binary.LittleEndian.Uint64(b[8:]))
	ev.Kind = events.Kind(binary.LittleEndian.Uint16(b[16:]))
	ev.Source = events.Source(binary.LittleEndian.Uint16(b[18:]))
	ev.Flags = binary.LittleEndian.Uint32(b[20:])
	copy(ev.Payload[:], b[events.HeaderSize:events.MaxSize])
}

// putEventRecord encodes a spill record into b (eventRecordSize bytes).
func putEventRecord(b *[eventRecordSize]byte, ev *events.Raw, attempts uint32) {
	putEvent(b[:], ev)
	binary.LittleEndian.PutUint32(b[56:], attempts)
	binary.LittleEndian.PutUint32(b[60:], 0)
}

// getEventRecord decodes a spill record.
func getEventRecord(b []byte, ev *events.Raw) (attempts uint32, err error) {
	if len(b) != eventRecordSize {
		return 0, fmt.Errorf("%w: event record of %d bytes, want %d", ErrRecord, len(b), eventRecordSize)
	}
	getEvent(b, ev)
	return binary.LittleEndian.Uint32(b[56:]), nil
}

// A dead-letter record:
//
//	 0                       56         60      61      62        64           72
//	+-----------------------+----------+-------+-------+---------+------------+
//	| event (as above)      | attempts | reason| 0     | nroute  | time (ns)  |
//	+-----------------------+----------+-------+-------+---------+------------+
//	| route name (nroute bytes) | nerr u16 | last error (nerr bytes)           |
//	+---------------------------+----------+-----------------------------------+
//
//	time     wall-clock Unix nanoseconds when the event was dead-lettered
//	nroute   u16; nerr u16: the error text is cut at maxErrorText bytes
const (
	deadHeaderSize = 72
	maxErrorText   = 1024
	maxRouteName   = 1024
)

// appendDeadRecord appends the encoding of d to b and returns it.
func appendDeadRecord(b []byte, d *DeadLetter) []byte {
	route, lastErr := d.Route, d.LastError
	if len(route) > maxRouteName {
		route = route[:maxRouteName]
	}
	if len(lastErr) > maxErrorText {
		lastErr = lastErr[:maxErrorText]
	}
	n := len(b)
	b = append(b, make([]byte, deadHeaderSize)...)
	h := b[n:]
	putEvent(h, &d.Event)
	binary.LittleEndian.PutUint32(h[56:], uint32(d.Attempts))
	h[60] = byte(d.Reason)
	binary.LittleEndian.PutUint16(h[62:], uint16(len(route)))
	binary.LittleEndian.PutUint64(h[64:], uint64(d.Time.UnixNano()))
	b = append(b, route...)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(lastErr)))
	return append(b, lastErr...)
}

// getDeadRecord decodes a dead-letter record.
func getDeadRecord(b []byte) (DeadLetter, error) {
	var d DeadLetter
	if len(b) < deadHeaderSize+2 {
		return d, fmt.Errorf("%w: dead letter of %d bytes", ErrRecord, len(b))
	}
	getEvent(b, &d.Event)
	d.Attempts = int(binary.LittleEndian.Uint32(b[56:]))
	d.Reason = Reason(b[60])
	nr := int(binary.LittleEndian.Uint16(b[62:]))
	d.Time = time.Unix(0, int64(binary.LittleEndian.Uint64(b[64:])))
	rest := b[deadHeaderSize:]
	if nr > maxRouteName {
		return d, fmt.Errorf("%w: dead letter route name of %d bytes", ErrRecord, nr)
	}
	if len(rest) < nr+2 {
		return d, fmt.Errorf("%w: dead letter route name of %d bytes overruns the record", ErrRecord, nr)
	}
	d.Route = string(rest[:nr])
	rest = rest[nr:]
	ne := int(binary.LittleEndian.Uint16(rest))
	rest = rest[2:]
	if len(rest) != ne || ne > maxErrorText {
		return d, fmt.Errorf("%w: dead letter error text of %d bytes, record has %d", ErrRecord, ne, len(rest))
	}
	d.LastError = string(rest)
	return d, nil
}
