package bench

import "testing"

// BenchmarkSlotRecord is the open loop's per-event recording (an HDR histogram increment plus
// the exact sum and max): it is inside every measured latency, so it must stay cheap and
// allocation-free.
func BenchmarkSlotRecord(b *testing.B) {
	b.ReportAllocs()
	s := newSlotRecorder(DefaultReps)
	s.window(0, int64(b.N)+1)
	for i := range b.N {
		s.record(int64(i), int64(i)+200+int64(i&1023))
	}
}

// BenchmarkPacerReady is the producer's per-send schedule arithmetic.
func BenchmarkPacerReady(b *testing.B) {
	b.ReportAllocs()
	pc := NewPacer(0, 1e6, 0, 1)
	n := 0
	for i := range b.N {
		n += pc.Ready(int64(i)*1000+500, 1<<62, int64(i), 64)
	}
	if n != b.N {
		b.Fatalf("ready %d of %d", n, b.N)
	}
}
