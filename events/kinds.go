package events

// Action is what a Signal recommends.
type Action uint8

// Actions, as in the plan: BUY, SELL, HOLD. The zero value is ActionHold.
const (
	ActionHold Action = iota
	ActionBuy
	ActionSell
)

var actionNames = [...]string{"HOLD", "BUY", "SELL"}

// EnumNames lists the names of the Action values, indexed by value; config conditions use it
// (`action == BUY`).
func (Action) EnumNames() []string { return actionNames[:] }

func (a Action) String() string { return enumString(actionNames[:], uint8(a)) }

// Side is an order's direction.
type Side uint8

// Sides. The zero value is SideBuy, as in the plan's default.
const (
	SideBuy Side = iota
	SideSell
)

var sideNames = [...]string{"BUY", "SELL"}

// EnumNames lists the names of the Side values, indexed by value.
func (Side) EnumNames() []string { return sideNames[:] }

func (s Side) String() string { return enumString(sideNames[:], uint8(s)) }

// OrderType is how an order executes.
type OrderType uint8

// Order types. The zero value is OrderMarket, as in the plan's default.
const (
	OrderMarket OrderType = iota
	OrderLimit
	OrderStop
	OrderStopLimit
)

var orderTypeNames = [...]string{"MARKET", "LIMIT", "STOP", "STOP_LIMIT"}

// EnumNames lists the names of the OrderType values, indexed by value.
func (OrderType) EnumNames() []string { return orderTypeNames[:] }

func (t OrderType) String() string { return enumString(orderTypeNames[:], uint8(t)) }

func enumString(names []string, v uint8) string {
	if int(v) < len(names) {
		return names[v]
	}
	return "?"
}

// MarketData is a trade or quote update for one symbol: the plan's MarketData.
// 56 bytes, pointer-free.
type MarketData struct {
	Header
	Symbol Symbol
	Price  Price
	Volume int64
	_      [8]byte
}

// Signal is a strategy's recommendation: the plan's Signal. Strength is a model output in
// [0, 1], so it is a float64. 56 bytes, pointer-free.
type Signal struct {
	Header
	Symbol   Symbol
	Action   Action
	_        [7]byte
	Strength float64
	// Ref is the ID of the event the signal was derived from (0 if none), for tracing.
	Ref uint64
}

// Order is an instruction to trade: the plan's Order. Limit is the limit price of OrderLimit and
// OrderStopLimit orders. 56 bytes, pointer-free.
type Order struct {
	Header
	Symbol    Symbol
	Side      Side
	OrderType OrderType
	_         [6]byte
	Quantity  int64
	Limit     Price
}
