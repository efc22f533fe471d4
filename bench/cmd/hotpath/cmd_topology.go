package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/hotpath-go/hotpath/affinity"
)

// cmdTopology implements `hotpath topology [-json]`: the machine's CPUs as
// this process sees them, with the caches and who shares them, the allowed,
// isolated and nohz_full sets, and warnings worth reading before pinning.
func cmdTopology(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("topology", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the topology as JSON")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: hotpath topology [-json]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "topology: unexpected arguments %q\n", fs.Args())
		return 2
	}
	topo, err := affinity.Detect()
	if err != nil {
		fmt.Fprintf(stderr, "topology: %v\n", err)
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(topo); err != nil {
			fmt.Fprintf(stderr, "topology: %v\n", err)
			return 1
		}
		return 0
	}
	if err := writeTopologyText(stdout, topo); err != nil {
		fmt.Fprintf(stderr, "topology: %v\n", err)
		return 1
	}
	return 0
}

// writeTopologyText prints the tree: package, then last-level cache, then
// cores and their logical CPUs; then the cache table, the CPU sets and the
// warnings.
func writeTopologyText(w io.Writer, t *affinity.Topology) error {
	var b strings.Builder
	id := t.CPUID
	fmt.Fprintf(&b, "cpu        %s", orDash(id.Brand))
	if id.Vendor != "" {
		fmt.Fprintf(&b, " (%s family %d model %d)", id.Vendor, id.Family, id.Model)
	}
	if id.VM {
		fmt.Fprintf(&b, ", %s guest", orDash(id.Hypervisor))
	}
	b.WriteByte('\n')
	fmt.Fprintf(&b, "machine    %s (from %s)\n", t.Summary(), t.Source)
	fmt.Fprintf(&b, "cache line %d bytes; invariant TSC %s; RDTSCP %s; hybrid %s\n", t.CacheLineBytes, yesNo(id.InvariantTSC), yesNo(id.RDTSCP), yesNo(id.Hybrid))
	fmt.Fprintf(&b, "cpus       online %s; allowed %s; isolated %s; nohz_full %s\n", setOrNone(t.Online), setOrNone(t.Allowed), setOrNone(t.Isolated), setOrNone(t.NohzFull))
	if t.CgroupCPUs != nil {
		fmt.Fprintf(&b, "cgroup     cpuset %s\n", setOrNone(*t.CgroupCPUs))
	}

	b.WriteString("\ntree\n")
	for _, pkg := range topologyPackages(t) {
		nodes := map[int]bool{}
		for _, c := range t.CPUs {
			if c.Package == pkg {
				nodes[c.Node] = true
			}
		}
		fmt.Fprintf(&b, "  package %d (node %s)\n", pkg, joinInts(sortedKeys(nodes)))
		for _, group := range topologyLLCGroups(t, pkg) {
			indent := "    "
			if group.label != "" {
				fmt.Fprintf(&b, "    %s\n", group.label)
				indent = "      "
			}
			for _, core := range group.cores {
				fmt.Fprintf(&b, "%s%s\n", indent, core)
			}
		}
	}

	b.WriteString("\ncaches\n")
	type row struct {
		level      int
		typ        string
		size, line int
		sets       []affinity.CPUSet
	}
	var rows []*row
	byKey := map[string]*row{}
	for _, k := range t.Caches {
		key := fmt.Sprintf("%d/%s/%d", k.Level, k.Type, k.SizeBytes)
		r := byKey[key]
		if r == nil {
			r = &row{level: k.Level, typ: k.Type, size: k.SizeBytes, line: k.LineBytes}
			byKey[key] = r
			rows = append(rows, r)
		}
		r.sets = append(r.sets, k.CPUs)
	}
	for _, r := range rows {
		who := "private to each CPU"
		var names []string
		shared := false
		for _, s := range r.sets {
			names = append(names, s.String())
			shared = shared || s.Len() > 1
		}
		if shared {
			who = "shared by " + strings.Join(names, " | ")
		}
		fmt.Fprintf(&b, "  L%d %-11s %8s x%-3d %s\n", r.level, r.typ, affinity.FormatBytes(r.size), len(r.sets), who)
	}

	b.WriteString("\nwarnings\n")
	if len(t.Warnings) == 0 {
		b.WriteString("  none\n")
	}
	for _, warn := range t.Warnings {
		fmt.Fprintf(&b, "  - %s\n", warn)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

type llcGroup struct {
	label string
	cores []string
}

// topologyLLCGroups splits a package's cores by last-level cache.
func topologyLLCGroups(t *affinity.Topology, pkg int) []llcGroup {
	var groups []llcGroup
	index := map[string]int{}
	seenCore := map[string]bool{}
	for _, c := range t.CPUs {
		if c.Package != pkg {
			continue
		}
		label := ""
		var llc affinity.Cache
		for _, k := range c.Caches {
			if k.Level >= llc.Level && (k.Type == "Unified" || k.Type == "Data") {
				llc = k
			}
		}
		if llc.Level >= 3 {
			label = fmt.Sprintf("L%d %s (CPUs %s)", llc.Level, affinity.FormatBytes(llc.SizeBytes), llc.CPUs)
		}
		i, ok := index[label]
		if !ok {
			i = len(groups)
			index[label] = i
			groups = append(groups, llcGroup{label: label})
		}
		coreKey := fmt.Sprintf("%d/%d", c.Die, c.Core)
		if c.Core < 0 {
			coreKey = fmt.Sprintf("cpu%d", c.ID)
		}
		if seenCore[coreKey] {
			continue
		}
		seenCore[coreKey] = true
		line := fmt.Sprintf("core %d: cpu %s", c.Core, c.Siblings)
		if c.CoreType != "" {
			line += " [" + c.CoreType + "]"
		}
		var l2 affinity.Cache
		for _, k := range c.Caches {
			if k.Level == 2 {
				l2 = k
			}
		}
		if l2.Level == 2 && !l2.CPUs.Equal(c.Siblings) {
			line += fmt.Sprintf(", L2 shared with %s", l2.CPUs)
		}
		groups[i].cores = append(groups[i].cores, line)
	}
	return groups
}

func topologyPackages(t *affinity.Topology) []int {
	seen := map[int]bool{}
	for _, c := range t.CPUs {
		seen[c.Package] = true
	}
	return sortedKeys(seen)
}

func sortedKeys(m map[int]bool) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ",")
}

func setOrNone(s affinity.CPUSet) string {
	if s.IsEmpty() {
		return "none"
	}
	return s.String()
}

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
