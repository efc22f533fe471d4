package events

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// PriceScale is the number of Price units in one currency unit: prices have 8 decimal places.
const PriceScale = 100_000_000

// Price is a fixed-point decimal: the value times PriceScale, as an int64. It is exact for any
// price quoted with at most 8 decimals, totally ordered, and compared with integer instructions.
type Price int64

// ErrPriceSyntax is returned by [ParsePrice] for text that is not a decimal within range.
var ErrPriceSyntax = errors.New("events: invalid price")

// PriceFromFloat returns the Price nearest to f. Use it at the edges (feeds that deliver floats);
// arithmetic inside the engine stays in Price.
func PriceFromFloat(f float64) Price {
	return Price(math.Round(f * PriceScale))
}

// Float returns p as a float64 (for display and models; not exact).
func (p Price) Float() float64 { return float64(p) / PriceScale }

// ParsePrice parses a decimal such as "150.25" or "-0.00000001" exactly.
func ParsePrice(s string) (Price, error) {
	t := s
	neg := strings.HasPrefix(t, "-")
	if neg || strings.HasPrefix(t, "+") {
		t = t[1:]
	}
	ip, fp, _ := strings.Cut(t, ".")
	if ip == "" && fp == "" || len(fp) > 8 {
		return 0, fmt.Errorf("%w: %q", ErrPriceSyntax, s)
	}
	var whole, frac uint64
	var err error
	if ip != "" {
		if whole, err = strconv.ParseUint(ip, 10, 64); err != nil || whole > math.MaxInt64/PriceScale {
			return 0, fmt.Errorf("%w: %q", ErrPriceSyntax, s)
		}
	}
	if fp != "" {
		if frac, err = strconv.ParseUint(fp+strings.Repeat("0", 8-len(fp)), 10, 64); err != nil {
			return 0, fmt.Errorf("%w: %q", ErrPriceSyntax, s)
		}
	}
	u := whole*PriceScale + frac
	if u > math.MaxInt64 {
		return 0, fmt.Errorf("%w: %q", ErrPriceSyntax, s)
	}
	v := int64(u)
	if neg {
		v = -v
	}
	return Price(v), nil
}

// String formats p with the shortest exact decimal representation.
func (p Price) String() string {
	v := int64(p)
	sign := ""
	u := uint64(v)
	if v < 0 {
		sign = "-"
		u = uint64(-v)
	}
	whole, frac := u/PriceScale, u%PriceScale
	if frac == 0 {
		return sign + strconv.FormatUint(whole, 10)
	}
	fs := fmt.Sprintf("%08d", frac)
	return sign + strconv.FormatUint(whole, 10) + "." + strings.TrimRight(fs, "0")
}
