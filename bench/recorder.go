package bench

import (
	"sort"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram geometry of every latency the harness records: 1 ns to one minute, 3 significant
// digits (a relative error under 0.1%). Larger values are clamped to highestNs and counted.
const (
	highestNs = int64(60e9)
	digits    = 3
)

// slotRecorder is the open loop's recorder for one Sink slot: one HDR histogram per segment of
// the recorded window, written by one goroutine at a time (the slot's), read after the phase.
// Padded so that two slots' hot fields never share a cache line.
type slotRecorder struct {
	_        [64]byte
	from     int64 // intended times before from are the warm-up: counted, not recorded
	segLen   int64 // ns of intended time per segment
	segs     []*hdrhistogram.Histogram
	max      int64 // exact largest recorded latency
	sum      int64 // of recorded latencies, for the mean
	clamped  int64 // latencies out of [0, highestNs]
	received int64 // every delivery, warm-up included
	_        [64]byte
}

// newSlotRecorder returns a recorder with segments empty histograms; call window before the
// first record.
func newSlotRecorder(segments int) *slotRecorder {
	s := &slotRecorder{}
	for range max(segments, 1) {
		s.segs = append(s.segs, hdrhistogram.New(1, highestNs, digits))
	}
	return s
}

// window sets the recorded span of intended times, [from, until), split into the segments.
func (s *slotRecorder) window(from, until int64) {
	n := int64(len(s.segs))
	s.from, s.segLen = from, max(1, (until-from+n-1)/n)
}

// record records the latency of an event intended at intended and delivered at now. No
// allocation.
func (s *slotRecorder) record(intended, now int64) {
	s.received++
	if intended < s.from {
		return
	}
	v := now - intended
	if v < 0 || v > highestNs {
		s.clamped++
		v = min(max(v, 0), highestNs)
	}
	seg := min((intended-s.from)/s.segLen, int64(len(s.segs)-1))
	_ = s.segs[seg].RecordValue(v)
	s.sum += v
	s.max = max(s.max, v)
}

// recordUnsent records an event intended at intended that was never sent, at the lower bound
// of its latency: now, when the producer gave up on it, minus intended. It is not a delivery.
func (s *slotRecorder) recordUnsent(intended, now int64) {
	s.record(intended, now)
	s.received-- // record counted it as delivered
}

// latencyOf merges the slots' segments into one histogram and one per segment, and summarises
// them: the Latency (exact max and mean from the slots) and the spread of p50 and p99 across
// segments.
func latencyOf(slots []*slotRecorder) (*hdrhistogram.Histogram, Latency, Spread) {
	total := hdrhistogram.New(1, highestNs, digits)
	var lat Latency
	var sum int64
	var p50s, p99s []float64
	for seg := range len(slots[0].segs) {
		h := hdrhistogram.New(1, highestNs, digits)
		for _, s := range slots {
			h.Merge(s.segs[seg])
		}
		if h.TotalCount() > 0 {
			p50s = append(p50s, float64(h.ValueAtQuantile(50)))
			p99s = append(p99s, float64(h.ValueAtQuantile(99)))
		}
		total.Merge(h)
	}
	for _, s := range slots {
		sum += s.sum
		lat.Max = max(lat.Max, s.max)
	}
	lat.Count = total.TotalCount()
	if lat.Count > 0 {
		lat.Mean = float64(sum) / float64(lat.Count)
		q := total.ValueAtPercentilesSlice([]float64{50, 90, 99, 99.9, 99.99})
		lat.P50, lat.P90, lat.P99, lat.P999, lat.P9999 = min(q[0], lat.Max), min(q[1], lat.Max), min(q[2], lat.Max), min(q[3], lat.Max), min(q[4], lat.Max)
	}
	return total, lat, Spread{P50: spreadOf(p50s), P99: spreadOf(p99s)}
}

// spreadOf returns (max - min) / median of xs; 0 for fewer than two values or a zero median.
func spreadOf(xs []float64) float64 {
	if len(xs) < 2 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	med := median(s)
	if med == 0 {
		return 0
	}
	return (s[len(s)-1] - s[0]) / med
}

// median of sorted xs (not empty).
func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}
