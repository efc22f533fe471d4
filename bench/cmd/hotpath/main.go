// Command hotpath is hotpath's command-line tool. With no verb (or with flags only) it runs the
// benchmark suite and prints one table; verbs run the other tools:
//
//	hotpath [-quick] [-scenario LIST] [-rate N] [-duration D] [-out DIR] [-json]
//	hotpath bench -compare OLD.json NEW.json
//	hotpath tune [-config FILE]
//	hotpath dlq list|replay DIR
//	hotpath topology | c2c | jitter | routes | wal ...
//
// `hotpath help` lists the verbs; `hotpath VERB -h` describes one.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// command is the signature of every verb: it parses its own flags from args, writes its
// output to stdout and its diagnostics to stderr, and returns the exit code (0 success, 1
// failure, 2 usage).
type command func(args []string, stdout, stderr io.Writer) int

// commands returns the verbs hotpath dispatches, by name.
//
// Adding a verb: write bench/cmd/hotpath/cmd_<verb>.go with
//
//	func cmd<Verb>(args []string, stdout, stderr io.Writer) int
//
// and add its line here.
func commands() map[string]command {
	return map[string]command{
		"bench":    cmdBench,
		"dlq":      cmdDLQ,
		"routes":   cmdRoutes,
		"wal":      cmdWAL,
		"c2c":      cmdC2C,
		"jitter":   cmdJitter,
		"topology": cmdTopology,
		"tune":     cmdTune,
	}
}

// run dispatches args: no verb, or a first argument that is a flag, runs the suite.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return cmdSuite(args, stdout, stderr)
	}
	verb := args[0]
	if verb == "help" {
		usage(stdout)
		return 0
	}
	cmd, ok := commands()[verb]
	if !ok {
		fmt.Fprintf(stderr, "hotpath: unknown verb %q\n", verb)
		usage(stderr)
		return 2
	}
	return cmd(args[1:], stdout, stderr)
}

// usage lists the verbs.
func usage(w io.Writer) {
	verbs := make([]string, 0, len(commands()))
	for v := range commands() {
		verbs = append(verbs, v)
	}
	sort.Strings(verbs)
	fmt.Fprintf(w, "usage: hotpath [suite flags]       run the benchmark suite (hotpath -h for its flags)\n")
	fmt.Fprintf(w, "       hotpath VERB [flags]        verbs: %s (hotpath VERB -h)\n", strings.Join(verbs, ", "))
}
