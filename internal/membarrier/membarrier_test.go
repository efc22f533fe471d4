package membarrier

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestBarrier(t *testing.T) {
	if runtime.GOOS != "linux" {
		assert.False(t, Available())
		return
	}
	if !Available() {
		t.Skip("kernel without membarrier private expedited")
	}
	assert.True(t, Barrier())
}

func BenchmarkBarrier(b *testing.B) {
	if !Available() {
		b.Skip("no membarrier")
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Barrier()
	}
}
