package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/hotpath-go/hotpath/bench"
)

// cmdSuite implements `hotpath [flags]`: the benchmark suite (bench.Run) on bench.Scenarios,
// printed as one table, or as results.json with -json; -out DIR also writes the results, the
// .hgrm files, the plots and index.html. A progress line goes to stderr when it is a terminal.
// -config FILE adds the routing of FILE as the scenario "config" (bench.ConfigScenario) and,
// unless -scenario says otherwise, runs it alone.
func cmdSuite(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("hotpath", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := addSuiteFlags(fs)
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "hotpath: unexpected arguments %q (verbs come first: hotpath help)\n", fs.Args())
		return 2
	}
	return runSuite(f, stdout, stderr)
}

// suiteFlags are the suite's flags, shared by `hotpath` and `hotpath bench`.
type suiteFlags struct {
	quick, json, noPin, list *bool
	scenario, out, config    *string
	rate                     *float64
	duration                 *time.Duration
}

// addSuiteFlags defines the suite's flags on fs.
func addSuiteFlags(fs *flag.FlagSet) *suiteFlags {
	f := &suiteFlags{
		quick:    fs.Bool("quick", false, fmt.Sprintf("smoke run: %v per implementation, the suite in under 20 s", bench.QuickDuration)),
		scenario: fs.String("scenario", "", "run only these scenarios (comma-separated; -list shows them)"),
		rate:     fs.Float64("rate", 0, fmt.Sprintf("open-loop rate in events/s over all producers (default %g)", float64(bench.DefaultRate))),
		duration: fs.Duration("duration", 0, fmt.Sprintf("time per implementation, both phases (default %v, -quick %v)", bench.DefaultDuration, bench.QuickDuration)),
		json:     fs.Bool("json", false, "print results.json to stdout instead of the table"),
		out:      fs.String("out", "", "also write results.json, .hgrm files, PNG and SVG plots and index.html to `DIR`"),
		noPin:    fs.Bool("no-pin", false, "never pin the open loop's goroutines to CPUs"),
		list:     fs.Bool("list", false, "list the scenarios and exit"),
		config:   fs.String("config", "", "also run the routing configuration in `FILE` (with the demo components) as the scenario \"config\"; alone unless -scenario names others"),
	}
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintln(out, "usage: hotpath [-quick] [-scenario LIST] [-rate N] [-duration D] [-config FILE] [-out DIR] [-json]")
		fmt.Fprintln(out, "       hotpath bench -compare OLD.json NEW.json")
		fmt.Fprintln(out, "       hotpath VERB ... (hotpath help)")
		fs.PrintDefaults()
	}
	return f
}

// runConfig turns the flags into a bench.Config.
func (f *suiteFlags) runConfig() bench.Config {
	cfg := bench.DefaultConfig()
	if *f.quick {
		cfg = bench.QuickConfig()
	}
	if *f.rate != 0 {
		cfg.Rate = *f.rate
	}
	if *f.duration != 0 {
		cfg.Duration = *f.duration
	}
	for _, n := range strings.Split(*f.scenario, ",") {
		if n = strings.TrimSpace(n); n != "" {
			cfg.Scenarios = append(cfg.Scenarios, n)
		}
	}
	cfg.NoPin = *f.noPin
	return cfg
}

// runSuite runs the suite as the parsed flags f say.
func runSuite(f *suiteFlags, stdout, stderr io.Writer) int {
	scenarios := bench.Scenarios()
	if *f.config != "" {
		s, err := bench.ConfigScenario(*f.config)
		if err != nil {
			fmt.Fprintf(stderr, "hotpath: -config: %v\n", err)
			return 1
		}
		scenarios = append(scenarios, s)
	}
	if *f.list {
		for _, s := range scenarios {
			var impls []string
			for _, im := range s.Impls {
				impls = append(impls, im.Name)
			}
			fmt.Fprintf(stdout, "%-16s %-58s baseline %s; impls %s\n", s.Name, s.Doc, s.Baseline, strings.Join(impls, ", "))
		}
		return 0
	}
	cfg := f.runConfig()
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "hotpath: %v\n", err)
		return 2
	}
	if *f.config != "" && len(cfg.Scenarios) == 0 {
		cfg.Scenarios = []string{"config"}
	}
	if _, err := bench.Select(scenarios, cfg.Scenarios); err != nil {
		fmt.Fprintf(stderr, "hotpath: -scenario: %v\n", err)
		return 2
	}
	if isTerminal(stderr) {
		cfg.Progress = progressLine(stderr)
	}
	rep, err := bench.Run(context.Background(), cfg, scenarios)
	if err != nil {
		fmt.Fprintf(stderr, "hotpath: %v\n", err)
		return 1
	}
	if *f.out != "" {
		paths, err := bench.WriteDir(*f.out, rep)
		if err != nil {
			fmt.Fprintf(stderr, "hotpath: %v\n", err)
			return 1
		}
		fmt.Fprintf(stderr, "hotpath: wrote %d files; open %s\n", len(paths), paths[len(paths)-1])
	}
	if *f.json {
		err = rep.WriteJSON(stdout)
	} else {
		err = rep.WriteTable(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "hotpath: %v\n", err)
		return 1
	}
	return 0
}

// parseExit is the exit code for a flag parsing error: 0 for -h (the usage was asked for), 2
// otherwise.
func parseExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return 2
}

// isTerminal reports whether w is a terminal (a character device), where a progress line that
// rewrites itself makes sense.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressLine returns a bench.Config.Progress that keeps one line on w up to date.
func progressLine(w io.Writer) func(bench.Progress) {
	return func(p bench.Progress) {
		if p.Phase == "" {
			fmt.Fprint(w, "\r\033[K")
			return
		}
		what := p.Phase
		if p.Scenario != "" {
			what = p.Scenario + "/" + p.Impl + ": " + p.Phase
		}
		fmt.Fprintf(w, "\r\033[K[%d/%d] %s", p.Done+1, p.Total, what)
	}
}
