package tiers

import (
	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/tiers/wal"
)

// FillSpillLog appends n events (IDs 1..n, of kind k) to the spill log of route under dir, as
// the route would have spilled them, for the replay benchmark.
func FillSpillLog(dir, route string, k events.Kind, n int) error {
	l, err := wal.Open(wal.Config{Dir: SpillDir(dir, route), SegmentSize: DefaultSegmentSize, BufferSize: spillBufferSize})
	if err != nil {
		return err
	}
	const chunk = 4096
	buf := make([]byte, 0, chunk*eventRecordSize)
	var rec [eventRecordSize]byte
	for id := 1; id <= n; id++ {
		ev := events.Raw{Header: events.Header{ID: uint64(id), Kind: k}}
		putEventRecord(&rec, &ev, 0)
		buf = append(buf, rec[:]...)
		if len(buf) == cap(buf) || id == n {
			if _, err := l.AppendBatchAsync(recEvent, eventRecordSize, buf); err != nil {
				l.Close()
				return err
			}
			buf = buf[:0]
		}
	}
	return l.Close()
}
