package engine

import "runtime"

// stopTheWorld is the barrier of last resort: reading memory statistics stops every goroutine
// at a safe point, and stopping a goroutine makes its thread execute locked instructions, which
// drain its store buffer. It costs a stop-the-world pause, once per Stop.
func stopTheWorld() {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
}
