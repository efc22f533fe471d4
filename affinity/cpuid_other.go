//go:build !amd64

package affinity

// invariantTSC is false where there is no x86 cpuid to ask.
func invariantTSC() bool { return false }
