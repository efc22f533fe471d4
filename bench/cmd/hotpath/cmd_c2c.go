package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/hotpath-go/hotpath/affinity"
)

// cmdC2C implements `hotpath c2c [-json] [-out FILE.png|svg]`: one-way
// core-to-core hand-off latency between every pair of allowed CPUs, by CAS
// on one cache line and by two lines (ring style), as a matrix table, JSON,
// and a heat-map picture.
func cmdC2C(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("c2c", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the matrix as JSON")
	out := fs.String("out", "", "also draw a heat map to `FILE` (.png or .svg)")
	method := fs.String("method", "cas", "hand-off drawn by -out: cas or two-line")
	cpuList := fs.String("cpus", "", "CPUs to measure between, as a list (default: all allowed)")
	samples := fs.Int("samples", affinity.DefaultC2CSamples, "samples per pair and method")
	roundTrips := fs.Int("round-trips", affinity.DefaultC2CRoundTrips, "round trips per sample")
	timeout := fs.Duration("timeout", affinity.DefaultC2CTimeout, "limit per pair and method")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: hotpath c2c [-json] [-out FILE.png|svg] [-method cas|two-line] [-cpus LIST] [-samples N] [-round-trips N]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "c2c: unexpected arguments %q\n", fs.Args())
		return 2
	}
	var m affinity.Method
	switch *method {
	case "cas":
		m = affinity.MethodCAS
	case "two-line":
		m = affinity.MethodTwoLine
	default:
		fmt.Fprintf(stderr, "c2c: -method %q: want cas or two-line\n", *method)
		return 2
	}
	ext := strings.ToLower(filepath.Ext(*out))
	if *out != "" && ext != ".png" && ext != ".svg" {
		fmt.Fprintf(stderr, "c2c: -out %q: want a .png or .svg file\n", *out)
		return 2
	}
	cfg := affinity.C2CConfig{Samples: *samples, RoundTrips: *roundTrips, Timeout: *timeout}
	if *cpuList != "" {
		set, err := affinity.ParseCPUList(*cpuList)
		if err != nil {
			fmt.Fprintf(stderr, "c2c: -cpus: %v\n", err)
			return 2
		}
		cfg.CPUs = set
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "c2c: %v\n", err)
		return 2
	}
	matrix, err := affinity.MeasureC2C(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "c2c: %v\n", err)
		return 1
	}
	if *out != "" {
		if err := writeC2CPicture(*out, ext, matrix, m); err != nil {
			fmt.Fprintf(stderr, "c2c: %v\n", err)
			return 1
		}
		fmt.Fprintf(stderr, "c2c: wrote %s (%s)\n", *out, m)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(matrix); err != nil {
			fmt.Fprintf(stderr, "c2c: %v\n", err)
			return 1
		}
		return 0
	}
	topo, err := affinity.Detect()
	if err != nil {
		topo = nil // the table does without relations
	}
	if err := writeC2CText(stdout, matrix, topo); err != nil {
		fmt.Fprintf(stderr, "c2c: %v\n", err)
		return 1
	}
	return 0
}

func writeC2CPicture(path, ext string, matrix *affinity.C2CMatrix, m affinity.Method) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	if ext == ".svg" {
		return matrix.WriteSVG(f, m)
	}
	return matrix.WritePNG(f, m)
}

// writeC2CText prints both methods' medians as matrices, then each pair's
// median and p99 with how the two CPUs are related.
func writeC2CText(w io.Writer, matrix *affinity.C2CMatrix, topo *affinity.Topology) error {
	var b strings.Builder
	pin := "pinned"
	if !matrix.Pinned {
		pin = "not pinned"
	}
	fmt.Fprintf(&b, "core-to-core one-way latency, ns (median of %d samples x %d round trips, %s)\n", matrix.Samples, matrix.RoundTrips, pin)
	for _, n := range matrix.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	for _, m := range []affinity.Method{affinity.MethodCAS, affinity.MethodTwoLine} {
		title := "CAS on one cache line"
		if m == affinity.MethodTwoLine {
			title = "two cache lines (store, then read the answer)"
		}
		fmt.Fprintf(&b, "\n%s\n%6s", title, "cpu")
		for _, c := range matrix.CPUs {
			fmt.Fprintf(&b, " %7d", c)
		}
		b.WriteByte('\n')
		for _, a := range matrix.CPUs {
			fmt.Fprintf(&b, "%6d", a)
			for _, c := range matrix.CPUs {
				if p, ok := matrix.Pair(a, c); ok && a != c {
					fmt.Fprintf(&b, " %7.1f", p.Of(m).MedianNs)
				} else {
					fmt.Fprintf(&b, " %7s", "-")
				}
			}
			b.WriteByte('\n')
		}
	}
	if len(matrix.Pairs) > 0 {
		fmt.Fprintf(&b, "\n%-9s %-9s %10s %10s %10s %10s\n", "pair", "relation", "cas p50", "cas p99", "2line p50", "2line p99")
		for _, p := range matrix.Pairs {
			rel := "?"
			if topo != nil {
				rel = topo.Relation(p.A, p.B).String()
			}
			fmt.Fprintf(&b, "%-9s %-9s %10.1f %10.1f %10.1f %10.1f\n", fmt.Sprintf("%d-%d", p.A, p.B), rel, p.CAS.MedianNs, p.CAS.P99Ns, p.TwoLine.MedianNs, p.TwoLine.P99Ns)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
