package events_test

import (
	"reflect"
	"sync"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/events"
	"github.com/hotpath-go/hotpath/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// hasPointers walks t the way the garbage collector would care about.
func hasPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.String, reflect.Slice, reflect.Map, reflect.Interface,
		reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return true
	case reflect.Array:
		return hasPointers(t.Elem())
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if hasPointers(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
}

func TestKindsAreFixedSizePointerFree(t *testing.T) {
	for _, v := range []any{events.Header{}, events.Raw{}, events.MarketData{}, events.Signal{}, events.Order{}} {
		ty := reflect.TypeOf(v)
		assert.Falsef(t, hasPointers(ty), "%s has pointers", ty)
		assert.LessOrEqualf(t, ty.Size(), uintptr(events.MaxSize), "%s size", ty)
	}
	for _, v := range []any{events.Raw{}, events.MarketData{}, events.Signal{}, events.Order{}} {
		ty := reflect.TypeOf(v)
		assert.Equalf(t, uintptr(56), ty.Size(), "Sizeof(%s) = %d, want 56", ty, ty.Size())
		assert.Truef(t, ty.Field(0).Anonymous && ty.Field(0).Type == reflect.TypeFor[events.Header](), "%s: header first", ty)
	}
	assert.Equal(t, uintptr(events.HeaderSize), unsafe.Sizeof(events.Header{}))
}

func TestAsAndToRaw(t *testing.T) {
	md := events.MarketData{Header: events.Header{ID: 7, Kind: events.KindMarketData}, Symbol: events.MustSymbol("AAPL"), Price: events.PriceFromFloat(150.25), Volume: 100}
	r := events.ToRaw(&md)
	got := events.As[events.MarketData](&r)
	assert.Equal(t, md, *got)
	assert.Equal(t, events.KindMarketData, r.Kind)
	assert.Equal(t, 0.0, testing.AllocsPerRun(100, func() {
		r = events.ToRaw(&md)
		_ = events.As[events.MarketData](&r).Price
	}))
}

func TestSymbol(t *testing.T) {
	tests := []struct {
		in      string
		wantErr bool
	}{{"AAPL", false}, {"", false}, {"BTC-USDT", false}, {"TOOLONGSYM", true}}
	for _, tc := range tests {
		y, err := events.ParseSymbol(tc.in)
		if tc.wantErr {
			assert.ErrorIsf(t, err, events.ErrSymbolTooLong, "ParseSymbol(%q)", tc.in)
			continue
		}
		require.NoError(t, err)
		assert.Equalf(t, tc.in, y.String(), "ParseSymbol(%q).String()", tc.in)
	}
	assert.Panics(t, func() { events.MustSymbol("WAYTOOLONG") })
}

func TestPrice(t *testing.T) {
	tests := []struct {
		in   string
		want events.Price
		str  string
	}{
		{"150.25", 15_025_000_000, "150.25"},
		{"0.00000001", 1, "0.00000001"},
		{"-3", -300_000_000, "-3"},
		{"+1.5", 150_000_000, "1.5"},
		{".5", 50_000_000, "0.5"},
		{"92000000000", 9_200_000_000_000_000_000, "92000000000"},
	}
	for _, tc := range tests {
		p, err := events.ParsePrice(tc.in)
		require.NoErrorf(t, err, "ParsePrice(%q)", tc.in)
		assert.Equalf(t, tc.want, p, "ParsePrice(%q)", tc.in)
		assert.Equalf(t, tc.str, p.String(), "ParsePrice(%q).String()", tc.in)
	}
	for _, bad := range []string{"", "-", "1.123456789", "abc", "1e5", "93000000000", "1.-5"} {
		_, err := events.ParsePrice(bad)
		assert.ErrorIsf(t, err, events.ErrPriceSyntax, "ParsePrice(%q)", bad)
	}
	assert.Equal(t, events.Price(15_025_000_000), events.PriceFromFloat(150.25))
	assert.InDelta(t, 150.25, events.Price(15_025_000_000).Float(), 1e-9)
}

func TestEnumNames(t *testing.T) {
	assert.Equal(t, "BUY", events.ActionBuy.String())
	assert.Equal(t, "SELL", events.SideSell.String())
	assert.Equal(t, "LIMIT", events.OrderLimit.String())
	assert.Equal(t, "?", events.Action(9).String())
}

func FuzzParsePrice(f *testing.F) {
	for _, s := range []string{"150.25", "-0.1", "1.12345678", "", "."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := events.ParsePrice(s)
		if err != nil {
			return
		}
		q, err := events.ParsePrice(p.String())
		require.NoError(t, err)
		require.Equal(t, p, q, "round trip of %q", s)
	})
}

func TestIDsUniqueAcrossProducers(t *testing.T) {
	const producers, each = 8, 20000
	var space events.IDSpace
	out := make([][]uint64, producers)
	var wg sync.WaitGroup
	for p := range producers {
		g, err := space.NewGen()
		require.NoError(t, err)
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids := make([]uint64, each)
			for i := range ids {
				ids[i] = g.Next()
			}
			out[p] = ids
		}()
	}
	wg.Wait()
	seen := make(map[uint64]struct{}, producers*each)
	for _, ids := range out {
		for i, id := range ids {
			require.NotZero(t, id)
			if i > 0 {
				require.Greater(t, id, ids[i-1], "IDs of one generator increase")
			}
			_, dup := seen[id]
			require.Falsef(t, dup, "duplicate id %#x", id)
			seen[id] = struct{}{}
		}
	}
	assert.Len(t, seen, producers*each)
	g, _ := space.NewGen()
	assert.Equal(t, 0.0, testing.AllocsPerRun(1000, func() { _ = g.Next() }))
}

func TestIDSpaceExhausted(t *testing.T) {
	var space events.IDSpace
	for range 0xFFFF {
		_, err := space.NewGen()
		require.NoError(t, err)
	}
	_, err := space.NewGen()
	assert.ErrorIs(t, err, events.ErrIDSpaceExhausted)
}

func TestIDEpoch(t *testing.T) {
	var a, b events.IDSpace
	b.SetEpoch(1)
	ga, _ := a.NewGen()
	gb, _ := b.NewGen()
	assert.Less(t, ga.Next(), gb.Next(), "a later epoch issues larger IDs")
}
