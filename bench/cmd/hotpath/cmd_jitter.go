package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hotpath-go/hotpath/affinity"
)

// cmdJitter implements `hotpath jitter [-duration D] [-cpus LIST] [-together] [-json]`:
// a pinned spinner on each CPU in turn (or on all at once, with -together)
// counts the gaps in its run, so that a user sees which cores are quiet
// before pinning to them, and what share of the time a spinner loses.
func cmdJitter(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("jitter", flag.ContinueOnError)
	fs.SetOutput(stderr)
	duration := fs.Duration("duration", affinity.DefaultJitterDuration, "time to probe each CPU")
	cpuList := fs.String("cpus", "", "CPUs to probe, as a list (default: all allowed)")
	asJSON := fs.Bool("json", false, "print the results as JSON")
	together := fs.Bool("together", false, "probe every CPU at once (as pinned spinners filling the machine see it)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: hotpath jitter [-duration D] [-cpus LIST] [-together] [-json]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "jitter: unexpected arguments %q\n", fs.Args())
		return 2
	}
	cfg := affinity.JitterConfig{Duration: *duration, Together: *together}
	if *cpuList != "" {
		set, err := affinity.ParseCPUList(*cpuList)
		if err != nil {
			fmt.Fprintf(stderr, "jitter: -cpus: %v\n", err)
			return 2
		}
		cfg.CPUs = set
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "jitter: %v\n", err)
		return 2
	}
	results, err := affinity.MeasureJitter(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "jitter: %v\n", err)
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(results); err != nil {
			fmt.Fprintf(stderr, "jitter: %v\n", err)
			return 1
		}
		return 0
	}
	var b strings.Builder
	how := "one CPU at a time"
	if *together {
		how = "every CPU at once"
	}
	fmt.Fprintf(&b, "stalls per second seen by a pinned spinner (%v per CPU, %s)\n", *duration, how)
	fmt.Fprintf(&b, "%4s %12s", "cpu", "reads/s")
	if len(results) > 0 {
		for _, s := range results[0].Stalls {
			fmt.Fprintf(&b, " %10s", ">"+s.Threshold.String())
		}
	}
	fmt.Fprintf(&b, " %10s %8s\n", "max gap", "stalled")
	for _, r := range results {
		cpu := fmt.Sprint(r.CPU)
		if !r.Pinned {
			cpu = "any"
		}
		fmt.Fprintf(&b, "%4s %12.0f", cpu, float64(r.Loops)/r.Duration.Seconds())
		for _, s := range r.Stalls {
			fmt.Fprintf(&b, " %10.1f", s.PerSecond)
		}
		fmt.Fprintf(&b, " %10s %7.3f%%\n", r.MaxGap.Round(time.Microsecond/10), 100*r.StalledFraction)
	}
	if _, err := io.WriteString(stdout, b.String()); err != nil {
		fmt.Fprintf(stderr, "jitter: %v\n", err)
		return 1
	}
	return 0
}
