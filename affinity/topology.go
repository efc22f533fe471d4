package affinity

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"sort"
	"strings"
)

// Core types of a hybrid processor, as Linux names them in
// /sys/devices/cpu_core and /sys/devices/cpu_atom.
const (
	CorePerformance = "performance"
	CoreEfficiency  = "efficiency"
)

// Source names the sources DetectFrom reads. The zero value reads nothing
// but cpuid and runtime.NumCPU.
type Source struct {
	// FS is the root of a file system laid out like "/" (sys/devices/...,
	// proc/self/status); nil means no sysfs.
	FS fs.FS
	// CPUID is the processor's own report; nil reads the running processor.
	CPUID *CPUID
	// Allowed is the set of CPUs the process may run on. When empty,
	// DetectFrom takes Cpus_allowed_list from FS's proc/self/status, and
	// failing that every online CPU.
	Allowed CPUSet
	// NumCPU is the CPU count to assume without sysfs; 0 means
	// runtime.NumCPU().
	NumCPU int
}

// Topology is the machine as this process sees it: every online logical
// CPU with the kernel's number for it, where it sits (package, die,
// cluster, core, NUMA node), which caches it has and who shares them, plus
// the process's allowed set and the kernel's isolated and nohz_full sets.
//
// A Topology is plain data, built once by Detect or DetectFrom; it is safe
// for concurrent use by readers and must not be modified after it is
// shared. CPUs are ordered by number. Package, Die, Cluster, Core and Node
// are -1 where the source did not say.
type Topology struct {
	CPUID          CPUID    `json:"cpuid"`
	CacheLineBytes int      `json:"cache_line_bytes"` // cpuid, else sysfs, else 64
	Source         string   `json:"source"`           // "sysfs" or "cpuid" (degraded)
	Online         CPUSet   `json:"online"`
	Allowed        CPUSet   `json:"allowed"`     // sched_getaffinity: cgroup cpuset and taskset bound it
	Isolated       CPUSet   `json:"isolated"`    // isolcpus= (kernel 'isolated' file)
	NohzFull       CPUSet   `json:"nohz_full"`   // nohz_full=
	CgroupCPUs     *CPUSet  `json:"cgroup_cpus"` // the cgroup's effective cpuset, if visible
	Packages       int      `json:"packages"`
	Cores          int      `json:"cores"`
	SMT            bool     `json:"smt"` // some core runs more than one thread
	CPUs           []CPU    `json:"cpus"`
	Caches         []Cache  `json:"caches"` // each cache instance once, by level then first CPU
	Nodes          []Node   `json:"nodes"`
	Warnings       []string `json:"warnings"`
}

// CPU is one logical CPU.
type CPU struct {
	ID          int     `json:"cpu"`     // the kernel's number (cpuN)
	Package     int     `json:"package"` // physical_package_id (socket)
	Die         int     `json:"die"`
	Cluster     int     `json:"cluster"` // -1 when the kernel reports none
	Core        int     `json:"core"`    // core_id: unique within a package only
	Node        int     `json:"node"`    // NUMA node
	Siblings    CPUSet  `json:"smt_siblings"`
	ClusterCPUs CPUSet  `json:"cluster_cpus"`
	CoreType    string  `json:"core_type,omitempty"` // CorePerformance, CoreEfficiency or ""
	Governor    string  `json:"governor,omitempty"`  // cpufreq scaling governor, if any
	Caches      []Cache `json:"caches"`
}

// Cache is one cache instance and the CPUs that share it.
type Cache struct {
	Level     int    `json:"level"`
	Type      string `json:"type"` // "Data", "Instruction" or "Unified"
	SizeBytes int    `json:"size_bytes"`
	LineBytes int    `json:"line_bytes"`
	ID        int    `json:"id"` // sysfs cache id, -1 if absent
	CPUs      CPUSet `json:"shared_cpus"`
}

// Node is a NUMA node and its CPUs.
type Node struct {
	ID   int    `json:"node"`
	CPUs CPUSet `json:"cpus"`
}

// Detect reads the running machine: cpuid, sysfs under "/", and the calling
// thread's affinity mask (call it before pinning, or it reports the pin).
// It degrades to cpuid and runtime.NumCPU where sysfs is missing and says
// so in Warnings; it fails only on malformed sysfs content.
func Detect() (*Topology, error) {
	allowed, err := threadAllowed()
	if err != nil && !errors.Is(err, ErrUnsupported) {
		return nil, err
	}
	return DetectFrom(Source{FS: os.DirFS("/"), Allowed: allowed})
}

// DetectFrom builds a Topology from src; see Source for what is read from
// where. Malformed files are errors naming the file; missing ones degrade.
func DetectFrom(src Source) (*Topology, error) {
	var id CPUID
	if src.CPUID != nil {
		id = *src.CPUID
	} else {
		id = ReadCPUID()
	}
	t := &Topology{CPUID: id, Source: "sysfs"}
	var tree *sysfsTree
	var err error
	if src.FS != nil {
		tree, err = readSysfs(src.FS)
	} else {
		err = errNoSysfs
	}
	switch {
	case errors.Is(err, errNoSysfs):
		t.fromCPUID(src)
	case err != nil:
		return nil, err
	default:
		t.fromSysfs(tree, src)
	}
	t.summarise()
	t.warn()
	return t, nil
}

func (t *Topology) fromSysfs(tree *sysfsTree, src Source) {
	t.Online, t.Isolated, t.NohzFull = tree.online, tree.isolated, tree.nohzFull
	t.CPUs, t.Nodes = tree.cpus, tree.nodes
	t.Warnings = append(t.Warnings, tree.warnings...)
	if tree.hasCgroup {
		c := tree.cgroupCPUs
		t.CgroupCPUs = &c
	}
	switch {
	case !src.Allowed.IsEmpty():
		t.Allowed = src.Allowed
	case tree.hasStatus:
		t.Allowed = tree.statusAllowed
	default:
		t.Allowed = tree.online
	}
	t.Allowed = t.Allowed.Intersect(t.Online)
	for _, c := range t.CPUs {
		for _, k := range c.Caches {
			if k.LineBytes > 0 && t.CacheLineBytes == 0 {
				t.CacheLineBytes = k.LineBytes
			}
		}
	}
	if t.CPUID.CacheLineBytes > 0 {
		t.CacheLineBytes = t.CPUID.CacheLineBytes
	}
}

// fromCPUID invents the plainest tree consistent with what cpuid and the
// affinity mask say: one package, one node, a core per CPU, private L1/L2
// and one shared L3.
func (t *Topology) fromCPUID(src Source) {
	t.Source = "cpuid"
	n := src.NumCPU
	if n <= 0 {
		n = runtime.NumCPU()
	}
	t.Online = CPURange(0, n-1)
	if !src.Allowed.IsEmpty() {
		t.Online = t.Online.Union(src.Allowed)
		t.Allowed = src.Allowed
	} else {
		t.Allowed = t.Online
	}
	t.Warnings = append(t.Warnings, "sysfs CPU tree not readable: CPU numbers from the affinity mask and runtime.NumCPU, one core per CPU, cache sizes from cpuid, L3 assumed shared by all")
	if t.CPUID.ThreadsPerCore > 1 {
		t.Warnings = append(t.Warnings, fmt.Sprintf("cpuid reports %d threads per core, but without sysfs the SMT twins are unknown", t.CPUID.ThreadsPerCore))
	}
	all := t.Online
	for _, c := range all.CPUs() {
		cpu := CPU{ID: c, Package: 0, Die: 0, Cluster: unknownID, Core: c, Node: 0, Siblings: NewCPUSet(c), ClusterCPUs: NewCPUSet(c)}
		add := func(level int, typ string, size int, cpus CPUSet) {
			if size > 0 {
				cpu.Caches = append(cpu.Caches, Cache{Level: level, Type: typ, SizeBytes: size, LineBytes: t.CPUID.CacheLineBytes, ID: unknownID, CPUs: cpus})
			}
		}
		add(1, "Data", t.CPUID.L1DBytes, NewCPUSet(c))
		add(1, "Instruction", t.CPUID.L1IBytes, NewCPUSet(c))
		add(2, "Unified", t.CPUID.L2Bytes, NewCPUSet(c))
		add(3, "Unified", t.CPUID.L3Bytes, all)
		t.CPUs = append(t.CPUs, cpu)
	}
	t.Nodes = []Node{{ID: 0, CPUs: all}}
	t.CacheLineBytes = t.CPUID.CacheLineBytes
}

// summarise fills the counts and the distinct cache list.
func (t *Topology) summarise() {
	if t.CacheLineBytes <= 0 {
		t.CacheLineBytes = 64
	}
	sort.Slice(t.CPUs, func(i, j int) bool { return t.CPUs[i].ID < t.CPUs[j].ID })
	pkgs := map[int]bool{}
	cores := map[[3]int]bool{}
	seen := map[string]bool{}
	for _, c := range t.CPUs {
		pkgs[c.Package] = true
		cores[coreKey(c)] = true
		if c.Siblings.Len() > 1 {
			t.SMT = true
		}
		for _, k := range c.Caches {
			key := fmt.Sprintf("%d/%s/%s", k.Level, k.Type, k.CPUs)
			if !seen[key] {
				seen[key] = true
				t.Caches = append(t.Caches, k)
			}
		}
	}
	t.Packages, t.Cores = len(pkgs), len(cores)
	sort.SliceStable(t.Caches, func(i, j int) bool {
		a, b := t.Caches[i], t.Caches[j]
		if a.Level != b.Level {
			return a.Level < b.Level
		}
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		return a.CPUs.First() < b.CPUs.First()
	})
}

// coreKey identifies a physical core: core_id repeats across packages and
// dies. A CPU without topology is its own core.
func coreKey(c CPU) [3]int {
	if c.Core == unknownID {
		return [3]int{-2, -2, c.ID}
	}
	return [3]int{c.Package, c.Die, c.Core}
}

// warn adds the advice a user should see before pinning anything.
func (t *Topology) warn() {
	if t.SMT {
		t.Warnings = append(t.Warnings, fmt.Sprintf("SMT is on (%d threads on %d cores): a spinning worker should own its whole core; the planner leaves its twin idle", len(t.CPUs), t.Cores))
	}
	if t.Isolated.IsEmpty() {
		t.Warnings = append(t.Warnings, "no isolated CPUs: the scheduler may run other tasks on the CPUs you pin to (isolcpus=, nohz_full=, or a k8s static CPU policy; see docs/tuning.md)")
	} else if out := t.Isolated.Minus(t.Allowed); !out.IsEmpty() {
		t.Warnings = append(t.Warnings, fmt.Sprintf("isolated CPUs %s are outside this process's affinity %s: start it with taskset -c %s", out, t.Allowed, t.Allowed.Union(t.Isolated)))
	}
	if !t.NohzFull.IsEmpty() && !t.NohzFull.SubsetOf(t.Isolated) {
		t.Warnings = append(t.Warnings, fmt.Sprintf("nohz_full CPUs %s are not all isolated: the tick stops only while one task runs there", t.NohzFull))
	}
	if !t.Allowed.Equal(t.Online) {
		t.Warnings = append(t.Warnings, fmt.Sprintf("this process may use %d of %d online CPUs (%s): a cgroup cpuset or taskset restricts it", t.Allowed.Len(), t.Online.Len(), t.Allowed))
	}
	if t.CPUID.VM {
		hv := t.CPUID.Hypervisor
		if hv == "" {
			hv = "unknown"
		}
		t.Warnings = append(t.Warnings, fmt.Sprintf("running under a hypervisor (%s): vCPUs can be descheduled by the host and SMT twins may be hidden; measure before trusting the tree", hv))
	}
	scaling := map[string][]int{}
	for _, c := range t.CPUs {
		if c.Governor != "" && c.Governor != "performance" {
			scaling[c.Governor] = append(scaling[c.Governor], c.ID)
		}
	}
	govs := make([]string, 0, len(scaling))
	for g := range scaling {
		govs = append(govs, g)
	}
	sort.Strings(govs)
	for _, g := range govs {
		t.Warnings = append(t.Warnings, fmt.Sprintf("frequency scaling visible: governor %q on CPUs %s (the 'performance' governor keeps clocks steady)", g, NewCPUSet(scaling[g]...)))
	}
	if t.CPUID.Vendor != "" && !t.CPUID.InvariantTSC && (t.CPUID.Vendor == "Intel" || t.CPUID.Vendor == "AMD") {
		t.Warnings = append(t.Warnings, "no invariant TSC reported: TSC-based clocks may drift with frequency changes")
	}
	var perf, eff []int
	for _, c := range t.CPUs {
		switch c.CoreType {
		case CorePerformance:
			perf = append(perf, c.ID)
		case CoreEfficiency:
			eff = append(eff, c.ID)
		}
	}
	if len(perf) > 0 && len(eff) > 0 {
		t.Warnings = append(t.Warnings, fmt.Sprintf("hybrid CPU: performance cores on %s, efficiency cores on %s; pin latency-critical spinners to performance cores", NewCPUSet(perf...), NewCPUSet(eff...)))
	}
}

// CPU returns the CPU numbered id.
func (t *Topology) CPU(id int) (CPU, bool) {
	i := sort.Search(len(t.CPUs), func(i int) bool { return t.CPUs[i].ID >= id })
	if i < len(t.CPUs) && t.CPUs[i].ID == id {
		return t.CPUs[i], true
	}
	return CPU{}, false
}

// Relation is how close two logical CPUs are: the nearest thing they share.
type Relation uint8

// Relations from nearest to farthest.
const (
	RelSameCPU Relation = iota // the same logical CPU
	RelSMT                     // SMT twins: one physical core
	RelL2                      // share an L2 (e.g. an E-core cluster)
	RelL3                      // share an L3 (a CCX, or a socket)
	RelNode                    // same NUMA node, no shared cache
	RelPackage                 // same socket, other node
	RelRemote                  // different sockets
)

var relationNames = [...]string{"same-cpu", "smt", "l2", "l3", "node", "package", "remote"}

// String names the relation ("smt", "l3", "remote", ...).
func (r Relation) String() string {
	if int(r) < len(relationNames) {
		return relationNames[r]
	}
	return fmt.Sprintf("Relation(%d)", uint8(r))
}

// MarshalText encodes the relation by name.
func (r Relation) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// Relation returns how close CPUs a and b are. Unknown CPUs are remote.
func (t *Topology) Relation(a, b int) Relation {
	if a == b {
		return RelSameCPU
	}
	ca, okA := t.CPU(a)
	cb, okB := t.CPU(b)
	switch {
	case !okA || !okB:
		return RelRemote
	case ca.Siblings.Contains(b):
		return RelSMT
	case t.sharesCache(ca, b, 2):
		return RelL2
	case t.sharesCache(ca, b, 3):
		return RelL3
	case ca.Node != unknownID && ca.Node == cb.Node:
		return RelNode
	case ca.Package == cb.Package:
		return RelPackage
	}
	return RelRemote
}

// sharesCache reports whether c shares a cache of the given level (3 means
// the last level: 3 or above) with CPU other.
func (t *Topology) sharesCache(c CPU, other, level int) bool {
	for _, k := range c.Caches {
		if (k.Level == level || (level == 3 && k.Level > 3)) && k.CPUs.Contains(other) {
			return true
		}
	}
	return false
}

// SharedCache returns the cache of the given level that CPUs a and b share.
func (t *Topology) SharedCache(a, b, level int) (Cache, bool) {
	c, ok := t.CPU(a)
	if !ok {
		return Cache{}, false
	}
	for _, k := range c.Caches {
		if k.Level == level && k.CPUs.Contains(b) {
			return k, true
		}
	}
	return Cache{}, false
}

// CoreCPUs returns the logical CPUs on cpu's physical core (itself
// included).
func (t *Topology) CoreCPUs(cpu int) CPUSet {
	c, ok := t.CPU(cpu)
	if !ok {
		return NewCPUSet(cpu)
	}
	return c.Siblings
}

// Summary is a one-line description such as
// "1 package, 2 cores, 2 CPUs (no SMT), 1 node, L3 32 MiB x1".
func (t *Topology) Summary() string {
	smt := "no SMT"
	if t.SMT {
		smt = "SMT"
	}
	var l3 []string
	counts := map[int]int{}
	for _, k := range t.Caches {
		if k.Level >= 3 {
			counts[k.SizeBytes]++
		}
	}
	for sz, n := range counts {
		l3 = append(l3, fmt.Sprintf("L3 %s x%d", FormatBytes(sz), n))
	}
	sort.Strings(l3)
	s := fmt.Sprintf("%s, %s, %d CPUs (%s), %s",
		plural(t.Packages, "package"), plural(t.Cores, "core"), len(t.CPUs), smt, plural(max(len(t.Nodes), 1), "node"))
	if len(l3) > 0 {
		s += ", " + strings.Join(l3, ", ")
	}
	return s
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// FormatBytes formats a cache size the way data sheets do ("48 KiB", "32 MiB").
func FormatBytes(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}
