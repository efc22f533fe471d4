package metrics

import (
	"os"
	"runtime"
	"strings"

	"github.com/klauspost/cpuid/v2"
)

// rdtscp reads the time-stamp counter with RDTSCP, which waits for the
// instructions before it to execute. Implemented in tsc_amd64.s.
func rdtscp() uint64

// rdtscLfence reads the time-stamp counter with LFENCE; RDTSC, for CPUs
// without RDTSCP. Implemented in tsc_amd64.s.
func rdtscLfence() uint64

// rdtscPlain reads the time-stamp counter with a bare RDTSC, which the CPU
// may execute ahead of earlier loads; only the clock benchmark uses it, to
// show what the ordering costs. Implemented in tsc_amd64.s.
func rdtscPlain() uint64

// cpuidLeaf executes CPUID for leaf and sub-leaf. Implemented in
// tsc_amd64.s. (klauspost/cpuid does not report the invariant-TSC bit.)
func cpuidLeaf(leaf, sub uint32) (a, b, c, d uint32)

// clocksourceFile names the Linux kernel's current clock source.
const clocksourceFile = "/sys/devices/system/clocksource/clocksource0/current_clocksource"

// tscSupport says whether the TSC can time latencies on this machine, which
// read instruction to use, and if not, why not. The TSC is usable when the
// CPU says it is invariant (constant rate, never stopped: CPUID
// 0x80000007 EDX bit 8) and, on Linux, the kernel itself uses it as its
// clock source: the kernel checks at boot (and watches afterwards) that the
// TSCs of all CPUs are synchronised, which no user-space test can establish
// as well. Elsewhere, unable to check, we do not use it.
func tscSupport() (useRDTSCP bool, why string, ok bool) {
	maxExt, _, _, _ := cpuidLeaf(0x80000000, 0)
	if maxExt < 0x80000007 {
		return false, "CPUID has no leaf 0x80000007 (cannot tell whether the TSC is invariant)", false
	}
	_, _, _, d := cpuidLeaf(0x80000007, 0)
	if d&(1<<8) == 0 {
		return false, "the TSC is not invariant (CPUID 0x80000007 EDX bit 8 clear)", false
	}
	if runtime.GOOS != "linux" {
		return false, "cannot check that the kernel trusts the TSC on " + runtime.GOOS, false
	}
	src, err := os.ReadFile(clocksourceFile)
	if err != nil {
		return false, "cannot read the kernel clock source: " + err.Error(), false
	}
	if s := strings.TrimSpace(string(src)); s != "tsc" {
		return false, "the kernel clock source is " + s + ", not tsc (TSC not trusted as synchronised across CPUs)", false
	}
	vm := ""
	if cpuid.CPU.Has(cpuid.HYPERVISOR) {
		vm = " under a hypervisor"
	}
	if cpuid.CPU.Has(cpuid.RDTSCP) {
		return true, "invariant TSC, kernel clock source tsc" + vm + ", RDTSCP", true
	}
	return false, "invariant TSC, kernel clock source tsc" + vm + ", LFENCE;RDTSC", true
}

// readTSC reads the time-stamp counter with the instruction useRDTSCP
// chooses.
func readTSC(useRDTSCP bool) uint64 {
	if useRDTSCP {
		return rdtscp()
	}
	return rdtscLfence()
}
