package affinity

import (
	"github.com/klauspost/cpuid/v2"
)

// CPUID is what the processor reports about itself through the cpuid
// instruction (via github.com/klauspost/cpuid/v2, plus one leaf that library
// does not decode). It says nothing about how CPUs are numbered or who
// shares what: that comes from sysfs (see Topology). Sizes are in bytes; a
// size cpuid did not report is 0.
type CPUID struct {
	Vendor         string `json:"vendor"`           // "Intel", "AMD", ...
	Brand          string `json:"brand"`            // marketing name
	Family         int    `json:"family"`           //
	Model          int    `json:"model"`            //
	Stepping       int    `json:"stepping"`         //
	CacheLineBytes int    `json:"cache_line_bytes"` // 0 if unknown
	L1DBytes       int    `json:"l1d_bytes"`        // per core
	L1IBytes       int    `json:"l1i_bytes"`        // per core
	L2Bytes        int    `json:"l2_bytes"`         // per core or per cluster
	L3Bytes        int    `json:"l3_bytes"`         // per L3 instance
	ThreadsPerCore int    `json:"threads_per_core"` // as cpuid counts them; 1 if unknown
	BaseHz         int64  `json:"base_hz"`          // 0 if unknown
	BoostHz        int64  `json:"boost_hz"`         // 0 if unknown
	InvariantTSC   bool   `json:"invariant_tsc"`    // TSC ticks at a constant rate in all P-/C-states
	RDTSCP         bool   `json:"rdtscp"`           // RDTSCP available (TSC_AUX names the CPU)
	Hybrid         bool   `json:"hybrid"`           // more than one core type (Intel P/E)
	Hypervisor     string `json:"hypervisor"`       // hypervisor vendor; "" on bare metal
	VM             bool   `json:"vm"`               // the hypervisor bit is set
	// Features lists every feature flag cpuid decoded, by name.
	Features []string `json:"features"`
}

// ReadCPUID returns the running processor's cpuid facts. On processors
// without cpuid (non-x86) most fields are zero and Vendor may be empty.
func ReadCPUID() CPUID {
	c := cpuid.CPU
	id := CPUID{
		Vendor:         c.VendorID.String(),
		Brand:          c.BrandName,
		Family:         c.Family,
		Model:          c.Model,
		Stepping:       c.Stepping,
		CacheLineBytes: c.CacheLine,
		L1DBytes:       max(c.Cache.L1D, 0),
		L1IBytes:       max(c.Cache.L1I, 0),
		L2Bytes:        max(c.Cache.L2, 0),
		L3Bytes:        max(c.Cache.L3, 0),
		ThreadsPerCore: c.ThreadsPerCore,
		BaseHz:         c.Hz,
		BoostHz:        c.BoostFreq,
		InvariantTSC:   invariantTSC(),
		RDTSCP:         c.Has(cpuid.RDTSCP),
		Hybrid:         c.Has(cpuid.HYBRID_CPU),
		VM:             c.Has(cpuid.HYPERVISOR),
		Features:       c.FeatureSet(),
	}
	if id.VM {
		// The decoded vendor reads better than the raw signature
		// ("KVMKVMKVM"); the raw one is kept for vendors cpuid does not know.
		id.Hypervisor = c.HypervisorVendorID.String()
		if id.Hypervisor == "VendorUnknown" || id.Hypervisor == "" {
			id.Hypervisor = c.HypervisorVendorString
		}
	}
	if id.Vendor == "VendorUnknown" {
		id.Vendor = c.VendorString
	}
	return id
}
