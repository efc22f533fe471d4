package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hotpath-go/hotpath/engine/config"
)

// FuzzLoad feeds arbitrary bytes to the loader: it must return a valid configuration or an
// *Errors whose every entry is located and wraps a sentinel, never panic, and never take long.
func FuzzLoad(f *testing.F) {
	for _, dir := range []string{examples, "testdata"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		for _, file := range files {
			if src, err := os.ReadFile(file); err == nil {
				f.Add(src)
			}
		}
	}
	for _, s := range []string{
		"", "routing:", "routing: {}", "routing: [", "a: &a [*a]", "routing: {s: {Signal: {routes: [{type: filter, condition: 'x >', target: logger}]}}}",
		"x-a: &a {type: pipeline, steps: [logger]}\nrouting: {s: {Signal: {routes: [*a, {<<: *a}]}}}",
		"routing: {s: {Signal: {<<: [*x], routes: !!seq []}}}", "%YAML 1.2\n---\nrouting: ~\n...\n",
		"routing:\n  s:\n    Signal:\n      routes:\n        - type: filter\n          condition: >\n            strength\n            > 0.7\n          target: logger\n",
		"engine: {workers: 99, cpus: [1, 1], ring_size: 3}\nrouting: {s: {Order: {tier: reliable, retry: {max_interval: 1ms}, routes: [{type: pipeline, steps: [execution]}]}}}",
		"engine: {wait: busy_spin, publish_wait: [parking]}\nrouting: {s: {Signal: {routes: [{type: pipeline, steps: [logger]}]}}}",
	} {
		f.Add([]byte(s))
	}
	l, _ := demoLoader(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		start := time.Now()
		cfg, err := l.Load("fuzz.yaml", src)
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("Load took %v", d)
		}
		if err == nil {
			if cfg == nil {
				t.Fatal("nil Config and nil error")
			}
			for _, r := range cfg.Routes {
				if r.Name == "" || r.Source == "" || r.Kind == "" || r.Target.Type() == nil && r.Target.String() == "<none>" {
					t.Fatalf("incomplete route %+v", r)
				}
			}
			return
		}
		if cfg != nil {
			t.Fatal("a Config with an error")
		}
		var errs *config.Errors
		if !errors.As(err, &errs) || len(errs.List) == 0 {
			t.Fatalf("error %v is not a non-empty *config.Errors", err)
		}
		for _, e := range errs.List {
			if e.Err == nil || e.Msg == "" || e.Line < 1 || e.Col < 1 || e.File == "" {
				t.Fatalf("malformed mistake (every mistake has a message, a sentinel and a file:line:col) %#v", e)
			}
		}
	})
}
