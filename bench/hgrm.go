package bench

import (
	"bufio"
	"fmt"
	"io"
	"math"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// HgrmTicks is the number of reporting ticks per half distance to 100% in .hgrm output, the
// HdrHistogram default: 5 lines between 0% and 50%, 5 more to 75%, and so on.
const HgrmTicks = 5

// WriteHgrm writes h in HdrHistogram's percentile-distribution text format (the .hgrm files
// that HdrHistogram's plotFiles.html and other plotters read): a header line, one line per
// reporting step with the value, the percentile as a fraction, the cumulative count and
// 1/(1-percentile), then three footer lines starting with '#'. Values are divided by scale:
// with the harness's nanosecond histograms, scale 1000 writes microseconds.
//
//	       Value     Percentile TotalCount 1/(1-Percentile)
//
//	       0.180 0.000000000000          1           1.00
//	       ...
//	      41.983 1.000000000000     199998
//	#[Mean    =        0.254, StdDeviation   =        0.402]
//	#[Max     =       41.983, Total count    =       199998]
//	#[Buckets =           26, SubBuckets     =         2048]
func WriteHgrm(w io.Writer, h *hdrhistogram.Histogram, scale float64) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%12s %14s %10s %14s\n\n", "Value", "Percentile", "TotalCount", "1/(1-Percentile)")
	if h.TotalCount() > 0 {
		for _, b := range h.CumulativeDistributionWithTicks(HgrmTicks) {
			q := b.Quantile / 100
			v := float64(b.ValueAt) / scale
			if q >= 1 {
				fmt.Fprintf(bw, "%12.3f %2.12f %10d\n", v, 1.0, b.Count)
				continue
			}
			fmt.Fprintf(bw, "%12.3f %2.12f %10d %14.2f\n", v, q, b.Count, 1/(1-q))
		}
	}
	sub, buckets := hdrGeometry(h)
	fmt.Fprintf(bw, "#[Mean    = %12.3f, StdDeviation   = %12.3f]\n", h.Mean()/scale, h.StdDev()/scale)
	fmt.Fprintf(bw, "#[Max     = %12.3f, Total count    = %12d]\n", float64(h.Max())/scale, h.TotalCount())
	fmt.Fprintf(bw, "#[Buckets = %12d, SubBuckets     = %12d]\n", buckets, sub)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("bench: writing hgrm: %w", err)
	}
	return nil
}

// hdrGeometry returns the sub-bucket and bucket counts of h's layout, as HdrHistogram defines
// them: sub-buckets enough for the significant digits, buckets enough to cover the highest
// trackable value.
func hdrGeometry(h *hdrhistogram.Histogram) (subBuckets, buckets int64) {
	largestSingleUnit := 2 * math.Pow10(int(h.SignificantFigures()))
	subBuckets = int64(1) << int(math.Ceil(math.Log2(largestSingleUnit)))
	unit := int(math.Floor(math.Log2(float64(max(h.LowestTrackableValue(), 1)))))
	smallestUntrackable := subBuckets << unit
	buckets = 1
	for smallestUntrackable <= h.HighestTrackableValue() {
		if smallestUntrackable > math.MaxInt64/2 {
			return subBuckets, buckets + 1
		}
		smallestUntrackable <<= 1
		buckets++
	}
	return subBuckets, buckets
}
