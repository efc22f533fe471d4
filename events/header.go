package events

import "unsafe"

// MaxSize is the largest event, in bytes: a ring slot is one 64-byte cache line holding an 8-byte
// sequence and the event.
const MaxSize = 56

// PayloadSize is the space an event kind has after its Header.
const PayloadSize = MaxSize - HeaderSize

// HeaderSize is the size of [Header] in bytes.
const HeaderSize = 24

// Kind identifies an event type. Kinds are small integers handed out by a [Registry]; 0 is
// never a valid kind.
type Kind uint16

// Source identifies where an event comes from (a feed, a strategy, a risk check). Sources are
// small integers interned by the engine's router; 0 means "unset".
type Source uint16

// Built-in kinds, pre-registered in every [NewRegistry] under their type names.
const (
	KindMarketData Kind = 1
	KindSignal     Kind = 2
	KindOrder      Kind = 3
	// firstUserKind is the first number handed to a user's kind.
	firstUserKind Kind = 16
)

// Header is embedded, as the first field, in every event kind: composition, not inheritance.
// It is 24 bytes and pointer-free.
type Header struct {
	// ID is unique per event within an IDSpace (see IDGen).
	ID uint64
	// TS is the event's timestamp in nanoseconds; the producer chooses the clock (wall or
	// monotonic) and latency stamps use the engine's clock.
	TS int64
	// Kind is the event's registered kind.
	Kind Kind
	// Source is the interned source the event was published from; the engine sets it.
	Source Source
	// Flags is free for the application and for tiers (for example a replay marker).
	Flags uint32
}

// Hdr returns the header itself; with it every kind that embeds Header satisfies [Event].
func (h *Header) Hdr() *Header { return h }

// Event is satisfied by a pointer to any kind that embeds Header.
type Event interface {
	Hdr() *Header
}

// Raw is the kind-independent form of an event: its header and 32 bytes of payload. Rings,
// write-ahead logs and the engine's lanes carry Raw; handlers see typed views of it.
type Raw struct {
	Header
	Payload [PayloadSize]byte
}

// Flag bits reserved by hotpath in Header.Flags; the low 16 bits are the application's.
const (
	// FlagReplayed marks an event re-delivered from a write-ahead log.
	FlagReplayed uint32 = 1 << 31
)

// As returns the Raw event r viewed as a T, without copying. T must be a kind registered
// with the Registry that produced r.Kind (so it is pointer-free, at most MaxSize bytes and starts
// with a Header); As does not check. It is inlined and costs nothing.
func As[T any](r *Raw) *T {
	return (*T)(unsafe.Pointer(r))
}

// ToRaw copies the event v into a zeroed Raw. It does not allocate.
func ToRaw[T any](v *T) (r Raw) {
	*(*T)(unsafe.Pointer(&r)) = *v
	return r
}

var _ [MaxSize - unsafe.Sizeof(Raw{})]byte
var _ [unsafe.Sizeof(Raw{}) - MaxSize]byte
var _ [HeaderSize - unsafe.Sizeof(Header{})]byte
