// Package ring provides preallocated, lock-free ring buffers for fixed-size values: the
// hand-off between hotpath's producers and its workers.
//
// # Rings
//
//   - [SPSC]: one producer, one consumer.
//   - [Multicast]: one producer, many consumers that each see every event (the LMAX Disruptor's
//     model); a consumer may be gated on other consumers, so pipelines and diamonds run over one
//     ring. SPSC is a Multicast with one consumer.
//   - [MPMC]: many producers, many consumers, each event to exactly one consumer (Vyukov's bounded
//     queue, with batch claims). [NewWorkShare] is the same ring used by one producer: the
//     work-sharing SPMC ring.
//
// Every ring offers by-value TryPush/Push/TryPop/Pop, and a zero-copy batch API: a producer
// reserves n slots, writes them in place through Slot and commits them at once; a consumer polls
// every ready slot up to a limit as a range [lower, upper), reads them through Slot (Drain passes
// an end-of-batch flag on the last one) and releases the range. Nothing allocates after
// construction.
//
// # Layout
//
// A slot is the publication sequence followed by the value. With an events.Raw (56 bytes) a slot
// is exactly one 64-byte cache line, and the slot array starts on a line boundary, so a consumer
// that sees the sequence has the event in the same line: one cache-line transfer per event.
//
//	slot i:   | seq (8 B) | value (56 B)                                   |  one cache line
//	ring:     [ read-only line: slots, mask, strategies ] pad
//	          [ producer line: tail, limit ]               pad
//	          [ closed flag (written once) ]               pad
//	          [ waiters ]
//	consumer: [ next, avail (consumer only) ]              pad
//	          [ released (written by the consumer, read by the producer and dependents) ] pad
//
// Indices that different cores write live on their own lines (64 bytes apart; [CacheLine]).
//
// # Memory ordering
//
// Sequences are published with a release store and read with an acquire load. On amd64 every
// store is a release store and every load an acquire load (TSO), so publishing is a plain MOV in
// a tiny assembly function the compiler cannot reorder stores around, rather than sync/atomic's
// Store, which compiles to XCHG: a full barrier that drains the store buffer on every event.
// Under the race detector, and on other architectures, sync/atomic is used.
//
// SPSC and Multicast: slot p's sequence is p+1 once the value for position p is written; a
// consumer at position p reads the sequence, and if it equals p+1 the value's stores, made
// before the sequence store, are visible (release/acquire). The producer reuses slot p only when
// p < min(released) + size over all consumers: it
// caches that limit and re-reads the consumers' released words only when it reaches it. A
// consumer with dependencies reads up to the minimum released position of its dependencies, which
// they publish (release) after finishing with those slots, so their writes to the slots are
// visible to it. Consumers that take events one at a time publish their released position every
// size/4 events and before waiting, so the producer's and consumer's lines are not exchanged per
// event.
//
// MPMC: Vyukov's protocol. Slot p's sequence is p when free for the lap of position p, p+1 when
// published, p+size when its consumer is done. Producers claim positions with a compare-and-swap
// on the tail after checking that the slots are free; consumers claim ready positions with a
// compare-and-swap on the head. A failed claim retries; TryPush reports "full" only when the slot
// at the tail still holds the previous lap's event.
//
// # Waiting
//
// A [Wait] strategy says what a blocked side does: spin (with growing PAUSE backoff), yield to the
// scheduler, then park. Parked consumers are woken by the next publish through a Dekker-style
// handshake (a registration counter that publishers read after a full barrier), so a ring whose
// consumers may park pays one barrier per publish, and an idle ring costs ~0% CPU. Parked
// producers (a full ring) nap and re-check rather than being woken, so releases stay
// barrier-free.
//
// # Closing
//
// Close wakes every waiter. Producers then get [ErrClosed]; consumers drain what was published and
// then get ErrClosed. SPSC and Multicast have one producer, which must be the goroutine that calls
// Close (after its last publish). MPMC's Close may be called by anyone at any time: it sets a bit
// in the claim counter, so no producer can claim a slot after it, and consumers wait for
// producers that claimed before it to finish publishing.
package ring
