package bench

import _ "embed" // the plan's routing file

// tradingYAML is docs/examples/trading.yaml, the plan's routing (a test keeps the two equal).
//
//go:embed trading.yaml
var tradingYAML []byte

// TradingFlow is the trading-flow scenario: the plan's flow from docs/examples/trading.yaml,
// loaded through engine/config with the demo components and tiers (see demo.Tiers: fast and
// reliable are stand-ins that run as standard until package tiers registers its own). A
// producer publishes MarketData from data_source, alternating prices that send the strategy's
// Signals to both risk checks; indicators and strategies (fast tier) publish a Signal,
// aggressive_risk or conservative_risk (standard) an Order, and validation then execution
// (reliable) handle it, all on the file's one worker. Latency is from the MarketData's
// intended send time, which the Signal and the Order carry, to execution. The only
// implementation is hotpath, its own baseline.
func TradingFlow() Scenario {
	return newFlow("trading.yaml", tradingYAML).scenario("trading-flow",
		"the plan's flow: MarketData -> strategy -> risk -> execution")
}
