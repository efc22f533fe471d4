package cond_test

import (
	"flag"
	"slices"
	"testing"
	"time"

	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/events/cond"
)

var interleaved = flag.Bool("interleaved", false, "compare compiled and hand-written conditions in alternating rounds")

// TestInterleaved measures the benchmarks' conditions in 300 alternating rounds of 20000
// evaluations each and reports the fastest round of each, which a machine shared with other
// work disturbs least. Run with: go test -run TestInterleaved -interleaved -v ./events/cond/
func TestInterleaved(t *testing.T) {
	if !*interleaved {
		t.Skip("needs -interleaved")
	}
	reg := events.NewRegistry()
	sigs, orders := benchSignals(), benchOrders()
	compile := func(src, kind string) cond.Cond {
		info, _ := reg.Lookup(kind)
		c, err := cond.Compile(src, info)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, p := range []struct {
		name     string
		compiled func(int) float64
		hand     func(int) float64
	}{
		{"simple",
			func(n int) float64 { return timeCompiled(compile("strength > 0.7", "Signal"), sigs, n) },
			func(n int) float64 { return timeHand(handStrength(), sigs, n) }},
		{"signal",
			func(n int) float64 { return timeCompiled(compile(complexSignal, "Signal"), sigs, n) },
			func(n int) float64 { return timeHand(handSignal(), sigs, n) }},
		{"order",
			func(n int) float64 { return timeCompiled(compile(complexOrder, "Order"), orders, n) },
			func(n int) float64 { return timeHand(handOrder(), orders, n) }},
	} {
		var c, h []float64
		for range 300 {
			c = append(c, p.compiled(20000))
			h = append(h, p.hand(20000))
		}
		t.Logf("%-6s compiled %.2f ns, hand-written %.2f ns, ratio %.2f", p.name, slices.Min(c), slices.Min(h), slices.Min(c)/slices.Min(h))
	}
}

func timeCompiled(c cond.Cond, evs []events.Raw, n int) float64 {
	hits := 0
	start := time.Now()
	for i := range n {
		if c(&evs[i%benchEvents]) {
			hits++
		}
	}
	sink = hits
	return float64(time.Since(start).Nanoseconds()) / float64(n)
}

func timeHand[T any](h func(*T) bool, evs []events.Raw, n int) float64 {
	hits := 0
	start := time.Now()
	for i := range n {
		if h(events.As[T](&evs[i%benchEvents])) {
			hits++
		}
	}
	sink = hits
	return float64(time.Since(start).Nanoseconds()) / float64(n)
}
