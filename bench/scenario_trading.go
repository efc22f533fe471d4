package bench

import _ "embed" // the plan's routing file

// tradingYAML is docs/examples/trading.yaml, the plan's routing (a test keeps the two equal).
//
//go:embed trading.yaml
var tradingYAML []byte

// TradingFlow is the trading-flow scenario: the plan's flow from docs/examples/trading.yaml,
// loaded through engine/config with the demo components and the real tiers
// (config.BuiltinTiers: the fast tier batches, the reliable one spills to a write-ahead log in
// a temporary directory when its lane fills, and retries). A
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

// TradingFlow1M is trading-flow with its open loop at 1M MarketData events/s whatever the
// suite's rate: the plan's target load, sent event by event on its intended schedule, so that
// "sustains 1M/s" is shown by load.unsent = 0 and the latency at that rate, not only by the
// closed loop's throughput.
func TradingFlow1M() Scenario {
	s := TradingFlow()
	s.Name, s.Doc, s.Rate = "trading-flow-1m", "trading-flow with the open loop at 1M MarketData events/s", 1e6
	return s
}
