package metrics

import hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

// tally is one histogram with the exact figures a histogram cannot give: the
// sum and the largest value recorded, and how many values were clamped.
//
// A tally has a single owner at a time: the writer while it is a Recorder's
// active interval, otherwise the reader holding the Recorder's (or the
// Registry's) mutex. It is never accessed concurrently; the flip protocol in
// recorder.go hands it over.
type tally struct {
	h       *hdrhistogram.Histogram
	sum     int64 // exact sum of the recorded (clamped) values, ns
	max     int64 // exact largest recorded (clamped) value
	clamped int64 // values that were out of range and clamped
}

// newTally allocates an empty tally for the (defaulted, valid) config c.
func newTally(c HistogramConfig) *tally {
	return &tally{h: hdrhistogram.New(1, c.HighestNs, c.Digits)}
}

// add merges o into t. Both have the same geometry, so nothing is dropped.
func (t *tally) add(o *tally) {
	if o.h.TotalCount() == 0 && o.clamped == 0 {
		return
	}
	t.h.Merge(o.h)
	t.sum += o.sum
	t.clamped += o.clamped
	if o.max > t.max {
		t.max = o.max
	}
}

// reset empties t. An empty tally is left alone (Reset clears the whole
// counts array).
func (t *tally) reset() {
	if t.h.TotalCount() != 0 {
		t.h.Reset()
	}
	t.sum, t.max, t.clamped = 0, 0, 0
}

// count is the number of values recorded.
func (t *tally) count() int64 { return t.h.TotalCount() }
