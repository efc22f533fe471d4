package affinity

import (
	"encoding/json"
	"os"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The recorded trees in testdata/ (see testdata/README.md).
const (
	treeXeon   = "testdata/xeon-2s-smt"
	treeRyzen  = "testdata/amd-ryzen-2ccx"
	treeHybrid = "testdata/intel-hybrid-adl"
	treePod    = "testdata/k8s-pod-cpuset"
	treeKVM    = "testdata/kvm-epyc-2vcpu"
)

// cpuidFor returns fixed cpuid facts so that tests on recorded trees do not
// depend on the processor running them.
func cpuidFor(vendor string, vm bool) *CPUID {
	id := &CPUID{Vendor: vendor, Brand: vendor + " test part", CacheLineBytes: 64, InvariantTSC: true, RDTSCP: true, VM: vm}
	if vm {
		id.Hypervisor = "KVM"
	}
	return id
}

func loadTree(t testing.TB, dir string, id *CPUID) *Topology {
	t.Helper()
	topo, err := DetectFrom(Source{FS: os.DirFS(dir), CPUID: id})
	require.NoError(t, err, "DetectFrom(%s)", dir)
	return topo
}

func TestDetectRecordedTrees(t *testing.T) {
	tests := []struct {
		dir                 string
		id                  *CPUID
		cpus, cores, pkgs   int
		nodes, caches       int
		smt                 bool
		allowed, isolated   string
		nohz                string
		relations           map[[2]int]Relation
		warnings, noWarning []string
	}{
		{
			dir: treeXeon, id: cpuidFor("Intel", false),
			cpus: 16, cores: 8, pkgs: 2, nodes: 2, caches: 8*3 + 2, smt: true,
			allowed: "0-15", isolated: "4-7,12-15", nohz: "4-7,12-15",
			relations: map[[2]int]Relation{{0, 8}: RelSMT, {0, 1}: RelL3, {0, 4}: RelRemote, {5, 13}: RelSMT, {4, 15}: RelL3, {3, 3}: RelSameCPU},
			warnings:  []string{"SMT is on"}, noWarning: []string{"no isolated", "frequency scaling", "hypervisor", "may use"},
		},
		{
			dir: treeRyzen, id: cpuidFor("AMD", false),
			cpus: 16, cores: 8, pkgs: 1, nodes: 1, caches: 8*3 + 2, smt: true,
			allowed: "0-15", isolated: "", nohz: "",
			relations: map[[2]int]Relation{{0, 8}: RelSMT, {0, 3}: RelL3, {0, 11}: RelL3, {0, 4}: RelNode, {3, 12}: RelNode},
			warnings:  []string{"SMT is on", "no isolated CPUs", `governor "schedutil" on CPUs 0-15`},
		},
		{
			dir: treeHybrid, id: cpuidFor("Intel", false),
			cpus: 16, cores: 10, pkgs: 1, nodes: 1, caches: 6*3 + 4*2 + 1 + 1, smt: true,
			allowed: "0-15", isolated: "",
			relations: map[[2]int]Relation{{0, 1}: RelSMT, {12, 13}: RelL2, {12, 15}: RelL2, {0, 12}: RelL3, {0, 2}: RelL3},
			warnings:  []string{"hybrid CPU: performance cores on 0-11, efficiency cores on 12-15", `governor "powersave"`},
		},
		{
			dir: treePod, id: cpuidFor("Intel", true),
			cpus: 8, cores: 4, pkgs: 1, nodes: 1, caches: 4*3 + 1, smt: true,
			allowed: "2-3,6-7", isolated: "",
			relations: map[[2]int]Relation{{2, 6}: RelSMT, {2, 3}: RelL3},
			warnings:  []string{"may use 4 of 8 online CPUs (2-3,6-7)", "hypervisor (KVM)", "no isolated CPUs"},
			noWarning: []string{"frequency scaling"},
		},
		{
			dir: treeKVM, id: cpuidFor("AMD", true),
			cpus: 2, cores: 2, pkgs: 1, nodes: 1, caches: 2*3 + 1, smt: false,
			allowed: "0-1", isolated: "",
			relations: map[[2]int]Relation{{0, 1}: RelL3},
			warnings:  []string{"hypervisor", "no isolated CPUs"}, noWarning: []string{"SMT is on"},
		},
	}
	for _, tt := range tests {
		t.Run(strings.TrimPrefix(tt.dir, "testdata/"), func(t *testing.T) {
			topo := loadTree(t, tt.dir, tt.id)
			assert.Equal(t, "sysfs", topo.Source)
			assert.Equal(t, 64, topo.CacheLineBytes)
			assert.Len(t, topo.CPUs, tt.cpus)
			assert.Equal(t, tt.cores, topo.Cores, "cores")
			assert.Equal(t, tt.pkgs, topo.Packages, "packages")
			assert.Len(t, topo.Nodes, tt.nodes)
			assert.Len(t, topo.Caches, tt.caches, "distinct caches")
			assert.Equal(t, tt.smt, topo.SMT)
			assert.Equal(t, tt.allowed, topo.Allowed.String(), "allowed")
			assert.Equal(t, tt.isolated, topo.Isolated.String(), "isolated")
			assert.Equal(t, tt.nohz, topo.NohzFull.String(), "nohz_full")
			for pair, want := range tt.relations {
				got := topo.Relation(pair[0], pair[1])
				assert.Equal(t, want, got, "Relation(%d, %d) = %v, want %v", pair[0], pair[1], got, want)
				assert.Equal(t, got, topo.Relation(pair[1], pair[0]), "Relation is symmetric")
			}
			all := strings.Join(topo.Warnings, "\n")
			for _, w := range tt.warnings {
				assert.Contains(t, all, w)
			}
			for _, w := range tt.noWarning {
				assert.NotContains(t, all, w)
			}
			for _, c := range topo.CPUs {
				assert.True(t, c.Siblings.Contains(c.ID), "cpu %d is its own sibling", c.ID)
				assert.NotEmpty(t, c.Caches, "cpu %d caches", c.ID)
				for _, k := range c.Caches {
					assert.True(t, k.CPUs.Contains(c.ID), "cpu %d in its L%d's shared list", c.ID, k.Level)
					assert.Positive(t, k.SizeBytes)
				}
			}
		})
	}
}

func TestDetectDetails(t *testing.T) {
	x := loadTree(t, treeXeon, cpuidFor("Intel", false))
	c4, ok := x.CPU(4)
	require.True(t, ok)
	assert.Equal(t, CPU{ID: 4, Package: 1, Die: 0, Cluster: 32, Core: 0, Node: 1,
		Siblings: MustParseCPUList("4,12"), ClusterCPUs: MustParseCPUList("4,12"), Governor: "performance",
		Caches: []Cache{
			{Level: 1, Type: "Data", SizeBytes: 32 << 10, LineBytes: 64, ID: 0, CPUs: MustParseCPUList("4,12")},
			{Level: 1, Type: "Instruction", SizeBytes: 32 << 10, LineBytes: 64, ID: 0, CPUs: MustParseCPUList("4,12")},
			{Level: 2, Type: "Unified", SizeBytes: 256 << 10, LineBytes: 64, ID: 0, CPUs: MustParseCPUList("4,12")},
			{Level: 3, Type: "Unified", SizeBytes: 15360 << 10, LineBytes: 64, ID: 1, CPUs: MustParseCPUList("4-7,12-15")},
		}}, c4)
	l3, ok := x.SharedCache(5, 14, 3)
	require.True(t, ok)
	assert.Equal(t, "4-7,12-15", l3.CPUs.String())
	_, ok = x.SharedCache(0, 4, 3)
	assert.False(t, ok)
	assert.Equal(t, "1,9", x.CoreCPUs(9).String())
	assert.Equal(t, "2 packages, 8 cores, 16 CPUs (SMT), 2 nodes, L3 15 MiB x2", x.Summary())

	h := loadTree(t, treeHybrid, cpuidFor("Intel", false))
	c0, _ := h.CPU(0)
	c13, _ := h.CPU(13)
	assert.Equal(t, CorePerformance, c0.CoreType)
	assert.Equal(t, CoreEfficiency, c13.CoreType)
	assert.Equal(t, "12-15", c13.ClusterCPUs.String())

	r := loadTree(t, treeRyzen, cpuidFor("AMD", false))
	c0, _ = r.CPU(0)
	assert.Equal(t, -1, c0.Cluster, "cluster_id 65535 means no cluster")

	p := loadTree(t, treePod, cpuidFor("Intel", true))
	require.NotNil(t, p.CgroupCPUs)
	assert.Equal(t, "2-3,6-7", p.CgroupCPUs.String())
}

func TestDetectAllowedOverride(t *testing.T) {
	// A process started without taskset on an isolcpus machine gets the
	// housekeeping CPUs only: the planner must not count on isolated ones.
	topo, err := DetectFrom(Source{FS: os.DirFS(treeXeon), CPUID: cpuidFor("Intel", false), Allowed: MustParseCPUList("0-3,8-11")})
	require.NoError(t, err)
	assert.Equal(t, "0-3,8-11", topo.Allowed.String())
	assert.Contains(t, strings.Join(topo.Warnings, "\n"), "isolated CPUs 4-7,12-15 are outside this process's affinity 0-3,8-11: start it with taskset -c 0-15")
}

func TestDetectDegraded(t *testing.T) {
	id := &CPUID{Vendor: "AMD", CacheLineBytes: 64, L1DBytes: 32 << 10, L1IBytes: 32 << 10, L2Bytes: 1 << 20, L3Bytes: 32 << 20, InvariantTSC: true, ThreadsPerCore: 2}
	for _, src := range []Source{
		{CPUID: id, NumCPU: 4},
		{FS: fstest.MapFS{}, CPUID: id, NumCPU: 4},
		{FS: fstest.MapFS{"proc/self/status": {Data: []byte("Cpus_allowed_list:\t0-1\n")}}, CPUID: id, NumCPU: 4},
	} {
		topo, err := DetectFrom(src)
		require.NoError(t, err)
		assert.Equal(t, "cpuid", topo.Source)
		assert.Len(t, topo.CPUs, 4)
		assert.Equal(t, "0-3", topo.Allowed.String())
		assert.Equal(t, 4, topo.Cores)
		all := strings.Join(topo.Warnings, "\n")
		assert.Contains(t, all, "sysfs CPU tree not readable")
		assert.Contains(t, all, "2 threads per core")
		assert.Equal(t, RelL3, topo.Relation(0, 3))
		assert.Len(t, topo.Caches, 3*4+1)
	}
	topo, err := DetectFrom(Source{CPUID: &CPUID{}, NumCPU: 2, Allowed: NewCPUSet(1)})
	require.NoError(t, err)
	assert.Equal(t, "1", topo.Allowed.String())
	assert.Equal(t, 64, topo.CacheLineBytes, "default line size")
}

func TestDetectMalformed(t *testing.T) {
	base := fstest.MapFS{
		"sys/devices/system/cpu/online":                              {Data: []byte("0-1\n")},
		"sys/devices/system/cpu/cpu0/topology/core_id":               {Data: []byte("0\n")},
		"sys/devices/system/cpu/cpu0/cache/index0/level":             {Data: []byte("1\n")},
		"sys/devices/system/cpu/cpu0/cache/index0/shared_cpu_list":   {Data: []byte("0\n")},
		"sys/devices/system/cpu/cpu0/cache/index0/size":              {Data: []byte("32K\n")},
		"sys/devices/system/cpu/cpu0/cache/index0/coherency_line_sz": {Data: []byte("x\n")},
	}
	topo, err := DetectFrom(Source{FS: base, CPUID: &CPUID{}})
	require.NoError(t, err)
	assert.Len(t, topo.CPUs, 2)
	assert.Contains(t, strings.Join(topo.Warnings, "\n"), "no sysfs topology for CPUs 1")

	for file, data := range map[string]string{
		"sys/devices/system/cpu/online":                            "0-x",
		"sys/devices/system/cpu/cpu0/topology/core_id":             "zero",
		"sys/devices/system/cpu/cpu0/cache/index0/shared_cpu_list": "0-",
		"sys/devices/system/cpu/cpu0/cache/index0/size":            "32Q",
		"sys/devices/system/cpu/isolated":                          "1-0",
		"sys/devices/system/node/node0/cpulist":                    "a",
		"proc/self/status":                                         "Cpus_allowed_list:\t9-3\n",
	} {
		fsys := fstest.MapFS{}
		for k, v := range base {
			fsys[k] = v
		}
		fsys[file] = &fstest.MapFile{Data: []byte(data)}
		_, err := DetectFrom(Source{FS: fsys, CPUID: &CPUID{}})
		require.Error(t, err, "corrupt %s", file)
		assert.Contains(t, err.Error(), file, "the error names the file")
	}
}

func TestDetectLive(t *testing.T) {
	topo, err := Detect()
	require.NoError(t, err)
	assert.Equal(t, 64, topo.CacheLineBytes)
	assert.False(t, topo.Allowed.IsEmpty())
	assert.NotEmpty(t, topo.CPUs)
	if runtime.GOOS == "linux" {
		assert.Equal(t, "sysfs", topo.Source)
		assert.Equal(t, runtime.NumCPU(), topo.Allowed.Len(), "allowed = the affinity mask runtime.NumCPU counts")
	}
	data, err := json.Marshal(topo)
	require.NoError(t, err)
	var back map[string]any
	require.NoError(t, json.Unmarshal(data, &back))
	assert.EqualValues(t, 64, back["cache_line_bytes"])
}

func TestRelationString(t *testing.T) {
	assert.Equal(t, "smt", RelSMT.String())
	assert.Equal(t, "remote", RelRemote.String())
	assert.Equal(t, "Relation(42)", Relation(42).String())
	assert.Equal(t, "48 KiB", FormatBytes(48<<10))
	assert.Equal(t, "2 MiB", FormatBytes(2<<20))
	assert.Equal(t, "100 B", FormatBytes(100))
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"32K", "1024K", "2M", "512", "", "K", "-1K", "99999999999G"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseSize(s)
		if err == nil && v < 0 {
			t.Fatalf("parseSize(%q) = %d", s, v)
		}
	})
}

func FuzzParseStatusAllowed(f *testing.F) {
	f.Add("Name:\tx\nCpus_allowed:\t3\nCpus_allowed_list:\t0-1\n")
	f.Add("Cpus_allowed_list:")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		set, ok, err := parseStatusAllowed(s)
		if err != nil && ok {
			t.Fatalf("error and ok for %q", s)
		}
		if !ok && !set.IsEmpty() {
			t.Fatalf("set without ok for %q", s)
		}
	})
}
