package bench

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hotpath-go/hotpath/engine/config"
)

// ConfigScenario returns the config scenario: the routing configuration in the file at path,
// run with the demo components (the names of the plan; package engine/config/demo) as the
// trading-flow scenario runs the plan's file, so that a user can measure their own routing
// under load (`hotpath -config FILE`). The suite publishes events of the kinds the file routes
// from its external sources (all but the demo components' own, strategy and risk) and times
// them at the demo's execution and executor, which must be reachable; the file's engine
// section gives the workers (and ring size, batch and backlog), while the suite places them
// (its cpus are not used). ConfigScenario loads the file and probes the flow before it
// returns: a file that does not load is an error wrapping ErrFlow with every mistake located
// (file:line:col), as is one whose inputs never reach execution or executor.
func ConfigScenario(path string) (Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return Scenario{}, fmt.Errorf("%w: %w", ErrFlow, err)
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, config.MaxFileSize+1))
	if err != nil {
		return Scenario{}, fmt.Errorf("%w: %s: %w", ErrFlow, path, err)
	}
	fl := newFlow(path, src)
	if err := fl.prepare(); err != nil {
		return Scenario{}, err
	}
	doc := fmt.Sprintf("the routing of %s: %d inputs, %d timed deliveries each, %d workers", path, len(fl.inputs), fl.fanout, fl.workers)
	if len(fl.notes) > 0 {
		doc += " (" + strings.Join(fl.notes, "; ") + ")"
	}
	return fl.scenario("config", doc), nil
}
