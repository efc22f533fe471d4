//go:build !linux

package engine

// threadID returns 0 where the thread id is not known: the engine then cannot tell a worker's
// goroutine from another (see Engine.callerWorker).
func threadID() int32 { return 0 }
