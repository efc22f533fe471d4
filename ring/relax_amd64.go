package ring

// cpuRelax executes one PAUSE instruction.
//
//go:noescape
func cpuRelax()
