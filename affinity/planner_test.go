package affinity

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chain returns threads t[0] -> t[1] -> ... joined by rings.
func chain(spin bool, names ...string) Graph {
	var g Graph
	for i, n := range names {
		g.Threads = append(g.Threads, Thread{Name: n, Spin: spin})
		if i > 0 {
			g.Rings = append(g.Rings, Ring{From: names[i-1], To: n})
		}
	}
	return g
}

// feedWorkerGateway is the engine's usual shape: a blocking feed, a
// spinning worker, a blocking order gateway.
func feedWorkerGateway() Graph {
	return Graph{
		Threads: []Thread{{Name: "feed"}, {Name: "worker", Spin: true}, {Name: "gateway"}},
		Rings:   []Ring{{Name: "md", From: "feed", To: "worker"}, {Name: "orders", From: "worker", To: "gateway"}},
	}
}

type decision struct {
	thread   string
	cpu      int
	strategy Strategy
	idle     string
}

func TestPlaceDecisions(t *testing.T) {
	spread := chain(true, "a", "b")
	spread.Threads[1].Strategies = []Strategy{DifferentSocket}
	tests := []struct {
		name string
		tree string
		g    Graph
		cfg  PlanConfig
		pool string
		want []decision
	}{
		{"xeon/isolated/spinning pair", treeXeon, chain(true, "feed", "worker"), PlanConfig{}, "4-7,12-15",
			[]decision{{"feed", 4, 0, "12"}, {"worker", 5, SameL3, "13"}}},
		{"xeon/isolated/blocking pair shares a core", treeXeon, chain(false, "feed", "worker"), PlanConfig{}, "4-7,12-15",
			[]decision{{"feed", 4, 0, ""}, {"worker", 12, SameCore, ""}}},
		{"xeon/different-socket on request", treeXeon, spread, PlanConfig{Reserved: MustParseCPUList("1-7,9-15")}, "1-7,9-15",
			[]decision{{"a", 1, 0, "9"}, {"b", 4, DifferentSocket, "12"}}},
		{"xeon/shared cores puts spinners on twins", treeXeon, chain(true, "a", "b", "c"), PlanConfig{SharedCores: true}, "4-7,12-15",
			[]decision{{"a", 4, 0, ""}, {"b", 12, SameCore, ""}, {"c", 5, SameL3, ""}}},
		{"xeon/feed-worker-gateway", treeXeon, feedWorkerGateway(), PlanConfig{}, "4-7,12-15",
			[]decision{{"feed", 5, SameL3, ""}, {"worker", 4, 0, "12"}, {"gateway", 13, SameL3, ""}}},
		{"ryzen/five spinners fill one CCX, then the next", treeRyzen, chain(true, "a", "b", "c", "d", "e"), PlanConfig{}, "1-15",
			[]decision{{"a", 1, 0, "9"}, {"b", 2, SameL3, "10"}, {"c", 3, SameL3, "11"}, {"d", 4, SameNode, "12"}, {"e", 5, SameL3, "13"}}},
		{"ryzen/feed-worker-gateway", treeRyzen, feedWorkerGateway(), PlanConfig{}, "1-15",
			[]decision{{"feed", 8, SameL3, ""}, {"worker", 1, 0, "9"}, {"gateway", 2, SameL3, ""}}},
		{"ryzen/excluded CPUs and CPU 0's twin avoided", treeRyzen, chain(true, "a", "b"), PlanConfig{Exclude: MustParseCPUList("1-3,9-11")}, "4-8,12-15",
			[]decision{{"a", 4, 0, "12"}, {"b", 5, SameL3, "13"}}},
		{"ryzen/CPU 0 allowed when told", treeRyzen, chain(true, "a"), PlanConfig{AllowCPU0: true}, "0-15",
			[]decision{{"a", 0, 0, "8"}}},
		{"hybrid/spinners on performance cores", treeHybrid, chain(true, "feed", "worker"), PlanConfig{}, "1-15",
			[]decision{{"feed", 2, 0, "3"}, {"worker", 4, SameL3, "5"}}},
		{"hybrid/blocking pair shares an E-core L2", treeHybrid, chain(false, "feed", "worker"), PlanConfig{}, "1-15",
			[]decision{{"feed", 12, 0, ""}, {"worker", 13, SameL2, ""}}},
		{"hybrid/feed-worker-gateway", treeHybrid, feedWorkerGateway(), PlanConfig{}, "1-15",
			[]decision{{"feed", 12, SameL3, ""}, {"worker", 2, 0, "3"}, {"gateway", 13, SameL3, ""}}},
		{"pod/spinning pair takes both cores", treePod, chain(true, "feed", "worker"), PlanConfig{}, "2-3,6-7",
			[]decision{{"feed", 2, 0, "6"}, {"worker", 3, SameL3, "7"}}},
		{"pod/blocking pair shares a core", treePod, chain(false, "feed", "worker"), PlanConfig{}, "2-3,6-7",
			[]decision{{"feed", 2, 0, ""}, {"worker", 6, SameCore, ""}}},
		{"kvm/CPU 0 allowed", treeKVM, chain(true, "feed", "worker"), PlanConfig{AllowCPU0: true}, "0-1",
			[]decision{{"feed", 0, 0, ""}, {"worker", 1, SameL3, ""}}},
		{"kvm/out of CPUs, blocking threads float", treeKVM, chain(false, "feed", "worker", "gateway"), PlanConfig{}, "1",
			[]decision{{"feed", 1, 0, ""}, {"worker", -1, 0, ""}, {"gateway", -1, 0, ""}}},
		{"disconnected groups", treeRyzen, Graph{Threads: []Thread{{Name: "x", Spin: true}, {Name: "y", Spin: true}}}, PlanConfig{}, "1-15",
			[]decision{{"x", 1, 0, "9"}, {"y", 2, 0, "10"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			topo := loadTree(t, tt.tree, cpuidFor("Intel", false))
			plan, err := Place(topo, tt.g, tt.cfg)
			require.NoError(t, err)
			assert.Equal(t, tt.pool, plan.Pool.String(), "pool")
			require.Len(t, plan.Assignments, len(tt.want))
			for i, w := range tt.want {
				a := plan.Assignments[i]
				assert.Equal(t, w.thread, a.Thread)
				assert.Equal(t, w.cpu, a.CPU, "%s: cpu = %d, want %d (%s)", w.thread, a.CPU, w.cpu, a.Reason)
				assert.Equal(t, w.strategy, a.Strategy, "%s: strategy = %v, want %v (%s)", w.thread, a.Strategy, w.strategy, a.Reason)
				assert.Equal(t, w.idle, a.IdleTwins.String(), "%s: idle twins", w.thread)
				assert.NotEmpty(t, a.Reason)
				cpu, ok := plan.CPUOf(w.thread)
				assert.True(t, ok)
				assert.Equal(t, w.cpu, cpu)
			}
			checkPlanInvariants(t, topo, tt.g, plan, !tt.cfg.SharedCores)
		})
	}
}

func TestPlaceReasons(t *testing.T) {
	topo := loadTree(t, treeRyzen, cpuidFor("AMD", false))
	plan, err := Place(topo, chain(true, "a", "b", "c", "d"), PlanConfig{})
	require.NoError(t, err)
	assert.Equal(t, "core 1, the best free CPU (nothing placed near it yet); spins: whole core, twin 9 left idle", plan.Assignments[0].Reason)
	assert.Equal(t, `core 2, same-l3 as "a" (cpu 1): sharing a 16 MiB L3 with CPUs 0-3,8-11 (nothing free for same-core, same-l2); spins: whole core, twin 10 left idle`, plan.Assignments[1].Reason)
	assert.Equal(t, `core 4, same-node as "c" (cpu 3): same NUMA node, no shared cache (nothing free for same-core, same-l2, same-l3); spins: whole core, twin 12 left idle`, plan.Assignments[3].Reason)

	var b strings.Builder
	require.NoError(t, plan.WriteText(&b))
	assert.Contains(t, b.String(), "pool 1-15 (allowed CPUs; none isolated, CPU 0 kept for the kernel)\n")
	assert.Contains(t, b.String(), "free 5-8,13-15\n")
}

func TestPlaceLastResortTwinOutsidePool(t *testing.T) {
	// Only core 0 (CPUs 0 and 8) has room, and CPU 0 is not ours: the
	// spinner takes CPU 8 and says that its twin is not idle.
	topo := loadTree(t, treeRyzen, cpuidFor("AMD", false))
	plan, err := Place(topo, chain(true, "a"), PlanConfig{Exclude: MustParseCPUList("1-7,9-15")})
	require.NoError(t, err)
	assert.Equal(t, 8, plan.Assignments[0].CPU)
	assert.Contains(t, plan.Assignments[0].Reason, "no whole core left: twin 0 is outside the pool")
}

func TestPlaceErrors(t *testing.T) {
	xeon := loadTree(t, treeXeon, cpuidFor("Intel", false))
	pod := loadTree(t, treePod, cpuidFor("Intel", true))
	kvm := loadTree(t, treeKVM, cpuidFor("AMD", true))
	tests := []struct {
		name string
		topo *Topology
		g    Graph
		cfg  PlanConfig
		err  error
		msg  string
	}{
		{"five spinners on four isolated cores", xeon, chain(true, "a", "b", "c", "d", "e"), PlanConfig{}, ErrNoFreeCPU, `spinning thread "e" needs a whole core`},
		{"three spinners in a two-core pod", pod, chain(true, "a", "b", "c"), PlanConfig{}, ErrNoFreeCPU, `"c"`},
		{"spinner without CPU 0 on two vCPUs", kvm, chain(true, "a", "b"), PlanConfig{}, ErrNoFreeCPU, `"b" needs a whole core and the pool 1 has none left`},
		{"reserved outside the cpuset", pod, chain(true, "a"), PlanConfig{Reserved: MustParseCPUList("0-3")}, ErrBadPool, "CPUs 0-1 are not in the allowed set 2-3,6-7"},
		{"everything excluded", pod, chain(true, "a"), PlanConfig{Exclude: MustParseCPUList("0-7")}, ErrBadPool, "nothing left"},
		{"unnamed thread", pod, Graph{Threads: []Thread{{}}}, PlanConfig{}, ErrBadGraph, "thread 0 has no name"},
		{"duplicate thread", pod, Graph{Threads: []Thread{{Name: "a"}, {Name: "a"}}}, PlanConfig{}, ErrBadGraph, `"a" declared twice`},
		{"ring to nowhere", pod, Graph{Threads: []Thread{{Name: "a"}}, Rings: []Ring{{Name: "r", From: "a", To: "b"}}}, PlanConfig{}, ErrBadGraph, `to unknown thread "b"`},
		{"ring from nowhere", pod, Graph{Threads: []Thread{{Name: "a"}}, Rings: []Ring{{From: "b", To: "a"}}}, PlanConfig{}, ErrBadGraph, `from unknown thread "b"`},
		{"ring loop", pod, Graph{Threads: []Thread{{Name: "a"}}, Rings: []Ring{{From: "a", To: "a"}}}, PlanConfig{}, ErrBadGraph, "loops"},
		{"bad strategy", pod, Graph{Threads: []Thread{{Name: "a", Strategies: []Strategy{42}}}}, PlanConfig{}, ErrBadGraph, "invalid strategy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Place(tt.topo, tt.g, tt.cfg)
			require.ErrorIs(t, err, tt.err)
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
}

// checkPlanInvariants holds for every plan: CPUs in the pool, no logical
// CPU shared, spinners' idle twins unused, Free = pool minus the rest.
func checkPlanInvariants(t *testing.T, topo *Topology, g Graph, plan *Plan, whole bool) {
	t.Helper()
	used := map[int]string{}
	idle := CPUSet{}
	for _, a := range plan.Assignments {
		if a.CPU < 0 {
			require.False(t, a.Spin, "spinner %s unpinned", a.Thread)
			continue
		}
		require.True(t, plan.Pool.Contains(a.CPU), "%s on %d outside pool %s", a.Thread, a.CPU, plan.Pool)
		prev, dup := used[a.CPU]
		require.False(t, dup, "%s and %s share cpu %d", prev, a.Thread, a.CPU)
		used[a.CPU] = a.Thread
		idle = idle.Union(a.IdleTwins)
		if a.Spin && whole {
			twins := topo.CoreCPUs(a.CPU).Remove(a.CPU).Intersect(plan.Pool)
			require.True(t, twins.Equal(a.IdleTwins), "%s: twins %s, idle %s", a.Thread, twins, a.IdleTwins)
		}
	}
	for c := range used {
		require.False(t, idle.Contains(c), "cpu %d both used and idle", c)
	}
	free := plan.Pool.Minus(idle)
	for c := range used {
		free = free.Remove(c)
	}
	require.Equal(t, free.String(), plan.Free.String())
	_ = g
}

func TestPlaceInvariantsOnRandomGraphs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tree := range []string{treeXeon, treeRyzen, treeHybrid, treePod, treeKVM} {
		topo := loadTree(t, tree, cpuidFor("Intel", false))
		for i := 0; i < 200; i++ {
			var g Graph
			n := 1 + rng.IntN(10)
			for j := 0; j < n; j++ {
				g.Threads = append(g.Threads, Thread{Name: fmt.Sprintf("t%d", j), Spin: rng.IntN(3) == 0})
			}
			for j := 0; j < rng.IntN(2*n); j++ {
				a, b := rng.IntN(n), rng.IntN(n)
				if a != b {
					g.Rings = append(g.Rings, Ring{From: g.Threads[a].Name, To: g.Threads[b].Name})
				}
			}
			cfg := PlanConfig{SharedCores: rng.IntN(4) == 0, AllowCPU0: rng.IntN(2) == 0}
			plan, err := Place(topo, g, cfg)
			if err != nil {
				require.ErrorIs(t, err, ErrNoFreeCPU, "%s graph %d", tree, i)
				continue
			}
			checkPlanInvariants(t, topo, g, plan, !cfg.SharedCores)
			again, err := Place(topo, g, cfg)
			require.NoError(t, err)
			require.Equal(t, plan, again, "deterministic")
		}
	}
}

func TestAlternatives(t *testing.T) {
	topo := loadTree(t, treeRyzen, cpuidFor("AMD", false))
	alts := Alternatives(topo, chain(true, "feed", "worker"), PlanConfig{})
	var names []string
	for _, a := range alts {
		names = append(names, a.Name)
		assert.Empty(t, a.Err, a.Name)
		require.NotNil(t, a.Plan, a.Name)
	}
	assert.Equal(t, []string{"planned", "one-l3", "spread", "shared-cores", "unpinned"}, names)
	cpu := func(i int, th string) int { c, _ := alts[i].Plan.CPUOf(th); return c }
	assert.Equal(t, []int{1, 2}, []int{cpu(0, "feed"), cpu(0, "worker")})
	assert.Equal(t, []int{4, 5}, []int{cpu(1, "feed"), cpu(1, "worker")}, "one-l3: the CCX with most pool CPUs (CCX 0 lost CPU 0)")
	assert.Equal(t, []int{1, 2}, []int{cpu(2, "feed"), cpu(2, "worker")}, "spread: one socket here, so a different core")
	assert.Equal(t, []int{1, 9}, []int{cpu(3, "feed"), cpu(3, "worker")}, "shared-cores: twins")
	assert.Equal(t, []int{-1, -1}, []int{cpu(4, "feed"), cpu(4, "worker")})

	xeon := loadTree(t, treeXeon, cpuidFor("Intel", false))
	alts = Alternatives(xeon, chain(true, "feed", "worker"), PlanConfig{Reserved: MustParseCPUList("1-7,9-15")})
	require.Equal(t, "spread", alts[2].Name)
	c0, _ := alts[2].Plan.CPUOf("feed")
	c1, _ := alts[2].Plan.CPUOf("worker")
	assert.Equal(t, RelRemote, xeon.Relation(c0, c1), "spread crosses sockets: %d, %d", c0, c1)

	kvm := loadTree(t, treeKVM, cpuidFor("AMD", true))
	alts = Alternatives(kvm, chain(true, "feed", "worker"), PlanConfig{})
	assert.Contains(t, alts[0].Err, "no free CPU")
	assert.Nil(t, alts[0].Plan)
}

func TestStrategyText(t *testing.T) {
	for _, s := range DefaultStrategies() {
		b, err := s.MarshalText()
		require.NoError(t, err)
		var back Strategy
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, s, back)
	}
	_, err := ParseStrategy("same-rack")
	assert.ErrorContains(t, err, `affinity: unknown strategy "same-rack"`)
	assert.Equal(t, "Strategy(0)", Strategy(0).String())
	_, err = Strategy(0).MarshalText()
	assert.Error(t, err)
}

func ExamplePlace() {
	topo, err := DetectFrom(Source{FS: os.DirFS("testdata/amd-ryzen-2ccx"), CPUID: &CPUID{Vendor: "AMD", CacheLineBytes: 64}})
	if err != nil {
		panic(err)
	}
	g := Graph{
		Threads: []Thread{{Name: "feed"}, {Name: "worker", Spin: true}, {Name: "gateway"}},
		Rings:   []Ring{{From: "feed", To: "worker"}, {From: "worker", To: "gateway"}},
	}
	plan, err := Place(topo, g, PlanConfig{})
	if err != nil {
		panic(err)
	}
	for _, a := range plan.Assignments {
		fmt.Printf("%s: cpu %d\n", a.Thread, a.CPU)
	}
	// Output:
	// feed: cpu 8
	// worker: cpu 1
	// gateway: cpu 2
}
