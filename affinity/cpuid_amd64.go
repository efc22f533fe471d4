package affinity

// cpuidLeaf executes cpuid with the given leaf and sub-leaf.
//
//go:noescape
func cpuidLeaf(leaf, sub uint32) (eax, ebx, ecx, edx uint32)

// invariantTSC reads the advanced power management leaf (0x80000007),
// EDX bit 8, which klauspost/cpuid v2.4 does not decode. The same bit makes
// Linux show both constant_tsc and nonstop_tsc in /proc/cpuinfo.
func invariantTSC() bool {
	maxExt, _, _, _ := cpuidLeaf(0x80000000, 0)
	if maxExt < 0x80000007 {
		return false
	}
	_, _, _, edx := cpuidLeaf(0x80000007, 0)
	return edx&(1<<8) != 0
}
