//go:build !linux

package engine

func registerBarrier() bool { return false }

func membarrier(bool) bool { return false }
