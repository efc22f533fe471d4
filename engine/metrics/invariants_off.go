//go:build !(invariants || race)

package metrics

// invariants enables the debug-only checks (build tag invariants, or -race);
// off, they compile away.
const invariants = false
