//go:build !amd64

package ring

// cpuRelax is a no-op where hotpath has no pause instruction wired in.
func cpuRelax() {}
