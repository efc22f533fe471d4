package engine

import "syscall"

// threadID returns the calling OS thread's id. Workers are locked to their threads, so a
// thread id equal to a worker's is that worker's goroutine.
func threadID() int32 { return int32(syscall.Gettid()) }
