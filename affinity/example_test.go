package affinity_test

import (
	"fmt"
	"os"

	"github.com/hotpath-go/hotpath/affinity"
)

func ExampleParseCPUList() {
	s, err := affinity.ParseCPUList("0-3,8-11")
	if err != nil {
		panic(err)
	}
	fmt.Println(s.Len(), s.Contains(9), s.Minus(affinity.NewCPUSet(0, 8)))
	// Output: 8 true 1-3,9-11
}

func ExampleDetectFrom() {
	topo, err := affinity.DetectFrom(affinity.Source{
		FS:    os.DirFS("testdata/xeon-2s-smt"),
		CPUID: &affinity.CPUID{Vendor: "Intel", CacheLineBytes: 64, InvariantTSC: true},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(topo.Summary())
	fmt.Println("isolated:", topo.Isolated)
	fmt.Println("cpu 0 and 8:", topo.Relation(0, 8))
	fmt.Println("cpu 0 and 4:", topo.Relation(0, 4))
	// Output:
	// 2 packages, 8 cores, 16 CPUs (SMT), 2 nodes, L3 15 MiB x2
	// isolated: 4-7,12-15
	// cpu 0 and 8: smt
	// cpu 0 and 4: remote
}

func ExampleDetect() {
	topo, err := affinity.Detect()
	if err != nil {
		panic(err)
	}
	fmt.Println(topo.CacheLineBytes > 0, !topo.Allowed.IsEmpty())
	// Output: true true
}

func ExamplePin() {
	allowed, err := affinity.ThreadAllowed()
	if err != nil {
		fmt.Println(err)
		return
	}
	done := make(chan struct{})
	go func() { // pin a worker goroutine, never the caller's
		defer close(done)
		p, err := affinity.Pin(allowed.First())
		if err != nil {
			fmt.Println(err)
			return
		}
		defer p.Unpin()
		cpu, _ := affinity.CurrentCPU()
		fmt.Println(cpu == p.CPU())
	}()
	<-done
	// Output: true
}

func ExampleSetGOMAXPROCS() {
	n := affinity.SetGOMAXPROCS(0) // report
	prev := affinity.SetGOMAXPROCS(n)
	fmt.Println(prev == n)
	// Output: true
}

func ExampleMeasureLimits() {
	l, err := affinity.MeasureLimits(affinity.C2CConfig{Samples: 10, RoundTrips: 100})
	if err != nil {
		panic(err)
	}
	fmt.Printf("cpu %d -> cpu %d: CAS %.0f ns, two lines %.0f ns (pinned %v) %s\n", l.A, l.B, l.CASNs, l.TwoLineNs, l.Pinned, l.Note)
}

func ExampleMeasureC2C() {
	m, err := affinity.MeasureC2C(affinity.C2CConfig{Samples: 10, RoundTrips: 100})
	if err != nil {
		panic(err)
	}
	for _, p := range m.Pairs {
		fmt.Printf("%d-%d: %.0f ns\n", p.A, p.B, p.CAS.MedianNs)
	}
	_ = m.WriteSVG(os.Stdout, affinity.MethodCAS)
}

func ExampleMeasureJitter() {
	rs, err := affinity.MeasureJitter(affinity.JitterConfig{Duration: 10e6})
	if err != nil {
		panic(err)
	}
	for _, r := range rs {
		fmt.Printf("cpu %d: %.0f stalls/s over 10us, longest %v\n", r.CPU, r.Stalls[1].PerSecond, r.MaxGap)
	}
}

func ExampleLockCPU() {
	dir, _ := os.MkdirTemp("", "cpulocks")
	defer os.RemoveAll(dir)
	l, err := affinity.LockCPU(dir, 2)
	if err != nil {
		panic(err)
	}
	held, _ := affinity.HeldCPUs(dir, affinity.MustParseCPUList("0-3"))
	fmt.Println("held:", held)
	_ = l.Unlock()
	// Output: held: 2
}

func ExampleAlternatives() {
	topo, err := affinity.DetectFrom(affinity.Source{FS: os.DirFS("testdata/amd-ryzen-2ccx"), CPUID: &affinity.CPUID{}})
	if err != nil {
		panic(err)
	}
	g := affinity.Graph{
		Threads: []affinity.Thread{{Name: "feed", Spin: true}, {Name: "worker", Spin: true}},
		Rings:   []affinity.Ring{{From: "feed", To: "worker"}},
	}
	for _, alt := range affinity.Alternatives(topo, g, affinity.PlanConfig{}) {
		a, _ := alt.Plan.CPUOf("feed")
		b, _ := alt.Plan.CPUOf("worker")
		fmt.Printf("%s: feed %d, worker %d\n", alt.Name, a, b)
	}
	// Output:
	// planned: feed 1, worker 2
	// one-l3: feed 4, worker 5
	// spread: feed 1, worker 2
	// shared-cores: feed 1, worker 9
	// unpinned: feed -1, worker -1
}
