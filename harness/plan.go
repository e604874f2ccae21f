package harness

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// Executor is one load shape (constant rate, ramp, burst, reconnect storm):
// it drives clients against the targets and records every operation in
// env.Ops. It returns when its work is done or ctx ends.
type Executor interface {
	Name() string
	Run(ctx context.Context, env Env) error
}

// Env is what executors and faults get from the engine.
type Env struct {
	Targets []Target
	Ops     *OpLog
	// Started is when the load phase began (the lab is up and watched);
	// fault schedules are offsets from it.
	Started time.Time
	// ClientSeq numbers clients across all executors of a run, so that
	// client names (which xrdp logs and checkers match on) never repeat.
	ClientSeq *atomic.Int64
	// RecordFault adds a fault window to the Record, for executors that
	// inject faults in the operation stream (a nemesis step of a sequence).
	// Nil discards.
	RecordFault func(FaultWindow)
	// RecordResponse adds a client-timed response; RecordLevel a capacity
	// level. Nil discards.
	RecordResponse func(Response)
	RecordLevel    func(LevelMark)
	// Responses returns the responses recorded so far (the targets'
	// workloads and the clients'), for executors that step on them. Nil:
	// none.
	Responses func() []Response
}

// Target finds a target by name; "" means the first.
func (e Env) Target(name string) (Target, error) {
	for _, t := range e.Targets {
		if name == "" || t.Name() == name {
			return t, nil
		}
	}
	return nil, fmt.Errorf("harness: no target named %q", name)
}

// Fault is something done to a target and, unless it is instantaneous,
// undone. Inject returns a short description of what was hit (a pid, a
// port) for the Record.
type Fault interface {
	Name() string
	Inject(ctx context.Context, t Target) (detail string, err error)
	Heal(ctx context.Context, t Target) error
}

// FaultStep schedules a fault: inject At after the start, hold it for Hold,
// then heal. Hold 0 heals at once (a kill has nothing to hold).
type FaultStep struct {
	Fault  Fault
	Target string // target name; "" for the first target
	At     time.Duration
	Hold   time.Duration
}

// Plan is one run: a lab, load, a fault schedule, and how long to watch.
type Plan struct {
	Name  string
	Lab   Lab
	Load  []Executor
	Fault []FaultStep
	// MaxDuration bounds the load phase (0: 10 minutes). Load that has not
	// finished by then is cancelled and the Record says so.
	MaxDuration time.Duration
	// Settle keeps watching after load and faults end, so that late
	// effects (zombies, recovery) are recorded.
	Settle time.Duration
	// Config is copied into the Record as the run's settings.
	Config map[string]string
}

// Validate reports every problem of the plan at once.
func (p Plan) Validate() []error {
	var errs []error
	if p.Name == "" {
		errs = append(errs, errors.New("plan: name is empty"))
	}
	if p.Lab == nil {
		errs = append(errs, errors.New("plan: no lab"))
	}
	if p.MaxDuration < 0 || p.Settle < 0 {
		errs = append(errs, errors.New("plan: durations cannot be negative"))
	}
	for i, f := range p.Fault {
		if f.Fault == nil {
			errs = append(errs, fmt.Errorf("plan: fault step %d has no fault", i))
		}
		if f.At < 0 || f.Hold < 0 {
			errs = append(errs, fmt.Errorf("plan: fault step %d: At and Hold cannot be negative", i))
		}
	}
	for i, e := range p.Load {
		if e == nil {
			errs = append(errs, fmt.Errorf("plan: load %d is nil", i))
		}
	}
	return errs
}

// NoFault does nothing: the fault of a baseline run.
type NoFault struct{}

var _ Fault = NoFault{}

func (NoFault) Name() string                                   { return "none" }
func (NoFault) Inject(context.Context, Target) (string, error) { return "", nil }
func (NoFault) Heal(context.Context, Target) error             { return nil }
