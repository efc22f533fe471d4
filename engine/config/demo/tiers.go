package demo

import (
	"github.com/hotpath-go/hotpath/engine/config"
)

// Tiers returns every tier hotpath ships (config.BuiltinTiers) with the reliable tier's logs in
// memory: the demo's routes retry, spill and dead-letter for real, but nothing is written to
// disk, so a listing or a benchmark leaves no files behind. A program that needs crash safety
// calls config.BuiltinTiers with a directory.
func Tiers() *config.Tiers { return config.BuiltinTiers("") }
