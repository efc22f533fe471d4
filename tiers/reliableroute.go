package tiers

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hotpath-go/hotpath/engine"
	"github.com/hotpath-go/hotpath/engine/metrics"
	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/tiers/wal"
)

// reliableRoute is one reliable route's state: its logs, its retry queue, its breaker and where
// its worker stands in its spill log.
//
// Order. A route's events travel either in its lane or, while the route is spilling, in its
// spill log; events of one publisher must come out in the order they went in. The spilling flag
// (in state) decides at each publish: clear, the event goes into the lane; set, the publisher
// appends it to the log (OnPublish). A full lane (OnFull) sets the flag and appends; so does the
// worker, when it cannot deliver what it takes from the lane (circuit open, retry queue full),
// except that it keeps the lane's events, in order, in its front queue: they were published
// before the flag was set, so before everything the log holds for delivery. The worker
// delivers its front queue, then the log, and clears the flag only when it has read every
// record appended while the flag was set and no publisher is appending (a compare-and-swap on
// state, which every append changes); so every event in the lane is older than every unread
// record, and delivering the lane at once never overtakes the log. The other way round, the
// worker reads the log only once it has taken every event that went into the lane: publishers
// count those (laneIn, one atomic add per publish) and the worker counts what it takes (laneOut).
//
// Records: recEvent (to deliver, in log order), recRetry (an event that failed, waiting in the
// retry queue: the worker skips it when reading) and recFront (the front queue, written at
// Close). At start-up the worker reads the recovered records once to put the recRetry and
// recFront ones in its front queue, and sets the flag if anything is left to deliver.
type reliableRoute struct {
	cfg  *ReliableConfig
	name string

	spill, dead *wal.Log
	ckpt        *checkpointer
	replayMu    sync.Mutex // serialises Replay
	recs        recBufs    // buffers for publishers' appends

	// state is the spilling flag (bit 0), the publishers appending now (bits 1..31) and a count
	// of finished appends (bits 32..63, wrapping): written by publishers and the worker.
	state   atomic.Uint64
	_       [56]byte
	laneIn  atomic.Uint64 // events publishers put into the lane (or tried to: see onFull)
	_       [56]byte
	pubTail atomic.Uint64          // highest sequence appended by publishers and Replay
	wake    atomic.Pointer[func()] // the latest Bind's RouteInfo.Wake
	// pending counts the events in the tier's custody that it has not finished (Backlog): a
	// publisher adds one as it starts a spill append (before the record is in the log, let
	// alone durable), Replay and recovery one per record to deliver, the worker one per lane
	// event it keeps (front queue, retry queue); the worker takes one off per event delivered
	// or dead-lettered. Off the hot path: a lane event delivered at once never touches it.
	pending atomic.Int64
	// Written by the worker, read by anyone.
	deadLast atomic.Uint64 // sequence of the last dead letter appended
	laneSeen atomic.Uint64 // laneOut as of the worker's last tick (Drain)
	stopped  atomic.Bool   // a tick saw the engine stopping: nothing more is delivered (Drain)

	// The worker's alone (and Close's, after the engine has stopped).
	reader    *wal.Reader
	readNext  uint64 // the sequence the reader returns next
	recovered uint64 // the last record written before this start
	laneOut   uint64 // events the worker took from the lane
	front     fifo[retry]
	retries   *DelayQueue[retry]
	breaker   *Breaker
	circuit   metrics.CircuitState // the state last written to the metrics
	rand      Rand
	held      retry // a record read from the log and not yet delivered (the circuit was open)
	hasHeld   bool
	caughtUp  bool   // the last read found nothing more
	ckptDone  uint64 // the last checkpoint requested
	ckptScan  int64  // when the worker last looked for a checkpoint it could not make
	logErr    error  // the spill log failed: no more replay
	rec       [eventRecordSize]byte
	deadBuf   []byte
}

// Fields of reliableRoute.state.
const (
	spilling     uint64 = 1
	appending    uint64 = 2       // one publisher appending
	appendedOne  uint64 = 1 << 32 // one append finished
	appendingAll uint64 = appendedOne - appending
)

// retry is an event waiting in the retry queue or the front queue, or read from the log.
type retry struct {
	ev       events.Raw
	seq      uint64 // its record in the spill log; 0 if it has none
	attempts uint32 // deliveries tried so far
	err      error  // the last one's error
}

// reliableBinding is one Bind's view of a route: its chain and its metrics.
type reliableBinding struct {
	s    *reliableRoute
	info engine.RouteInfo
	next engine.Step
	dead engine.Step // the compiled ReliableConfig.DeadLetter, or nil
	ctr  *metrics.Counters
}

// step takes an event from the lane. With nothing ahead of it in the front queue, room for a
// retry and the circuit closed, it delivers at once (the fast path: no log, no allocation);
// otherwise it joins the front queue and the route starts spilling.
func (b *reliableBinding) step(c *engine.Context, ev *events.Raw) error {
	s := b.s
	s.laneOut++
	if s.front.len() == 0 && s.retries.Len() < s.retries.Cap() && b.admit() {
		b.attempt(c, ev, 0, 0, false)
		return nil
	}
	s.state.Or(spilling)
	s.front.push(retry{ev: *ev})
	s.pending.Add(1)
	return nil
}

// admit asks the breaker, if any, for a delivery now.
func (b *reliableBinding) admit() bool {
	br := b.s.breaker
	if br == nil || br.State() == CircuitClosed {
		return true
	}
	return b.admitAt(b.info.Clock.Nanotime())
}

//go:noinline
func (b *reliableBinding) admitAt(now int64) bool {
	br := b.s.breaker
	if br == nil {
		return true
	}
	ok := br.Allow(now)
	b.noteCircuit()
	return ok
}

// noteCircuit writes the breaker's state to the route's circuit gauge when it changed.
func (b *reliableBinding) noteCircuit() {
	s := b.s
	if st := metrics.CircuitState(s.breaker.State()); st != s.circuit {
		s.circuit = st
		b.ctr.SetCircuit(st)
	}
}

// attempt delivers ev (whose record, if it has one, is seq, and which was tried prior times
// before) and handles a failure. kept says whether the tier holds ev (counted in pending), as
// opposed to a lane event tried at once.
func (b *reliableBinding) attempt(c *engine.Context, ev *events.Raw, seq uint64, prior uint32, kept bool) {
	p, err := deliver(b.next, c, ev)
	if err == nil {
		if br := b.s.breaker; br != nil {
			was := br.State()
			br.Success(0) // closed: resets the count of consecutive failures
			if was != CircuitClosed {
				b.noteCircuit()
			}
		}
		if kept {
			b.s.pending.Add(-1)
		}
		return
	}
	b.failed(c, ev, seq, prior+1, err, p, kept)
}

// failed schedules a retry of ev, or dead-letters it. An event without a record gets a
// recRetry record first, so that a crash does not lose it.
//
//go:noinline
func (b *reliableBinding) failed(c *engine.Context, ev *events.Raw, seq uint64, attempts uint32, err error, p any, kept bool) {
	s := b.s
	now := b.info.Clock.Nanotime()
	if s.breaker != nil {
		// A permanent rejection (ErrPermanent) is the event's fault, not the target's: the
		// target answered, so it counts as a success, and a burst of malformed events does not
		// open the circuit on healthy traffic. A panic counts as a failure.
		was := s.breaker.State()
		if errors.Is(err, ErrPermanent) && p == nil {
			s.breaker.Success(now)
		} else {
			s.breaker.Failure(now)
		}
		if s.breaker.State() != was {
			b.noteCircuit()
		}
	}
	if p != nil {
		b.ctr.Inc(metrics.EventPanic)
	}
	switch {
	case errors.Is(err, ErrPermanent):
		b.deadLetter(c, ev, attempts, ReasonPermanent, err, kept)
		return
	case int(attempts) > s.cfg.Retry.MaxRetries:
		b.deadLetter(c, ev, attempts, ReasonExhausted, err, kept)
		return
	}
	if !kept {
		s.pending.Add(1) // in the retry queue, or at worst left in the log
	}
	if seq == 0 {
		putEventRecord(&s.rec, ev, attempts)
		if q, aerr := s.spill.AppendAsync(recRetry, s.rec[:]); aerr == nil {
			seq = q
		} else {
			s.cfg.report(fmt.Errorf("tiers: route %q: spill log: %w", s.name, aerr))
		}
	}
	due := now + int64(s.cfg.Retry.Delay(int(attempts), s.rand.Float64()))
	if !s.retries.Push(due, retry{ev: *ev, seq: seq, attempts: attempts, err: err}) {
		// Callers make room first; if not, the log keeps it for the next start.
		s.cfg.report(fmt.Errorf("tiers: route %q: retry queue full: event %d left in the log", s.name, ev.ID))
	}
}

// deadLetter appends ev to the dead-letter log, tells OnDeadLetter, and hands ev to the route's
// dead-letter target, if any, on this worker. The target's failures are the engine's to count
// and report (RouteInfo.Compile); the event is in the log whatever the target does.
func (b *reliableBinding) deadLetter(c *engine.Context, ev *events.Raw, attempts uint32, why Reason, err error, kept bool) {
	s := b.s
	if kept {
		s.pending.Add(-1)
	}
	d := DeadLetter{Route: s.name, Event: *ev, Reason: why, Attempts: int(attempts), LastError: err.Error(), Time: time.Now()}
	s.deadBuf = appendDeadRecord(s.deadBuf[:0], &d)
	seq, aerr := s.dead.AppendAsync(recDead, s.deadBuf)
	if aerr != nil {
		s.cfg.report(fmt.Errorf("tiers: route %q: dead-letter log: event %d: %w", s.name, ev.ID, aerr))
	} else {
		s.deadLast.Store(seq)
		b.ctr.Inc(metrics.EventDeadLettered)
		if f := s.cfg.OnDeadLetter; f != nil {
			d.Seq = seq
			f(d)
		}
	}
	if b.dead != nil {
		_ = b.dead(c, ev) // reported by the engine; nothing is lost
	}
}

// onPublish is the route's OnPublish: while the route is spilling, the publisher appends the
// event to the log (write-ahead: always). The check is one atomic load.
func (b *reliableBinding) onPublish(c *engine.Context, ev *events.Raw) bool {
	if b.s.state.Load()&spilling == 0 {
		b.s.laneIn.Add(1)
		return false
	}
	if b.append(c, ev, false) {
		return true
	}
	if b.refuse() {
		return true
	}
	b.s.laneIn.Add(1)
	return false
}

// refuse reports whether an event the log could not take is refused rather than sent through
// the lane: with no spill window (WriteAhead, or a negative SpillWindow) a publish must not be
// acknowledged unless its event is durable, so once the log has failed the tier takes the event
// (counting it as dropped, and reported to OnError by append) and endPublish fails the publish
// with the log's error. With a window, the lane takes it, as before.
func (b *reliableBinding) refuse() bool {
	s := b.s
	if s.cfg.SpillWindow != 0 || s.spill.Err() == nil {
		return false
	}
	b.ctr.Inc(metrics.EventPublished)
	b.ctr.Inc(metrics.EventDropped)
	return true
}

// endPublish is the route's EndPublish: with no spill window (WriteAhead, or a negative
// SpillWindow), the publisher waits here, once per publish call, until every record it
// appended in the call is durable (it waits for the log's newest publisher record, which is
// at or past them). A handler's publish (c.OnWorker()) does not wait. The error, a failed
// log, becomes the publish's: its events are not durable.
func (b *reliableBinding) endPublish(c *engine.Context) error {
	s := b.s
	if s.cfg.SpillWindow != 0 {
		return nil
	}
	if err := s.spill.Err(); err != nil {
		// Failed: WaitDurable would answer nil for records durable before the failure, but
		// this call's events may be among those refused (refuse) or never synced.
		return fmt.Errorf("tiers: route %q: spill log: %w", s.name, err)
	}
	if c.OnWorker() { // a handler, through Emit or a Producer: it must not block its worker
		return nil
	}
	if err := s.spill.WaitDurable(s.pubTail.Load()); err != nil {
		err = fmt.Errorf("tiers: route %q: spill log: %w", s.name, err)
		s.cfg.report(err)
		return err
	}
	return nil
}

// onFull is the route's OnFull: the lane has no room, so the route starts spilling. The event
// was counted into the lane by onPublish: it is not, unless the log fails and the route's
// policy (block) pushes it after all.
func (b *reliableBinding) onFull(c *engine.Context, ev *events.Raw) bool {
	ok := b.append(c, ev, true) || b.refuse()
	if ok || b.info.Overflow != engine.Block {
		b.s.laneIn.Add(^uint64(0))
	}
	return ok
}

// append appends the event to the log on the publisher's goroutine and, unless the publisher is
// a worker (which must not block), waits for all but the last SpillWindow records to be durable
// (with no window, endPublish waits for them all, once per publish call). It announces itself in state
// (setting the flag if start, or giving up if the flag is clear); false means the lane takes
// the event after all (the flag was cleared, or the log failed).
//
//go:noinline
func (b *reliableBinding) append(c *engine.Context, ev *events.Raw, start bool) bool {
	s := b.s
	for {
		st := s.state.Load()
		if st&spilling == 0 && !start {
			return false
		}
		if s.state.CompareAndSwap(st, st|spilling+appending) {
			break
		}
	}
	s.pending.Add(1) // the tier's from now on: Backlog counts it before the append completes
	rec := s.recs.get()
	putEventRecord(rec, ev, 0)
	seq, err := s.spill.AppendAsync(recEvent, rec[:])
	s.recs.put(rec)
	if err == nil {
		atomicMax(&s.pubTail, seq)
	} else {
		s.pending.Add(-1) // not in the log: the lane takes it
	}
	s.state.Add(appendedOne - appending)
	// With no window (WriteAhead, or a negative SpillWindow) the wait for durability is
	// endPublish's, once per publish call: one group commit for a whole PublishBatch.
	if w := uint64(s.cfg.SpillWindow); err == nil && w > 0 && seq > w && !c.OnWorker() {
		err = s.spill.WaitDurable(seq - w)
	}
	if err != nil {
		s.cfg.report(fmt.Errorf("tiers: route %q: spill log: %w", s.name, err))
		return false
	}
	b.ctr.Inc(metrics.EventPublished)
	b.ctr.Inc(metrics.EventSpilled)
	s.wakeWorker()
	return true
}

// undelivered returns the events the route has been given and not finished: its Backlog and
// the events in its lane that the worker had not taken at its last tick. Any goroutine.
func (s *reliableRoute) undelivered() uint64 {
	seen := s.laneSeen.Load() // first: laneIn only grows past it
	inLane := s.laneIn.Load() - seen
	return uint64(max(s.pending.Load(), 0)) + inLane
}

// tryClear clears the spilling flag if the worker has read everything publishers appended and
// none is appending: from then on the lane is in order behind the log.
func (s *reliableRoute) tryClear() {
	st := s.state.Load()
	if st&spilling == 0 || st&appendingAll != 0 || s.pubTail.Load() >= s.readNext || s.cfg.WriteAhead {
		return
	}
	s.state.CompareAndSwap(st, st&^spilling) // fails if an append began or ended since the load
}

// tick fires due retries, then delivers the front queue, then the log, at most ReplayBatch
// events in all, clears the spilling flag when it can, and asks for a checkpoint now and then.
// While Stop drains it does nothing: what it holds is in the log, or is written there by Close.
func (b *reliableBinding) tick(c *engine.Context, now int64) (int, int64) {
	s := b.s
	s.laneSeen.Store(s.laneOut)
	if c.Stopping() {
		s.stopped.Store(true)
		return 0, 0
	}
	n, budget := 0, s.cfg.ReplayBatch
	for n < budget {
		due, ok := s.retries.Next()
		if !ok || due > now || !b.admitAt(now) {
			break
		}
		r, _ := s.retries.PopDue(now)
		b.ctr.Inc(metrics.EventRetried)
		b.attempt(c, &r.ev, r.seq, r.attempts, true)
		n++
	}
	for n < budget && s.front.len() > 0 && s.retries.Len() < s.retries.Cap() && b.admitAt(now) {
		r := *s.front.front()
		s.front.pop()
		if r.seq != 0 {
			b.ctr.Inc(metrics.EventReplayed)
		}
		b.attempt(c, &r.ev, r.seq, r.attempts, true)
		n++
	}
	for n < budget && s.front.len() == 0 && s.retries.Len() < s.retries.Cap() && s.logErr == nil {
		if !s.hasHeld && !s.readOne() {
			break
		}
		// Older events may still be in the lane: a publisher counts an event into the lane
		// before it appends anything later, so, having seen the record, the worker sees the
		// count. It takes them (Step) before it delivers the record.
		if s.state.Load()&spilling != 0 && s.laneOut != s.laneIn.Load() {
			break
		}
		if !b.admitAt(now) {
			break
		}
		s.hasHeld = false
		b.ctr.Inc(metrics.EventReplayed)
		b.attempt(c, &s.held.ev, s.held.seq, s.held.attempts, true)
		n++
		if s.readNext-1-s.ckptDone >= uint64(s.cfg.CheckpointEvery) {
			s.checkpoint(now)
		}
	}
	if s.front.len() == 0 && !s.hasHeld && s.caughtUp && (s.breaker == nil || s.breaker.State() == CircuitClosed) {
		s.tryClear()
	}
	if n > 0 && b.info.EndChain != nil {
		b.info.EndChain()
	}
	s.checkpoint(now)
	return n, s.deadline()
}

// readOne reads the next record to deliver into s.held; false when there is none (yet).
func (s *reliableRoute) readOne() bool {
	for {
		rec, err := s.reader.Next()
		if err != nil {
			s.caughtUp = errors.Is(err, io.EOF)
			if !s.caughtUp {
				s.logFailed(err)
			}
			return false
		}
		s.caughtUp = false
		s.readNext = rec.Seq + 1
		switch rec.Type {
		case recEvent:
		case recRetry, recFront:
			continue // in the retry queue, or (from before this start) in the front queue
		default:
			s.cfg.report(fmt.Errorf("%w: route %q: spill log record %d has type %d", ErrRecord, s.name, rec.Seq, rec.Type))
			continue
		}
		attempts, err := getEventRecord(rec.Payload, &s.held.ev)
		if err != nil {
			s.pending.Add(-1) // counted when appended, or recovered: it will never be delivered
			s.cfg.report(fmt.Errorf("route %q: spill log record %d: %w", s.name, rec.Seq, err))
			continue
		}
		s.held.ev.Flags |= events.FlagReplayed
		s.held.seq, s.held.attempts, s.hasHeld = rec.Seq, attempts, true
		return true
	}
}

// recover reads the records a previous run left past the checkpoint once, putting those it had
// in memory (recRetry, recFront) into the front queue, in log order, and counts them and the
// events to deliver (recEvent) in pending.
func (s *reliableRoute) recover(from uint64) error {
	r := s.spill.NewReader(from)
	defer r.Close()
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if rec.Type == recEvent {
			s.pending.Add(1)
		}
		if rec.Type != recRetry && rec.Type != recFront {
			continue
		}
		f := retry{seq: rec.Seq}
		if f.attempts, err = getEventRecord(rec.Payload, &f.ev); err != nil {
			return fmt.Errorf("record %d: %w", rec.Seq, err)
		}
		f.ev.Flags |= events.FlagReplayed
		s.front.push(f)
		s.pending.Add(1)
	}
}

// deadline is when the worker next has something to do: the first retry, or the end of an open
// circuit that holds back a backlog.
func (s *reliableRoute) deadline() int64 {
	next, _ := s.retries.Next()
	if br := s.breaker; br != nil && br.State() == CircuitOpen && (s.hasHeld || !s.caughtUp || s.front.len() > 0) {
		if at := br.RetryAt(); next == 0 || at < next {
			next = at
		}
	}
	return next
}

// checkpoint asks the checkpointer to record the first sequence the worker has not finished,
// less one: every CheckpointEvery records, and when it has caught up; at most every
// checkpointPause while caught up or held back (a checkpoint costs two fsyncs).
func (s *reliableRoute) checkpoint(now int64) {
	read := s.readNext - 1
	if read <= s.ckptDone {
		return
	}
	if read-s.ckptDone < uint64(s.cfg.CheckpointEvery) || s.retries.Len() > 0 || s.hasHeld || s.front.len() > 0 {
		// Caught up, or held back by what it has not finished: at most every checkpointPause.
		if !s.caughtUp && read-s.ckptDone < uint64(s.cfg.CheckpointEvery) || now-s.ckptScan < int64(checkpointPause) {
			return
		}
	}
	s.ckptScan = now
	pos := s.finished()
	if pos > s.ckptDone {
		s.ckptDone = pos
		s.ckpt.request(pos, s.deadLast.Load())
	}
}

// finished returns the highest sequence up to which every record is finished.
func (s *reliableRoute) finished() uint64 {
	pos := s.readNext - 1
	if s.hasHeld && s.held.seq <= pos {
		pos = s.held.seq - 1
	}
	s.retries.Range(func(_ int64, r *retry) bool {
		if r.seq != 0 && r.seq <= pos {
			pos = r.seq - 1
		}
		return true
	})
	for _, r := range s.front.all() {
		if r.seq != 0 && r.seq <= pos {
			pos = r.seq - 1
		}
	}
	return pos
}

// logFailed stops replay after the spill log failed, and reports it once.
func (s *reliableRoute) logFailed(err error) {
	if s.logErr == nil {
		s.logErr = err
		s.cfg.report(fmt.Errorf("tiers: route %q: spill log: %w", s.name, err))
	}
}

// wakeWorker wakes the route's worker (the spill log's flusher calls it when records become
// durable).
func (s *reliableRoute) wakeWorker() {
	if f := s.wake.Load(); f != nil && *f != nil {
		(*f)()
	}
}

// close writes the front queue's events that have no record to the log (recFront: the next
// start delivers them first), makes a last checkpoint and closes the logs.
func (s *reliableRoute) close() error {
	s.ckpt.stop()
	var errs []error
	// Read past the records the route has finished (retries that succeeded or were
	// dead-lettered), up to the first it has not, so that the checkpoint covers them; before
	// writing the front queue, whose records must stay past the checkpoint.
	if err := s.spill.Sync(); err != nil {
		errs = append(errs, err)
	} else if !s.hasHeld && s.logErr == nil {
		s.readOne()
	}
	kept := s.front.all()[:0]
	for _, r := range s.front.all() {
		if r.seq != 0 {
			kept = append(kept, r)
			continue
		}
		putEventRecord(&s.rec, &r.ev, r.attempts)
		if _, err := s.spill.AppendAsync(recFront, s.rec[:]); err != nil {
			errs = append(errs, err)
			break
		}
	}
	s.front.items, s.front.head = kept, 0
	if err := s.spill.Sync(); err != nil {
		errs = append(errs, err)
	}
	if err := s.dead.Sync(); err != nil {
		errs = append(errs, err)
	} else if pos := s.finished(); pos > s.spill.Checkpoints()[spillConsumer] && pos <= s.spill.Durable() {
		if err := s.spill.Checkpoint(spillConsumer, pos); err != nil {
			errs = append(errs, err)
		}
	}
	s.reader.Close()
	for _, l := range []*wal.Log{s.spill, s.dead} {
		if err := l.Close(); err != nil && !errors.Is(err, wal.ErrClosed) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// atomicMax raises a to v if v is higher.
func atomicMax(a *atomic.Uint64, v uint64) {
	for {
		old := a.Load()
		if v <= old || a.CompareAndSwap(old, v) {
			return
		}
	}
}

// checkpointer records a route's spill checkpoints on a goroutine of its own: a checkpoint is
// two fsyncs, which the worker must not wait for. The worker asks; the latest request wins.
type checkpointer struct {
	s    *reliableRoute
	pos  atomic.Uint64 // the spill sequence to checkpoint
	dead atomic.Uint64 // the dead letter that must be durable first
	kick chan struct{}
	done chan struct{}
}

func newCheckpointer(s *reliableRoute) *checkpointer {
	k := &checkpointer{s: s, kick: make(chan struct{}, 1), done: make(chan struct{})}
	go k.run()
	return k
}

func (k *checkpointer) request(pos, dead uint64) {
	k.dead.Store(dead)
	k.pos.Store(pos)
	select {
	case k.kick <- struct{}{}:
	default:
	}
}

func (k *checkpointer) run() {
	defer close(k.done)
	s := k.s
	for range k.kick {
		pos, dead := k.pos.Load(), k.dead.Load()
		if dead > 0 {
			// The spill record of a dead letter may go only once the dead letter is durable.
			if err := s.dead.WaitDurable(dead); err != nil {
				s.cfg.report(fmt.Errorf("tiers: route %q: dead-letter log: %w", s.name, err))
				continue
			}
		}
		if err := s.spill.Checkpoint(spillConsumer, pos); err != nil {
			s.cfg.report(fmt.Errorf("tiers: route %q: checkpoint %d: %w", s.name, pos, err))
		}
	}
}

func (k *checkpointer) stop() {
	close(k.kick)
	<-k.done
}
