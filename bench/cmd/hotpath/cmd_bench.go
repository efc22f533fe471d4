package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/hotpath-go/hotpath/bench"
)

// cmdBench implements `hotpath bench -compare OLD.json NEW.json`: per result present in both
// runs, the change of ns/op, p50 and p99 and whether it is beyond the runs' noise
// (bench.Compare). With -fail it exits 1 when any figure got worse beyond the noise. Without
// -compare, `hotpath bench [flags]` is the suite, as `hotpath [flags]`.
func cmdBench(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := addSuiteFlags(fs)
	compare := fs.Bool("compare", false, "compare two results.json files: hotpath bench -compare OLD.json NEW.json")
	fail := fs.Bool("fail", false, "with -compare: exit 1 when a figure is worse beyond the noise")
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if !*compare {
		if fs.NArg() > 0 {
			fmt.Fprintf(stderr, "bench: unexpected arguments %q\n", fs.Args())
			return 2
		}
		return runSuite(f, stdout, stderr)
	}
	if fs.NArg() != 2 {
		fmt.Fprintln(stderr, "usage: hotpath bench -compare [-fail] OLD.json NEW.json")
		return 2
	}
	old, err := readReport(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 1
	}
	new, err := readReport(fs.Arg(1))
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 1
	}
	c := bench.Compare(old, new)
	if err := c.WriteText(stdout); err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 1
	}
	if *fail && len(c.Regressions()) > 0 {
		return 1
	}
	return 0
}

// readReport reads a results.json file.
func readReport(path string) (*bench.Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := bench.ReadReport(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}
