//go:build !amd64

package metrics

import "runtime"

// tscSupport reports that there is no TSC reader for this architecture.
func tscSupport() (useRDTSCP bool, why string, ok bool) {
	return false, "no TSC reader on " + runtime.GOARCH, false
}

// readTSC is never called where tscSupport is false; it returns 0.
func readTSC(useRDTSCP bool) uint64 { return 0 }
