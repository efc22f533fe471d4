package engine

import (
	"context"
	"fmt"
	"time"
)

// Stop stops the engine: it stops intake, drains what was accepted, and stops the workers.
//
//  1. Intake stops: publishes from producers that begin after this point return ErrStopped, and
//     the shared lanes and producers' lossy lanes are closed (a multi-producer ring's close is
//     exact: a publish either claimed its slot before, and is drained, or fails). A process-wide
//     memory barrier (membarrier(2)) then makes every dedicated producer's last store visible: a
//     publish that checked the state before Stop began has its events where the workers will
//     see them, and one that checks it after pushing waits for Stop and learns, from the lane's
//     final read position, whether its events were delivered (ErrStopped if not).
//  2. Drain: workers go on taking events (handlers may still publish: their events are drained
//     too) until a round in which every worker finds all its lanes and its backlog empty and no
//     worker took anything: then nothing is left anywhere.
//  3. The workers return, each unpinned and unlocked; Stop waits for them.
//
// If ctx expires during the drain, the workers stop at once (after the handler call in
// progress: Stop cannot interrupt a handler), and Stop returns an error wrapping ErrUndelivered
// and ctx's error that says how many accepted events were not delivered. It also counts, and
// reports the same way, events that reached a lane too late to be drained (a publish racing
// Stop, which got ErrStopped). Stop leaves no goroutine of the engine behind, restores
// GOMAXPROCS if Start changed it, and is idempotent; the engine cannot be started again.
//
// A handler that does not return does not hold Stop past its deadline: once ctx has ended,
// Stop waits StopGrace more for the workers, then returns an error wrapping ErrUndelivered,
// ErrHandlerStuck and ctx's error that names the workers still in a handler. The engine then
// finishes stopping on its own when they return (their lanes' events are not delivered), and a
// later Stop waits for that (or for its own ctx) and returns nil once it has happened.
func (e *Engine) Stop(ctx context.Context) error {
	e.stopMu.Lock()
	defer e.stopMu.Unlock()
	switch e.state.Load() {
	case stateNew:
		return fmt.Errorf("engine: stop: %w", ErrNotStarted)
	case stateStopped:
		return nil
	}
	if e.finishing {
		select {
		case <-e.done:
			return nil
		case <-ctx.Done():
			return fmt.Errorf("%w: %w: a worker is still in a handler: %w", ErrUndelivered, ErrHandlerStuck, ctx.Err())
		}
	}
	e.mu.Lock()
	e.state.Store(stateStopping)
	for i := range e.workers {
		e.shared[i].ring.Close()
		e.sharedLossy[i].ring.Close()
	}
	for _, s := range e.producers {
		for _, l := range s.lossy {
			if l != nil {
				l.ring.Close()
			}
		}
	}
	e.mu.Unlock()
	e.barrier()

	err := e.quiesce(ctx)
	if err != nil {
		e.abort.Store(true)
	}
	e.exit.Store(true)
	e.wakeWorkers()
	if err != nil && !e.waitWorkers(StopGrace) {
		stuck := e.busyWorkers()
		e.finishing = true
		go func() {
			e.wg.Wait()
			e.finish()
		}()
		return fmt.Errorf("%w: %w: workers %v still in a handler %v after the deadline; the engine finishes stopping when they return, without delivering what their lanes hold: %w",
			ErrUndelivered, ErrHandlerStuck, stuck, StopGrace, err)
	}
	e.wg.Wait()
	left := e.finish()
	if left > 0 {
		if err == nil {
			err = fmt.Errorf("published while stopping")
		}
		return fmt.Errorf("%w: %d events: %w", ErrUndelivered, left, err)
	}
	return nil
}

// StopGrace is how long Stop waits for the workers after its ctx has ended (they stop after the
// handler call in progress) before it returns without them.
const StopGrace = 100 * time.Millisecond

// waitWorkers waits at most d for every worker goroutine to return; false if one has not.
func (e *Engine) waitWorkers(d time.Duration) bool {
	exited := make(chan struct{})
	go func() {
		e.wg.Wait()
		close(exited)
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-exited:
		return true
	case <-t.C:
		return false
	}
}

// busyWorkers lists the workers whose goroutines have not returned.
func (e *Engine) busyWorkers() []int {
	var ids []int
	for _, w := range e.workers {
		if !w.exited.Load() {
			ids = append(ids, w.id)
		}
	}
	return ids
}

// finish is the end of Stop once every worker has returned: it counts (and takes out) what is
// left in the lanes and backlogs, restores GOMAXPROCS and marks the engine stopped.
func (e *Engine) finish() uint64 {
	var left uint64
	for _, w := range e.workers {
		for _, l := range *w.lanes.Load() {
			left += l.leftovers()
		}
		left += uint64(w.out.backlogged) + w.lost
	}
	e.restoreProcs()
	e.state.Store(stateStopped)
	close(e.done)
	return left
}

// quiesce runs rounds until one in which every worker reported a pass that found nothing, and
// no worker took a batch between the round's start and its end.
func (e *Engine) quiesce(ctx context.Context) error {
	for {
		before := e.activity()
		r := e.round.Add(1)
		e.wakeWorkers()
		for !e.allQuiet(r) {
			select {
			case <-e.quietCh:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if e.activity() == before {
			return nil
		}
	}
}

func (e *Engine) activity() uint64 {
	var n uint64
	for _, w := range e.workers {
		n += w.activity.Load()
	}
	return n
}

func (e *Engine) allQuiet(r uint64) bool {
	for _, w := range e.workers {
		if w.quiet.Load() < r {
			return false
		}
	}
	return true
}

// barrier makes the stores of every thread of the process visible to this one (see Stop).
func (e *Engine) barrier() {
	if !membarrier(e.expedited) {
		stopTheWorld()
	}
}
