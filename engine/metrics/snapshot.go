package metrics

// Snapshot summarises a set of latencies, in nanoseconds. Quantiles are the
// HDR histogram's (the highest value equivalent to the one at that rank,
// within the configured precision), capped at the exact maximum. An empty
// set is all zeros.
type Snapshot struct {
	Count int64 `json:"count"`  // values recorded
	P50   int64 `json:"p50"`    // median
	P90   int64 `json:"p90"`    // 90th percentile
	P99   int64 `json:"p99"`    // 99th percentile
	P999  int64 `json:"p99_9"`  // 99.9th percentile
	P9999 int64 `json:"p99_99"` // 99.99th percentile
	Max   int64 `json:"max"`    // exact largest value recorded (after clamping)
	// Clamped is how many of Count were out of the histogram's range and
	// recorded at its nearest bound.
	Clamped int64 `json:"clamped,omitempty"`
}

// snapshot summarises t.
func (t *tally) snapshot() Snapshot {
	s := Snapshot{Count: t.count(), Max: t.max, Clamped: t.clamped}
	if s.Count == 0 {
		return s
	}
	ps := [...]float64{50, 90, 99, 99.9, 99.99} // the fields' percentiles, in order
	q := t.h.ValueAtPercentilesSlice(ps[:])
	for i := range q {
		q[i] = min(q[i], t.max)
	}
	s.P50, s.P90, s.P99, s.P999, s.P9999 = q[0], q[1], q[2], q[3], q[4]
	return s
}
