package tiers

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRecBufsReuse: a buffer put back is the next one got, and up to eight appenders at once
// reuse their buffers without allocating (under the race detector too, where sync.Pool would
// drop a quarter of them).
func TestRecBufsReuse(t *testing.T) {
	var r recBufs
	a := r.get()
	r.put(a)
	assert.Same(t, a, r.get(), "the buffer put back comes back")
	held := make([]*[eventRecordSize]byte, len(r.slots))
	for i := range held {
		held[i] = r.get()
	}
	for _, b := range held {
		r.put(b)
	}
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		for i := range held {
			held[i] = r.get()
		}
		for _, b := range held {
			r.put(b)
		}
	}))
	spare := new([eventRecordSize]byte)
	r.put(spare) // every slot is taken: the spare is let go
	for range r.slots {
		assert.NotSame(t, spare, r.get())
	}
}

// TestRecBufsConcurrent: goroutines getting and putting at once never share a buffer.
func TestRecBufsConcurrent(t *testing.T) {
	var r recBufs
	const workers, rounds = 4, 20000
	var wg sync.WaitGroup
	errs := make(chan string, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				b := r.get()
				b[0], b[1] = byte(w), byte(i)
				if b[0] != byte(w) || b[1] != byte(i) {
					errs <- "a buffer was shared"
					return
				}
				r.put(b)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		require.Fail(t, e)
	}
}
