// Package events defines hotpath's event model: fixed-size, pointer-free structs that travel
// through preallocated ring slots without the garbage collector ever seeing them.
//
// # Layout
//
// Every event kind is a struct whose first field is an embedded [Header] and whose total size is
// at most [MaxSize] (56) bytes. A ring slot is one 64-byte cache line: the ring's 8-byte
// publication sequence followed by the 56-byte event, so a consumer learns that an event is ready
// and reads the event from the same line (one cache-line transfer per event):
//
//	 0        8        16       24               32               40               48      56      64
//	+--------+--------+--------+----------------+----------------+----------------+-------+-------+
//	| ring   | ID     | TS     |Kind|Src|Flags  | payload (32 bytes, the kind's own fields)        |
//	| seq    |        |        |2 B |2 B|4 B    |                                                  |
//	+--------+--------+--------+----------------+--------------------------------------------------+
//	 ring.Slot  <----------------------------- events.Raw (56 bytes) ----------------------------->
//
// We chose 56-byte events over putting the ring's sequence inside the header (as an Aeron frame
// does with its length word) because it keeps the ring generic and the events free of ring
// state: any pointer-free type of at most 56 bytes gets a one-line slot, and an event can be
// copied between rings, logs and files without carrying a stale sequence. The cost is 8 bytes of
// payload per event, which the three trading kinds below do not need.
//
// # Kinds and the registry
//
// [Raw] is the common currency: 56 bytes with a header. Typed kinds ([MarketData], [Signal],
// [Order], or a user's own) are views of a Raw: [As] views a Raw as a kind without copying, and
// [ToRaw] copies a kind into a Raw. A [Registry] (one per engine, never global) hands out [Kind] numbers and validates, once,
// at registration, that a user's type is pointer-free, at most 56 bytes and starts with a Header;
// a type that does not qualify gets an error, not a panic. After registration nothing on the hot
// path looks at names, maps or reflection.
//
// # Prices
//
// Prices are fixed-point integers ([Price], 10^-8 units, the precision most venues and crypto
// exchanges quote in): exact decimal arithmetic, total ordering, cheap comparison, no rounding
// surprises at tick boundaries, and 8 bytes. Range: ±92 billion currency units. Floating point is
// used only for dimensionless model outputs such as a signal's strength.
//
// # Identifiers
//
// Event IDs are uint64 values from an [IDGen]; each producer owns one generator whose IDs carry
// the generator's number in the high 16 bits, so IDs are unique across producers without any
// shared write per event. See [IDSpace].
package events
