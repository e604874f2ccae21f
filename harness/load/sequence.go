package load

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Sequence runs executors one after another: e.g. a reconnect storm, then
// one RDP login per user to see whether each still reaches its session.
type Sequence struct {
	Steps []harness.Executor
}

var _ harness.Executor = (*Sequence)(nil)

func (s *Sequence) Name() string {
	names := make([]string, len(s.Steps))
	for i, e := range s.Steps {
		names[i] = e.Name()
	}
	return "sequence(" + strings.Join(names, " → ") + ")"
}

func (s *Sequence) Run(ctx context.Context, env harness.Env) error {
	for i, e := range s.Steps {
		if ctx.Err() != nil {
			return nil
		}
		if err := e.Run(ctx, env); err != nil {
			return fmt.Errorf("step %d (%s): %w", i, e.Name(), err)
		}
	}
	return nil
}

// Pause waits: a step of a Sequence that lets a scheduled fault take hold
// or the server settle before the next step.
type Pause struct {
	For time.Duration
}

var _ harness.Executor = (*Pause)(nil)

func (p *Pause) Name() string { return "pause(" + p.For.String() + ")" }

func (p *Pause) Run(ctx context.Context, _ harness.Env) error {
	harness.Sleep(ctx, p.For)
	return nil
}
