package metrics

import "testing"

// benchRawTSC adds the bare TSC reads: RDTSCP (what the TSC Clock uses),
// LFENCE;RDTSC (its fallback) and a bare RDTSC (unordered, rejected).
func benchRawTSC(b *testing.B) {
	for _, r := range []struct {
		name string
		read func() uint64
	}{
		{"rdtscp", rdtscp},
		{"lfence-rdtsc", rdtscLfence},
		{"rdtsc-unordered", rdtscPlain},
	} {
		b.Run(r.name, func(b *testing.B) {
			b.ReportAllocs()
			var n uint64
			for b.Loop() {
				n += r.read()
			}
			_ = n
		})
	}
}
