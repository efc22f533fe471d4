package cond_test

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// Wide is a test kind with a field of every width and type, packed so that several fields
// share a window and some sit in the last 8 bytes of the kind.
type Wide struct {
	events.Header
	I8    int8          // 24
	Maker bool          // 25
	U16   uint16        // 26
	F32   float32       // 28
	Sym   events.Symbol // 32
	I32   int32         // 40
	Side  events.Side   // 44
	U8    uint8         // 45
	I16   int16         // 46
	Px    events.Price  // 48
}

// Tail is a test kind with a symbol at an odd offset and small fields at the very end, so
// that windows are unaligned or shifted.
type Tail struct {
	events.Header
	A   uint8         // 24
	Sym events.Symbol // 25
	B   int8          // 33
	C   uint16        // 34
	D   int32         // 36
	E   float64       // 40
	F   float32       // 48
	G   int16         // 52
	H   uint8         // 54
	I   bool          // 55
}

// Tick is a test kind smaller than Raw.
type Tick struct {
	events.Header
	Px events.Price
}

var (
	_ [56 - unsafe.Sizeof(Wide{})]byte
	_ [56 - unsafe.Sizeof(Tail{})]byte
	_ [32 - unsafe.Sizeof(Tick{})]byte
)

// testRegistry returns a registry with the built-in kinds and Wide, Tail and Tick.
func testRegistry(t testing.TB) *events.Registry {
	r := events.NewRegistry()
	_, err := events.Register[Wide](r, "Wide")
	require.NoError(t, err)
	_, err = events.Register[Tail](r, "Tail")
	require.NoError(t, err)
	_, err = events.Register[Tick](r, "Tick")
	require.NoError(t, err)
	return r
}

func kindInfo(t testing.TB, r *events.Registry, name string) events.KindInfo {
	info, ok := r.Lookup(name)
	require.Truef(t, ok, "kind %s", name)
	return info
}
