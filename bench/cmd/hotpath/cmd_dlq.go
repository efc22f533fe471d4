package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hotpath-go/hotpath/tiers"
)

// dlqUsage is the help text of `hotpath dlq`.
const dlqUsage = `usage: hotpath dlq list DIR [-json]
       hotpath dlq replay DIR [-into SPILLDIR]

DIR is a reliable tier's directory (its Dir: one directory per route), one route's directory
(holding spill/ and dlq/), or a dead-letter log directory itself.

list    prints the dead letters that have not been replayed: their sequence, route, event ID and
        kind, attempts, reason, time and last error.
replay  moves them into the route's spill log (the route's spill/, or -into SPILLDIR, required
        for a bare dead-letter log), where the route delivers them, in order, when it next
        starts, and marks them replayed so that they are neither listed nor replayed again.

The logs are opened for writing (a torn tail is repaired): no process may have them open.
Exit status: 0 done, 1 a log could not be read or written, 2 usage.
`

// cmdDLQ runs `hotpath dlq ARGS...` and returns the exit status.
func cmdDLQ(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "list" && args[0] != "replay") {
		fmt.Fprint(stderr, dlqUsage)
		return 2
	}
	verb := args[0]
	fs := flag.NewFlagSet("dlq", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, dlqUsage) }
	asJSON := fs.Bool("json", false, "list: print JSON")
	into := fs.String("into", "", "replay: the spill log to replay into (default: the route's own)")
	// Accept flags before or after DIR.
	var pos []string
	rest := args[1:]
	for {
		if err := fs.Parse(rest); err != nil {
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(pos) != 1 {
		fmt.Fprint(stderr, dlqUsage)
		return 2
	}
	logs, err := dlqFind(pos[0])
	if err != nil {
		fmt.Fprintln(stderr, "hotpath:", err)
		return 1
	}
	if verb == "list" {
		return dlqList(logs, *asJSON, stdout, stderr)
	}
	return dlqReplay(logs, *into, stdout, stderr)
}

// dlqLog is one route's dead-letter log and the spill log it replays into.
type dlqLog struct {
	route string // "" for a bare dead-letter log
	dead  string
	spill string // "" if unknown
}

// dlqFind resolves DIR: a route's directory, a dead-letter log, or a tier's directory.
func dlqFind(dir string) ([]dlqLog, error) {
	isDir := func(p string) bool { st, err := os.Stat(p); return err == nil && st.IsDir() }
	if !isDir(dir) {
		return nil, fmt.Errorf("dlq: %s is not a directory", dir)
	}
	route := func(d string) dlqLog {
		name, err := url.PathUnescape(filepath.Base(d))
		if err != nil {
			name = filepath.Base(d)
		}
		return dlqLog{route: name, dead: filepath.Join(d, "dlq"), spill: filepath.Join(d, "spill")}
	}
	if isDir(filepath.Join(dir, "dlq")) {
		return []dlqLog{route(dir)}, nil
	}
	if segs, _ := filepath.Glob(filepath.Join(dir, "*.wal")); len(segs) > 0 {
		return []dlqLog{{dead: dir}}, nil
	}
	subs, err := filepath.Glob(filepath.Join(dir, "*", "dlq"))
	if err != nil {
		return nil, err
	}
	var out []dlqLog
	for _, s := range subs {
		if isDir(s) {
			out = append(out, route(filepath.Dir(s)))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("dlq: no dead-letter log in %s", dir)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].route < out[j].route })
	return out, nil
}

// dlqJSON is a dead letter as `hotpath dlq list -json` prints it.
type dlqJSON struct {
	Log       string    `json:"log"`
	Seq       uint64    `json:"seq"`
	Route     string    `json:"route"`
	ID        uint64    `json:"id"`
	Kind      uint16    `json:"kind"`
	Source    uint16    `json:"source"`
	Attempts  int       `json:"attempts"`
	Reason    string    `json:"reason"`
	Time      time.Time `json:"time"`
	LastError string    `json:"last_error"`
}

func dlqList(logs []dlqLog, asJSON bool, stdout, stderr io.Writer) int {
	all := []dlqJSON{}
	code := 0
	for _, l := range logs {
		ds, err := tiers.ReadDeadLetters(nil, l.dead)
		if err != nil {
			fmt.Fprintln(stderr, "hotpath:", err)
			code = 1
			continue
		}
		for _, d := range ds {
			all = append(all, dlqJSON{Log: l.dead, Seq: d.Seq, Route: d.Route, ID: d.Event.ID, Kind: uint16(d.Event.Kind),
				Source: uint16(d.Event.Source), Attempts: d.Attempts, Reason: d.Reason.String(), Time: d.Time, LastError: d.LastError})
		}
		if !asJSON {
			fmt.Fprintf(stdout, "%s: %d dead letters\n", l.dead, len(ds))
		}
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(all); err != nil {
			fmt.Fprintln(stderr, "hotpath:", err)
			return 1
		}
		return code
	}
	if len(all) > 0 {
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "SEQ\tROUTE\tID\tKIND\tATTEMPTS\tREASON\tTIME\tLAST ERROR")
		for _, d := range all {
			fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%d\t%s\t%s\t%s\n", d.Seq, d.Route, d.ID, d.Kind, d.Attempts, d.Reason,
				d.Time.UTC().Format(time.RFC3339Nano), strings.ReplaceAll(d.LastError, "\n", " "))
		}
		_ = tw.Flush()
	}
	return code
}

func dlqReplay(logs []dlqLog, into string, stdout, stderr io.Writer) int {
	if into != "" && len(logs) > 1 {
		fmt.Fprintln(stderr, "hotpath: dlq replay -into takes one route's dead letters, DIR holds", len(logs))
		return 2
	}
	code := 0
	for _, l := range logs {
		spill := l.spill
		if into != "" {
			spill = into
		}
		if spill == "" {
			fmt.Fprintf(stderr, "hotpath: %s is a bare dead-letter log: say where to replay it with -into SPILLDIR\n", l.dead)
			return 2
		}
		n, err := tiers.ReplayDeadLetters(nil, l.dead, spill)
		if err != nil {
			fmt.Fprintln(stderr, "hotpath:", err)
			code = 1
			continue
		}
		fmt.Fprintf(stdout, "%s: replayed %d dead letters into %s\n", l.dead, n, spill)
	}
	return code
}
