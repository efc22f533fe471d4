package events_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/events"
)

type Fill struct {
	events.Header
	OrderID  uint64
	Price    events.Price
	Quantity int32
	Maker    bool
}

type tooBig struct {
	events.Header
	A [40]byte
}

type withString struct {
	events.Header
	Note string
}

type nested struct {
	events.Header
	Inner struct{ P *int }
}

type noHeader struct {
	A, B int64
}

type headerLate struct {
	A int64
	events.Header
}

func TestRegister(t *testing.T) {
	r := events.NewRegistry()
	k, err := events.Register[Fill](r, "Fill")
	require.NoError(t, err)
	assert.GreaterOrEqual(t, uint16(k), uint16(16))
	info, ok := r.Lookup("Fill")
	require.True(t, ok)
	assert.Equal(t, k, info.Kind)
	f, ok := info.Field("quantity")
	require.True(t, ok)
	assert.Equal(t, events.FieldInt, f.Type)
	f, ok = info.Field("order_id")
	require.True(t, ok)
	assert.Equal(t, events.FieldUint, f.Type)
	f, ok = info.Field("maker")
	require.True(t, ok)
	assert.Equal(t, events.FieldBool, f.Type)
	got, err := events.KindOf[Fill](r)
	require.NoError(t, err)
	assert.Equal(t, k, got)

	tests := []struct {
		name string
		reg  func() error
		want error
	}{
		{"too big", func() error { _, err := events.Register[tooBig](r, ""); return err }, events.ErrTooLarge},
		{"string", func() error { _, err := events.Register[withString](r, ""); return err }, events.ErrHasPointers},
		{"nested pointer", func() error { _, err := events.Register[nested](r, ""); return err }, events.ErrHasPointers},
		{"no header", func() error { _, err := events.Register[noHeader](r, ""); return err }, events.ErrNoHeader},
		{"header late", func() error { _, err := events.Register[headerLate](r, ""); return err }, events.ErrNoHeader},
		{"not struct", func() error { _, err := events.Register[int64](r, ""); return err }, events.ErrNotStruct},
		{"duplicate name", func() error { _, err := events.Register[events.Raw](r, "Fill"); return err }, events.ErrDuplicate},
		{"duplicate type", func() error { _, err := events.Register[Fill](r, "Fill2"); return err }, events.ErrDuplicate},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.ErrorIs(t, tc.reg(), tc.want)
		})
	}
	err = func() error { _, err := events.Register[nested](r, ""); return err }()
	assert.ErrorContains(t, err, "nested.Inner.P")
	_, err = events.KindOf[tooBig](r)
	assert.ErrorIs(t, err, events.ErrUnknownKind)
}

func TestBuiltinFields(t *testing.T) {
	r := events.NewRegistry()
	assert.Equal(t, []string{"MarketData", "Signal", "Order"}, r.Names())
	tests := []struct {
		kind, field string
		typ         events.FieldType
	}{
		{"MarketData", "symbol", events.FieldSymbol},
		{"MarketData", "price", events.FieldPrice},
		{"MarketData", "volume", events.FieldInt},
		{"MarketData", "id", events.FieldUint},
		{"MarketData", "ts", events.FieldInt},
		{"Signal", "action", events.FieldEnum},
		{"Signal", "strength", events.FieldFloat},
		{"Order", "side", events.FieldEnum},
		{"Order", "order_type", events.FieldEnum},
		{"Order", "quantity", events.FieldInt},
	}
	for _, tc := range tests {
		info, ok := r.Lookup(tc.kind)
		require.True(t, ok)
		f, ok := info.Field(tc.field)
		require.Truef(t, ok, "%s.%s missing; have %v", tc.kind, tc.field, info.FieldNames())
		assert.Equalf(t, tc.typ, f.Type, "%s.%s type = %s", tc.kind, tc.field, f.Type)
	}
	info, _ := r.Info(events.KindSignal)
	f, _ := info.Field("action")
	assert.Equal(t, []string{"HOLD", "BUY", "SELL"}, f.Enum)
	_, ok := r.Info(99)
	assert.False(t, ok)
}
