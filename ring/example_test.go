package ring_test

import (
	"fmt"
	"sync"
	"time"

	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/ring"
)

func ExampleNewSPSC() {
	r, err := ring.NewSPSC[events.Raw](1024)
	if err != nil {
		panic(err)
	}
	go func() {
		for i := uint64(1); i <= 3; i++ {
			_ = r.Push(events.Raw{Header: events.Header{ID: i}})
		}
		r.Close() // the producer closes after its last push
	}()
	for {
		v, err := r.Pop()
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(v.ID)
	}
	// Output:
	// 1
	// 2
	// 3
	// ring: closed
}

// Zero-copy batches: the producer writes in place, the consumer handles whole batches.
func ExampleSPSC_Reserve() {
	r, _ := ring.NewSPSC[events.Raw](64)
	lower, _ := r.Reserve(3)
	for i := range 3 {
		ev := r.Slot(lower + uint64(i))
		ev.ID = uint64(10 + i)
	}
	r.Commit(lower, 3)
	r.Close()

	n, _ := r.Drain(64, func(ev *events.Raw, endOfBatch bool) {
		fmt.Println(ev.ID, endOfBatch)
	})
	fmt.Println("batch of", n)
	// Output:
	// 10 false
	// 11 false
	// 12 true
	// batch of 3
}

// A diamond over one ring: journal and replicate see each event first, then apply sees it.
func ExampleMulticast_NewConsumer() {
	r, _ := ring.NewMulticast[events.Raw](256)
	journal, _ := r.NewConsumer()
	replicate, _ := r.NewConsumer()
	apply, _ := r.NewConsumer(journal, replicate)

	var wg sync.WaitGroup
	for _, c := range []*ring.Consumer[events.Raw]{journal, replicate} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if _, err := c.Drain(64, func(*events.Raw, bool) {}); err != nil {
					return
				}
			}
		}()
	}
	for i := uint64(1); i <= 3; i++ {
		_ = r.Push(events.Raw{Header: events.Header{ID: i}})
	}
	r.Close()
	for {
		v, err := apply.Pop()
		if err != nil {
			break
		}
		fmt.Println("apply", v.ID)
	}
	wg.Wait()
	// Output:
	// apply 1
	// apply 2
	// apply 3
}

func ExampleNewMPMC() {
	r, _ := ring.NewMPMC[events.Raw](1024)
	var wg sync.WaitGroup
	for p := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				_ = r.Push(events.Raw{Header: events.Header{ID: uint64(p*100 + i)}})
			}
		}()
	}
	var total, count uint64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			_, err := r.Drain(64, func(ev *events.Raw, _ bool) { total += ev.ID; count++ })
			if err != nil {
				return
			}
		}
	}()
	wg.Wait()
	r.Close() // any goroutine may close an MPMC ring
	<-done
	fmt.Println(count, total)
	// Output: 400 79800
}

func ExampleNewWorkShare() {
	r, _ := ring.NewWorkShare[events.Raw](64)
	for i := uint64(1); i <= 10; i++ {
		_ = r.Push(events.Raw{Header: events.Header{ID: i}})
	}
	r.Close()
	var wg sync.WaitGroup
	sums := make([]uint64, 3)
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				v, err := r.Pop()
				if err != nil {
					return
				}
				sums[w] += v.ID
			}
		}()
	}
	wg.Wait()
	fmt.Println(sums[0] + sums[1] + sums[2])
	// Output: 55
}

func ExampleParking() {
	// Consumers park when idle (~0% CPU) and are woken by the next publish.
	r, _ := ring.NewSPSC[events.Raw](1024, ring.WithWait(ring.Parking()))
	fmt.Println(r.Cap())
	// Output: 1024
}

func ExampleResponsive() {
	// Consumers spin through gaps between events shorter than 50 µs, yield up to 1 ms, then
	// park: no wake-up on the path of a busy route, ~0% CPU for an idle one.
	r, _ := ring.NewSPSC[events.Raw](1024, ring.WithWait(ring.Responsive()))
	w := ring.Responsive()
	fmt.Println(r.Cap(), w.Stage(0, 10*time.Microsecond), w.Stage(0, 500*time.Microsecond), w.Stage(0, 2*time.Millisecond))
	// Output: 1024 spin yield park
}
