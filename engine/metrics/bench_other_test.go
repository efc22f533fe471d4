//go:build !amd64

package metrics

import "testing"

// benchRawTSC has no TSC to read on this architecture.
func benchRawTSC(*testing.B) {}
