//go:build !race

package metrics

// raceEnabled is whether the race detector is on.
const raceEnabled = false
