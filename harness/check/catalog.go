package check

import "github.com/xrdp-harness/xrdp-harness/harness"

// Default returns the whole catalog, every detector sharing one Config
// built from opts (the list below is the one place that names them;
// scenario skips, the schema and docs/scenarios.md derive from it). The
// slice is a fresh value each call: callers add, drop or reorder freely. The error
// joins every bad option (the checkers are still returned, built with the
// valid options and defaults for the rest).
func Default(opts ...Option) ([]harness.Checker, error) {
	cfg, err := NewConfig(opts...)
	return []harness.Checker{
		Zombies{Config: cfg},
		VNCErrors{Config: cfg},
		Chansrv{Config: cfg},
		SesmanErrors{Config: cfg},
		Stale{Config: cfg},
		Leaks{Config: cfg},
		Ports{Config: cfg},
		Recovery{Config: cfg},
		Latency{Config: cfg},
		Affinity{Config: cfg},
	}, err
}
