package engine

// cpuRelax executes one PAUSE instruction: a spin-wait hint to the core and its SMT twin.
//
//go:noescape
func cpuRelax()
