package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/hotpath-go/hotpath/tiers/wal"
)

// walUsage is the help text of `hotpath wal`.
const walUsage = `usage: hotpath wal inspect DIR [-json]

inspect reads the write-ahead log in DIR without changing it and prints its segments, sequence
ranges, checkpoints, and any torn tail or corruption with its segment and byte offset.
Exit status: 0 the log is sound (a torn tail is sound: opening the log repairs it),
1 the log is corrupt, 2 usage or I/O error.
`

// cmdWAL runs `hotpath wal ARGS...` and returns the exit status.
func cmdWAL(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "inspect" {
		fmt.Fprint(stderr, walUsage)
		return 2
	}
	fs := flag.NewFlagSet("wal", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, walUsage) }
	asJSON := fs.Bool("json", false, "print the report as JSON")
	// Accept the flag before or after DIR.
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
		fmt.Fprint(stderr, walUsage)
		return 2
	}
	rep, err := wal.Inspect(nil, pos[0])
	if err != nil && !errors.Is(err, wal.ErrCorrupt) {
		fmt.Fprintln(stderr, "hotpath:", err)
		return 2
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if werr := enc.Encode(walJSONReport(rep, err)); werr != nil {
			fmt.Fprintln(stderr, "hotpath:", werr)
			return 2
		}
	} else {
		walPrintReport(stdout, rep, err)
	}
	if err != nil {
		return 1
	}
	return 0
}

// walPrintReport prints the report as text.
func walPrintReport(w io.Writer, rep wal.Report, err error) {
	spares := 0
	for _, s := range rep.Segments {
		if s.Spare {
			spares++
		}
	}
	fmt.Fprintf(w, "log %s\n", rep.Dir)
	fmt.Fprintf(w, "segments: %d (%d spare), free for reuse: %d\n", len(rep.Segments), spares, len(rep.Free))
	for _, s := range rep.Segments {
		switch {
		case s.Spare:
			fmt.Fprintf(w, "  %s  size %d  spare\n", s.Name, s.Size)
		case s.Records == 0:
			fmt.Fprintf(w, "  %s  size %d  frames %d  no records  data ends at %d\n", s.Name, s.Size, s.Frames, s.End)
		default:
			fmt.Fprintf(w, "  %s  size %d  frames %d  records %d  seq %d..%d  data ends at %d\n",
				s.Name, s.Size, s.Frames, s.Records, s.First, s.Last, s.End)
		}
	}
	if rep.Last == 0 {
		fmt.Fprintf(w, "records: none (next %d)\n", rep.Next)
	} else {
		fmt.Fprintf(w, "records: %d..%d (next %d)\n", rep.First, rep.Last, rep.Next)
	}
	if len(rep.Checkpoints) == 0 {
		fmt.Fprintln(w, "checkpoints: none")
	} else {
		fmt.Fprintln(w, "checkpoints:")
		for _, c := range rep.Checkpoints {
			fmt.Fprintf(w, "  %s  %d\n", c.Name, c.Seq)
		}
	}
	if len(rep.TempFiles) > 0 {
		fmt.Fprintf(w, "temporary files (removed on open): %s\n", strings.Join(rep.TempFiles, " "))
	}
	if rep.Torn != nil {
		fmt.Fprintf(w, "torn tail: %s (%d bytes; opening the log zeroes them)\n", rep.Torn, rep.Torn.Bytes)
	}
	switch {
	case rep.Corrupt != nil:
		fmt.Fprintf(w, "corruption: %s\n", rep.Corrupt)
	case err != nil:
		fmt.Fprintf(w, "corruption: %v\n", err)
	default:
		fmt.Fprintln(w, "corruption: none")
	}
}

// walJSON is the -json form of a report.
type walJSON struct {
	Dir         string            `json:"dir"`
	First       uint64            `json:"first"`
	Last        uint64            `json:"last"`
	Next        uint64            `json:"next"`
	Segments    []walJSONSegment  `json:"segments"`
	Checkpoints map[string]uint64 `json:"checkpoints"`
	Free        []string          `json:"free,omitempty"`
	TempFiles   []string          `json:"temp_files,omitempty"`
	Torn        *walJSONDamage    `json:"torn,omitempty"`
	Corrupt     *walJSONDamage    `json:"corrupt,omitempty"`
	Error       string            `json:"error,omitempty"`
}

type walJSONSegment struct {
	Name    string `json:"name"`
	Size    int64  `json:"size"`
	Spare   bool   `json:"spare,omitempty"`
	Frames  int    `json:"frames"`
	Records uint64 `json:"records"`
	First   uint64 `json:"first,omitempty"`
	Last    uint64 `json:"last,omitempty"`
	End     int64  `json:"end"`
}

type walJSONDamage struct {
	Segment string `json:"segment"`
	Offset  int64  `json:"offset"`
	Bytes   int64  `json:"bytes"`
	Reason  string `json:"reason"`
}

func walJSONReport(rep wal.Report, err error) walJSON {
	out := walJSON{Dir: rep.Dir, First: rep.First, Last: rep.Last, Next: rep.Next,
		Segments: []walJSONSegment{}, Checkpoints: map[string]uint64{}, Free: rep.Free, TempFiles: rep.TempFiles}
	for _, s := range rep.Segments {
		out.Segments = append(out.Segments, walJSONSegment{Name: s.Name, Size: s.Size, Spare: s.Spare,
			Frames: s.Frames, Records: s.Records, First: s.First, Last: s.Last, End: s.End})
	}
	for _, c := range rep.Checkpoints {
		out.Checkpoints[c.Name] = c.Seq
	}
	damage := func(d *wal.Damage) *walJSONDamage {
		if d == nil {
			return nil
		}
		return &walJSONDamage{Segment: d.Segment, Offset: d.Offset, Bytes: d.Bytes, Reason: d.Reason}
	}
	out.Torn, out.Corrupt = damage(rep.Torn), damage(rep.Corrupt)
	if err != nil {
		out.Error = err.Error()
	}
	return out
}
