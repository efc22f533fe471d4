package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/engine/config"
	"github.com/hotpath-go/hotpath/engine/config/demo"
	"github.com/hotpath-go/hotpath/engine/metrics"
	"github.com/hotpath-go/hotpath/events"
)

// cmdRoutes implements `hotpath routes [-json] [-workers N] FILE`: it loads the routing
// configuration FILE with the plan's demo components (package demo) and the tiers that exist,
// compiles it on an engine that is never started, and prints the compiled route table: source,
// event type, route, tier, worker, overflow policy, chain, the tier's policies and notes. On a
// bad file it prints every mistake (file:line:col: path: message) to stderr and exits 1.
func cmdRoutes(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("routes", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the route table (or the mistakes) as JSON")
	workers := fs.Int("workers", 0, "check placement against this many workers (default: the file's engine.workers, else enough for its routes)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: hotpath routes [-json] [-workers N] FILE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	file := fs.Arg(0)
	comps := config.NewRegistry()
	if err := demo.New().Register(comps); err != nil {
		fmt.Fprintf(stderr, "routes: %v\n", err)
		return 1
	}
	tiers := demo.Tiers()
	defer func() { _ = tiers.Close() }()
	loader := config.Loader{Components: comps, Kinds: events.NewRegistry(), Tiers: tiers}
	cfg, err := loader.LoadFile(file)
	if err != nil {
		return routesFailed(err, file, *asJSON, stdout, stderr)
	}
	ecfg := cfg.Engine
	switch {
	case *workers > 0:
		ecfg.Workers = *workers
		if len(ecfg.CPUs) != 0 && len(ecfg.CPUs) != *workers {
			ecfg.CPUs = nil // placement by cpu was checked against the file's engine.cpus
		}
	case ecfg.Workers == 0:
		for _, r := range cfg.Routes {
			ecfg.Workers = max(ecfg.Workers, r.Worker+1)
		}
	}
	ecfg.Clock = metrics.NewClock(metrics.ClockMonotonic)
	eng, err := engine.New(ecfg)
	if err != nil {
		fmt.Fprintf(stderr, "routes: %v\n", err)
		return 1
	}
	if err := config.NewReloader(eng).Apply(cfg); err != nil {
		return routesFailed(err, file, *asJSON, stdout, stderr)
	}
	rows := cfg.Rows(eng.Routes(), tiers)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false) // conditions keep their > and < (strength > 0.7)
		if err := enc.Encode(routesJSON{File: file, Workers: eng.Workers(), Routes: rows}); err != nil {
			fmt.Fprintf(stderr, "routes: %v\n", err)
			return 1
		}
		return 0
	}
	printRoutes(stdout, file, eng.Workers(), rows)
	return 0
}

// routesJSON is what `hotpath routes -json` prints.
type routesJSON struct {
	File    string          `json:"file"`
	Workers int             `json:"workers"`
	Routes  []config.Row    `json:"routes,omitempty"`
	Errors  []*config.Error `json:"errors,omitempty"`
}

// routesFailed prints every mistake and returns the exit code 1.
func routesFailed(err error, file string, asJSON bool, stdout, stderr io.Writer) int {
	var errs *config.Errors
	if !errors.As(err, &errs) {
		fmt.Fprintf(stderr, "routes: %v\n", err)
		return 1
	}
	for _, e := range errs.List {
		fmt.Fprintln(stderr, e)
	}
	if errs.Omitted > 0 {
		fmt.Fprintf(stderr, "(and %d more)\n", errs.Omitted)
	}
	fmt.Fprintf(stderr, "%s: %d mistakes\n", file, len(errs.List)+errs.Omitted)
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false) // conditions keep their > and < (strength > 0.7)
		_ = enc.Encode(routesJSON{File: file, Errors: errs.List})
	}
	return 1
}

// printRoutes prints the route table, with the tiers' notes as footnotes.
func printRoutes(w io.Writer, file string, workers int, rows []config.Row) {
	fmt.Fprintf(w, "%s: %d routes on %d workers\n\n", file, len(rows), workers)
	var tb bytes.Buffer
	tw := tabwriter.NewWriter(&tb, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tKIND\tROUTE\tTIER\tWORKER\tOVERFLOW\tCHAIN\tPOLICIES\tNOTE")
	var notes []string
	for _, r := range rows {
		worker, overflow := fmt.Sprint(r.Worker), r.Overflow
		if r.Worker < 0 {
			worker, overflow = "inline", "-" // on the publisher's goroutine: no lane to overflow
		}
		note := ""
		if r.Note != "" {
			n := r.Tier + ": " + r.Note
			i := indexOf(notes, n)
			if i < 0 {
				notes = append(notes, n)
				i = len(notes) - 1
			}
			note = fmt.Sprintf("[%d]", i+1)
		}
		pol := r.Policies
		if pol == "" {
			pol = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Source, r.Kind, r.Route, r.Tier, worker, overflow, r.Chain, pol, note)
	}
	_ = tw.Flush()
	for _, line := range strings.SplitAfter(tb.String(), "\n") {
		fmt.Fprint(w, strings.TrimRight(line, " \n"), strings.Repeat("\n", strings.Count(line, "\n")))
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
		for i, n := range notes {
			fmt.Fprintf(w, "[%d] %s\n", i+1, n)
		}
	}
}

func indexOf(s []string, x string) int {
	for i, v := range s {
		if v == x {
			return i
		}
	}
	return -1
}
