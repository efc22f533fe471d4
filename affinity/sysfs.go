package affinity

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// The sysfs and procfs paths DetectFrom reads, relative to the root of the
// fs.FS it is given (os.DirFS("/") on a live system). Nothing else is read;
// the recorded trees in testdata/ hold exactly these files.
const (
	sysCPU       = "sys/devices/system/cpu"
	sysNode      = "sys/devices/system/node"
	sysCoreCPUs  = "sys/devices/cpu_core/cpus" // Intel hybrid: performance cores
	sysAtomCPUs  = "sys/devices/cpu_atom/cpus" // Intel hybrid: efficiency cores
	procStatus   = "proc/self/status"          // Cpus_allowed_list
	cgroup2CPUs  = "sys/fs/cgroup/cpuset.cpus.effective"
	cgroup1CPUs  = "sys/fs/cgroup/cpuset/cpuset.effective_cpus"
	nullCPUList  = "(null)" // what older kernels print for an empty nohz_full mask
	unknownID    = -1
	noClusterID  = 65535 // cluster_id on kernels/architectures without clusters
	maxCacheLeaf = 16
)

// errNoSysfs marks a file system without sys/devices/system/cpu/online.
var errNoSysfs = errors.New("affinity: no sysfs cpu tree")

// sysfsTree is what readSysfs found; a CPU without a topology directory
// keeps unknownID fields.
type sysfsTree struct {
	online, isolated, nohzFull CPUSet
	perfCPUs, effCPUs          CPUSet
	cgroupCPUs                 CPUSet
	statusAllowed              CPUSet
	hasStatus, hasCgroup       bool
	cpus                       []CPU
	nodes                      []Node
	warnings                   []string
}

// readSysfs reads the CPU tree under fsys. It returns errNoSysfs when the
// tree is absent and a wrapped parse error naming the file when a file is
// present but malformed.
func readSysfs(fsys fs.FS) (*sysfsTree, error) {
	online, ok, err := readList(fsys, sysCPU+"/online")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errNoSysfs
	}
	t := &sysfsTree{online: online}
	if t.isolated, _, err = readList(fsys, sysCPU+"/isolated"); err != nil {
		return nil, err
	}
	if t.nohzFull, _, err = readList(fsys, sysCPU+"/nohz_full"); err != nil {
		return nil, err
	}
	if t.perfCPUs, _, err = readList(fsys, sysCoreCPUs); err != nil {
		return nil, err
	}
	if t.effCPUs, _, err = readList(fsys, sysAtomCPUs); err != nil {
		return nil, err
	}
	for _, p := range []string{cgroup2CPUs, cgroup1CPUs} {
		s, ok, err := readList(fsys, p)
		if err != nil {
			return nil, err
		}
		if ok {
			t.cgroupCPUs, t.hasCgroup = s, true
			break
		}
	}
	if data, err := fs.ReadFile(fsys, procStatus); err == nil {
		s, ok, err := parseStatusAllowed(string(data))
		if err != nil {
			return nil, fmt.Errorf("affinity: %s: %w", procStatus, err)
		}
		t.statusAllowed, t.hasStatus = s, ok
	}
	if t.nodes, err = readNodes(fsys); err != nil {
		return nil, err
	}
	nodeOf := map[int]int{}
	for _, n := range t.nodes {
		for _, c := range n.CPUs.CPUs() {
			nodeOf[c] = n.ID
		}
	}
	var missingTopo []int
	for _, id := range online.CPUs() {
		c, hasTopo, err := readCPU(fsys, id)
		if err != nil {
			return nil, err
		}
		if !hasTopo {
			missingTopo = append(missingTopo, id)
		}
		c.Node = unknownID
		if n, ok := nodeOf[id]; ok {
			c.Node = n
		}
		switch {
		case t.perfCPUs.Contains(id):
			c.CoreType = CorePerformance
		case t.effCPUs.Contains(id):
			c.CoreType = CoreEfficiency
		}
		t.cpus = append(t.cpus, c)
	}
	if len(missingTopo) > 0 {
		t.warnings = append(t.warnings, fmt.Sprintf("no sysfs topology for CPUs %s: each is taken as its own core", NewCPUSet(missingTopo...)))
	}
	return t, nil
}

// readCPU reads cpuN's topology, caches and frequency governor.
func readCPU(fsys fs.FS, id int) (CPU, bool, error) {
	dir := fmt.Sprintf("%s/cpu%d", sysCPU, id)
	c := CPU{ID: id, Package: unknownID, Die: unknownID, Cluster: unknownID, Core: unknownID, Siblings: NewCPUSet(id)}
	hasTopo := false
	for _, f := range []struct {
		name string
		dst  *int
	}{
		{"physical_package_id", &c.Package},
		{"die_id", &c.Die},
		{"cluster_id", &c.Cluster},
		{"core_id", &c.Core},
	} {
		v, ok, err := readInt(fsys, dir+"/topology/"+f.name)
		if err != nil {
			return c, false, err
		}
		if ok {
			*f.dst = v
			hasTopo = true
		}
	}
	if c.Cluster == noClusterID {
		c.Cluster = unknownID
	}
	sib, ok, err := readList(fsys, dir+"/topology/thread_siblings_list")
	if err != nil {
		return c, false, err
	}
	if ok && !sib.IsEmpty() {
		c.Siblings = sib.Add(id)
	}
	if c.ClusterCPUs, _, err = readList(fsys, dir+"/topology/cluster_cpus_list"); err != nil {
		return c, false, err
	}
	if c.Caches, err = readCaches(fsys, dir+"/cache", id); err != nil {
		return c, false, err
	}
	if g, ok, err := readString(fsys, dir+"/cpufreq/scaling_governor"); err != nil {
		return c, false, err
	} else if ok {
		c.Governor = g
	}
	return c, hasTopo, nil
}

// readCaches reads cache/index0 .. index15 until the first missing one.
func readCaches(fsys fs.FS, dir string, id int) ([]Cache, error) {
	var out []Cache
	for i := 0; i < maxCacheLeaf; i++ {
		d := fmt.Sprintf("%s/index%d", dir, i)
		level, ok, err := readInt(fsys, d+"/level")
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		k := Cache{Level: level, ID: unknownID}
		if k.Type, _, err = readString(fsys, d+"/type"); err != nil {
			return nil, err
		}
		if s, ok, err := readString(fsys, d+"/size"); err != nil {
			return nil, err
		} else if ok {
			if k.SizeBytes, err = parseSize(s); err != nil {
				return nil, fmt.Errorf("affinity: %s/size: %w", d, err)
			}
		}
		if v, ok, err := readInt(fsys, d+"/coherency_line_size"); err != nil {
			return nil, err
		} else if ok {
			k.LineBytes = v
		}
		if v, ok, err := readInt(fsys, d+"/id"); err != nil {
			return nil, err
		} else if ok {
			k.ID = v
		}
		shared, ok, err := readList(fsys, d+"/shared_cpu_list")
		if err != nil {
			return nil, err
		}
		if !ok || shared.IsEmpty() {
			shared = NewCPUSet(id)
		}
		k.CPUs = shared.Add(id)
		out = append(out, k)
	}
	return out, nil
}

// readNodes reads sys/devices/system/node/node*/cpulist, ordered by node.
func readNodes(fsys fs.FS) ([]Node, error) {
	ents, err := fs.ReadDir(fsys, sysNode)
	if err != nil {
		return nil, nil // no NUMA information: callers treat CPUs as node-less
	}
	var nodes []Node
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, "node") {
			continue
		}
		id, err := strconv.Atoi(name[len("node"):])
		if err != nil || id < 0 {
			continue
		}
		cpus, ok, err := readList(fsys, path.Join(sysNode, name, "cpulist"))
		if err != nil {
			return nil, err
		}
		if ok {
			nodes = append(nodes, Node{ID: id, CPUs: cpus})
		}
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].ID < nodes[j].ID })
	return nodes, nil
}

// readString returns the trimmed content of name; ok is false when the
// file does not exist.
func readString(fsys fs.FS, name string) (string, bool, error) {
	data, err := fs.ReadFile(fsys, name)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("affinity: %s: %w", name, err)
	}
	return strings.TrimSpace(string(data)), true, nil
}

func readInt(fsys fs.FS, name string) (int, bool, error) {
	s, ok, err := readString(fsys, name)
	if err != nil || !ok {
		return 0, ok, err
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, false, fmt.Errorf("affinity: %s: bad number %q", name, s)
	}
	return v, true, nil
}

func readList(fsys fs.FS, name string) (CPUSet, bool, error) {
	s, ok, err := readString(fsys, name)
	if err != nil || !ok {
		return CPUSet{}, ok, err
	}
	if s == nullCPUList {
		return CPUSet{}, true, nil
	}
	set, err := ParseCPUList(s)
	if err != nil {
		return CPUSet{}, false, fmt.Errorf("affinity: %s: %w", name, err)
	}
	return set, true, nil
}

// parseSize parses a sysfs cache size ("32K", "1024K", "2M", "512").
func parseSize(s string) (int, error) {
	s = strings.TrimSpace(s)
	mult := 1
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 'K', 'k':
			mult, s = 1<<10, s[:n-1]
		case 'M', 'm':
			mult, s = 1<<20, s[:n-1]
		case 'G', 'g':
			mult, s = 1<<30, s[:n-1]
		}
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < 0 || v > (1<<40)/mult {
		return 0, fmt.Errorf("bad cache size %q", s)
	}
	return v * mult, nil
}

// parseStatusAllowed finds Cpus_allowed_list in /proc/<pid>/status text.
func parseStatusAllowed(text string) (CPUSet, bool, error) {
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		k, v, found := strings.Cut(sc.Text(), ":")
		if !found || strings.TrimSpace(k) != "Cpus_allowed_list" {
			continue
		}
		s, err := ParseCPUList(v)
		if err != nil {
			return CPUSet{}, false, err
		}
		return s, true, nil
	}
	return CPUSet{}, false, nil
}
