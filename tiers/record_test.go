package tiers

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotpath-go/hotpath/events"
)

func sampleEvent() events.Raw {
	r := events.Raw{Header: events.Header{ID: 1<<48 | 7, TS: -5, Kind: 3, Source: 9, Flags: events.FlagReplayed | 1}}
	for i := range r.Payload {
		r.Payload[i] = byte(i * 7)
	}
	return r
}

func TestEventRecordRoundTrip(t *testing.T) {
	ev := sampleEvent()
	var b [eventRecordSize]byte
	putEventRecord(&b, &ev, 42)
	var got events.Raw
	attempts, err := getEventRecord(b[:], &got)
	require.NoError(t, err)
	assert.Equal(t, ev, got)
	assert.Equal(t, uint32(42), attempts)
	_, err = getEventRecord(b[:60], &got)
	assert.ErrorIs(t, err, ErrRecord)
}

func TestDeadRecordRoundTrip(t *testing.T) {
	d := DeadLetter{Route: "risk/Order/1", Event: sampleEvent(), Reason: ReasonPermanent, Attempts: 4,
		LastError: "venue down", Time: time.Unix(0, 1_700_000_000_123_456_789)}
	b := appendDeadRecord(nil, &d)
	got, err := getDeadRecord(b)
	require.NoError(t, err)
	assert.Equal(t, d.Route, got.Route)
	assert.Equal(t, d.Event, got.Event)
	assert.Equal(t, d.Reason, got.Reason)
	assert.Equal(t, d.Attempts, got.Attempts)
	assert.Equal(t, d.LastError, got.LastError)
	assert.True(t, d.Time.Equal(got.Time))

	long := d
	long.LastError = strings.Repeat("e", 5000)
	got, err = getDeadRecord(appendDeadRecord(nil, &long))
	require.NoError(t, err)
	assert.Len(t, got.LastError, maxErrorText, "cut at 1 KiB")

	for _, bad := range [][]byte{nil, b[:deadHeaderSize], b[:len(b)-1], append(append([]byte{}, b...), 0)} {
		_, err := getDeadRecord(bad)
		assert.ErrorIs(t, err, ErrRecord)
	}
	assert.Equal(t, "retries-exhausted", ReasonExhausted.String())
	assert.Equal(t, "Reason(9)", Reason(9).String())
}

// FuzzDeadRecord: the dead-letter decoder never panics, and what it accepts encodes back to the
// same bytes.
func FuzzDeadRecord(f *testing.F) {
	d := DeadLetter{Route: "r", Event: sampleEvent(), Reason: ReasonExhausted, Attempts: 3, LastError: "x", Time: time.Unix(0, 5)}
	f.Add(appendDeadRecord(nil, &d))
	f.Add([]byte{})
	f.Add(make([]byte, deadHeaderSize+2))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := getDeadRecord(b)
		if err != nil {
			return
		}
		again := appendDeadRecord(nil, &got)
		// Byte 61, which the decoder ignores, is written as zero: compare lengths and fields.
		if len(again) != len(b) {
			t.Fatalf("re-encoded %d bytes, decoded %d", len(again), len(b))
		}
		got2, err := getDeadRecord(again)
		if err != nil || got2.Route != got.Route || got2.LastError != got.LastError || got2.Event != got.Event {
			t.Fatalf("round trip changed the record: %v", err)
		}
	})
}

// FuzzEventRecord: the spill record decoder never panics, and round-trips what it accepts.
func FuzzEventRecord(f *testing.F) {
	ev := sampleEvent()
	var b [eventRecordSize]byte
	putEventRecord(&b, &ev, 1)
	f.Add(b[:])
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, in []byte) {
		var got events.Raw
		attempts, err := getEventRecord(in, &got)
		if err != nil {
			return
		}
		var out [eventRecordSize]byte
		putEventRecord(&out, &got, attempts)
		if string(out[:60]) != string(in[:60]) {
			t.Fatalf("round trip changed the record")
		}
	})
}
