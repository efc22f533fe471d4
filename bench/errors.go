package bench

import "errors"

// Sentinel errors of the bench package.
var (
	// ErrConfig is wrapped by every error Config.Validate returns.
	ErrConfig = errors.New("bench: invalid config")
	// ErrUnknownScenario is returned by Select and Run for a name in Config.Scenarios that no
	// scenario has.
	ErrUnknownScenario = errors.New("bench: unknown scenario")
	// ErrLost is returned when a Target delivered a different number of events than it was
	// sent (times its fanout): the implementation under test lost or duplicated events.
	ErrLost = errors.New("bench: events lost or duplicated")
	// ErrSchema is returned by ReadReport for JSON that is not a report of this schema.
	ErrSchema = errors.New("bench: not a hotpath results file")
	// ErrFlow is returned by ConfigScenario, and by the trading-flow scenario's targets, for a
	// routing configuration the suite cannot drive: it does not load, nothing can be published
	// into it, or nothing published reaches the timed components (execution, executor).
	ErrFlow = errors.New("bench: routing configuration cannot be benchmarked")
)
