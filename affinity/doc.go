// Package affinity knows the machine's CPUs and puts goroutines on them: it
// detects the topology, pins goroutines' threads to CPUs, proposes a
// placement for a graph of threads joined by rings, and measures what a
// cross-core hand-off costs.
//
// # Topology
//
// Detect reads three sources. cpuid (via klauspost/cpuid/v2) gives the
// vendor, brand, cache line, cache sizes and feature flags (invariant TSC,
// hybrid, hypervisor). Linux sysfs, read through an fs.FS, gives every
// online CPU's package, die, cluster, core, SMT twins, NUMA node and, per
// cache level, the CPUs sharing it (cache/index*/shared_cpu_list), plus the
// isolated and nohz_full sets. sched_getaffinity gives the CPUs this process
// may use, which a cgroup cpuset or taskset bounds. CPU numbers always come
// from sysfs (the kernel's numbering, as taskset and isolcpus= use it), never
// from cpuid, whose topology scan reports list positions. Where sysfs is
// missing, Detect degrades to cpuid and runtime.NumCPU and says so in
// Topology.Warnings. DetectFrom reads a recorded tree instead; testdata/
// holds a two-socket server, an AMD part with two L3 complexes, an Intel
// hybrid and a Kubernetes pod with a restricted cpuset.
//
// # Pinning
//
// Pin locks the calling goroutine to its OS thread, sets that thread's
// affinity to one CPU and verifies it (the mask read back, and getcpu); it
// refuses a CPU outside the thread's allowed set with ErrCPUNotAllowed.
// Unpin restores the original mask and only then unlocks. A goroutine that
// exits pinned exits locked, and the runtime ends its thread: a single-CPU
// mask never leaks to other goroutines. Affinity is never set on an unlocked
// goroutine. Since Go 1.25 the runtime derives GOMAXPROCS from the affinity
// mask of the thread that computes it; SetGOMAXPROCS fixes it explicitly.
//
// # Placement
//
// Place hands out CPUs from a pool (the isolated CPUs the process may use,
// else every allowed CPU but CPU 0) to the threads of a Graph, like
// OpenHFT's Java-Thread-Affinity but with more levels: each thread tries a
// search path of strategies relative to its nearest placed peer (same core,
// same L2, same L3, same node, same socket, different core, different
// socket, any). Spinners get whole cores (their SMT twins stay idle) and no
// two threads share a logical CPU. Every decision carries a sentence saying
// why. Alternatives lists the placements a tuning run should compare, and
// LockCPU lets engines on one host keep off each other's CPUs.
//
// # Measuring
//
// MeasureC2C measures one-way hand-off latency between every pair of CPUs
// by two methods (MethodCAS: one line bounced by compare-and-swap;
// MethodTwoLine: a store on one line answered on another, as a ring does),
// each side pinned; MeasureLimits does the same for the first two CPUs,
// quickly, for benchmarks to quote. MeasureJitter pins a spinner per CPU and
// counts how often it was kept from running.
//
// # Concurrency and allocation
//
// Topology, Plan and C2CMatrix values are plain data, safe for concurrent
// reading once built. Pin and Unpin act on the calling goroutine only. The
// measuring functions start and join their own goroutines, allocate only
// their sample buffers, and never run longer than their configured timeout
// per measurement. Nothing here is meant for a hot path; all of it runs at
// start-up or on demand.
package affinity
