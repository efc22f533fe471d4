//go:build invariants || race

package metrics

// invariants enables the debug-only checks (build tag invariants, or -race).
const invariants = true
