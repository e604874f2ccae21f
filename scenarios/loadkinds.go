package scenarios

import (
	"fmt"
	"sort"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/harness/knee"
	"github.com/xrdp-harness/xrdp-harness/harness/load"
)

// loadKind is one load shape a scenario file can name: how its fields are
// checked, how its executor is built, and how many operations it records.
type loadKind struct {
	// validate adds the problems of the kind's own fields (the fields
	// every kind shares are checked by LoadSpec.validate).
	validate func(l LoadSpec, v *loadCheck)
	// build makes the executor; c holds the verdict thresholds (a
	// capacity run stops where the verdict would fail), t the target (a
	// capacity level waits for its workload's or its clients' samples).
	build func(l LoadSpec, c CheckSpec, t TargetSpec) (harness.Executor, error)
	// ops estimates the operations recorded, for progress bars (0: cannot
	// tell); users is the target's user count.
	ops func(l LoadSpec, users int) int
}

// loadCheck collects the problems of one load entry, each prefixed by its
// path in the file.
type loadCheck struct {
	path  string
	users int // of the target
	t     TargetSpec
	errs  []error
}

func (v *loadCheck) add(format string, args ...any) {
	v.errs = append(v.errs, fmt.Errorf(v.path+format, args...))
}

// users is the entry's user count (zero: every user of the target).
func (l LoadSpec) users(target int) int {
	if l.Users == 0 {
		return target
	}
	return l.Users
}

func noOps(LoadSpec, int) int { return 0 }

// loadKinds is the catalog of load shapes: one entry per kind. A function,
// not a variable, because sequence refers back to it.
func loadKinds() map[string]loadKind {
	return map[string]loadKind{
		"reconnect-storm": {
			validate: func(l LoadSpec, v *loadCheck) {
				if l.Cycles < 1 || l.Cycles > MaxOps {
					v.add(".cycles %d: want 1..%d", l.Cycles, MaxOps)
				}
				if l.Concurrency < 0 {
					v.add(".concurrency %d: cannot be negative (0 means all users at once)", l.Concurrency)
				}
			},
			build: func(l LoadSpec, _ CheckSpec, _ TargetSpec) (harness.Executor, error) {
				return &load.ReconnectStorm{Client: l.client(), Users: l.Users, Cycles: l.Cycles, Concurrency: l.Concurrency,
					Hold: l.Hold.D(), Think: l.Think.D(), Style: load.Style(l.Style), Rounds: l.Rounds}, nil
			},
			ops: func(l LoadSpec, users int) int { return 2 * l.users(users) * l.Cycles },
		},
		"constant": {
			validate: func(l LoadSpec, v *loadCheck) {
				// Written so that NaN fails (it once reached make() as a
				// negative length).
				if !(l.Rate > 0 && l.Rate <= maxRate) || l.Duration <= 0 {
					v.add(": rate %v, duration %v: constant needs a rate in (0, %d] logins per second and a duration > 0", l.Rate, l.Duration.D(), maxRate)
				}
			},
			build: func(l LoadSpec, _ CheckSpec, _ TargetSpec) (harness.Executor, error) {
				return &load.Ramp{Client: l.client(), Users: l.Users, From: l.Rate, To: l.Rate, Duration: l.Duration.D(),
					Hold: l.Hold.D(), Style: load.Style(l.Style)}, nil
			},
			ops: func(l LoadSpec, _ int) int { return 2 * int(l.Rate*l.Duration.D().Seconds()) },
		},
		"ramp": {
			validate: func(l LoadSpec, v *loadCheck) {
				if !(l.From >= 0 && l.From <= maxRate) || !(l.To >= 0 && l.To <= maxRate) || l.From+l.To == 0 || l.Duration <= 0 {
					v.add(": from %v, to %v, duration %v: ramp needs rates in [0, %d] logins per second (not both 0) and a duration > 0", l.From, l.To, l.Duration.D(), maxRate)
				}
			},
			build: func(l LoadSpec, _ CheckSpec, _ TargetSpec) (harness.Executor, error) {
				return &load.Ramp{Client: l.client(), Users: l.Users, From: l.From, To: l.To, Duration: l.Duration.D(),
					Hold: l.Hold.D(), Style: load.Style(l.Style)}, nil
			},
			// 2 ops × mean rate × time
			ops: func(l LoadSpec, _ int) int { return int((l.From + l.To) * l.Duration.D().Seconds()) },
		},
		"burst": {
			validate: func(l LoadSpec, v *loadCheck) {
				if l.N < 1 || l.N > MaxOps {
					v.add(".n %d: want 1..%d logins", l.N, MaxOps)
				}
			},
			build: func(l LoadSpec, _ CheckSpec, _ TargetSpec) (harness.Executor, error) {
				return &load.Burst{Client: l.client(), Users: l.Users, N: l.N, Hold: l.Hold.D(), Style: load.Style(l.Style)}, nil
			},
			ops: func(l LoadSpec, _ int) int { return 2 * l.N },
		},
		"capacity": {
			validate: func(l LoadSpec, v *loadCheck) {
				if l.Step < 1 || l.Every <= 0 || l.Max < l.Step || l.Every.D() > time.Hour {
					v.add(": step %d, every %v, max %d: capacity needs step ≥ 1, every in (0, 1h] and max ≥ step", l.Step, l.Every.D(), l.Max)
				}
				if l.Max > v.users {
					v.add(".max %d: the target has only %d users (set target.users)", l.Max, v.users)
				}
				if l.Threshold < 0 || l.ProbeEvery < 0 || l.Threshold.D() > time.Hour || l.ProbeEvery.D() > time.Hour {
					v.add(": threshold %v, probeEvery %v: want 0..1h each", l.Threshold.D(), l.ProbeEvery.D())
				}
				if l.LevelCycles < 0 || l.LevelCycles > 100 {
					v.add(".levelCycles %d: want 0..100 (0 means 1)", l.LevelCycles)
				}
				if l.MinLevelCycles < 0 || l.MinLevelCycles > 10000 {
					v.add(".minLevelCycles %d: want 0..10000 (0: levelCycles per session is enough)", l.MinLevelCycles)
				}
				if l.MaxEvery != 0 && (l.MaxEvery < l.Every || l.MaxEvery.D() > time.Hour) {
					v.add(".maxEvery %v: want every (%v) ≤ maxEvery ≤ 1h, or 0 for 4 × every", l.MaxEvery.D(), l.Every.D())
				}
				if l.Threshold > 0 && v.t.Workload == nil && l.ProbeEvery == 0 {
					v.add(".threshold: a knee on response times needs responses; set target.workload (inside the sessions) or probeEvery (from the client)")
				}
			},
			build: func(l LoadSpec, c CheckSpec, t TargetSpec) (harness.Executor, error) {
				cp := &load.Capacity{Client: l.client(), Step: l.Step, Every: l.Every.D(), Max: l.Max, MaxP99: c.MaxP99.D(),
					ProbeEvery: l.ProbeEvery.D(), MaxEvery: l.MaxEvery.D(), PerSession: l.LevelCycles,
					MinLevelSamples: l.MinLevelCycles}
				// A level waits for the samples the knee is judged on
				// (knee.FromRecord): the workload's when there is one,
				// else the clients' keystrokes.
				switch {
				case t.Workload != nil:
					cp.WaitFor = harness.ServerSide
				case l.ProbeEvery > 0:
					cp.WaitFor = harness.ClientSide
				}
				if c.MaxErrorRate != nil {
					cp.MaxErrorRate = *c.MaxErrorRate
				}
				if l.Threshold > 0 {
					cp.Knee = &knee.Rule{Threshold: l.Threshold.D(), MaxErrorRate: cp.MaxErrorRate, NeedResponses: true}
				}
				return cp, nil
			},
			ops: noOps, // stops at the first level that degrades
		},
		"sequence": {
			validate: func(l LoadSpec, v *loadCheck) {
				if len(l.Steps) == 0 {
					v.add(".steps: a sequence needs steps")
				}
				for i, s := range l.Steps {
					v.errs = append(v.errs, s.validate(fmt.Sprintf("%s.steps[%d]", v.path, i), v.t)...)
				}
			},
			build: func(l LoadSpec, c CheckSpec, t TargetSpec) (harness.Executor, error) {
				seq := &load.Sequence{}
				for i, st := range l.Steps {
					e, err := st.executor(c, t)
					if err != nil {
						return nil, fmt.Errorf("steps[%d]: %w", i, err)
					}
					seq.Steps = append(seq.Steps, e)
				}
				return seq, nil
			},
			ops: func(l LoadSpec, users int) int {
				n := 0
				for _, st := range l.Steps {
					n += st.expectedOps(users)
				}
				return n
			},
		},
		"pause": {
			validate: func(l LoadSpec, v *loadCheck) {
				if l.Duration <= 0 {
					v.add(".duration: a pause needs a duration > 0")
				}
			},
			build: func(l LoadSpec, _ CheckSpec, _ TargetSpec) (harness.Executor, error) {
				return &load.Pause{For: l.Duration.D()}, nil
			},
			ops: noOps,
		},
		"fault": {
			validate: func(l LoadSpec, v *loadCheck) {
				switch {
				case l.Fault == nil:
					v.add(".fault: a fault step needs fault: {kind: ..., hold: ...}")
				case !knownFault(l.Fault.Kind):
					v.add(".fault.kind %q: unknown; one of %s", l.Fault.Kind, joinComma(FaultKinds()))
				case l.Fault.Hold < 0 || l.Fault.Hold.D() > maxSpan:
					v.add(".fault.hold %v: want 0..24h", l.Fault.Hold.D())
				default:
					if _, err := newFault(*l.Fault); err != nil {
						v.add(".fault: %v", err)
					}
				}
			},
			build: func(l LoadSpec, _ CheckSpec, _ TargetSpec) (harness.Executor, error) {
				f, err := newFault(*l.Fault)
				if err != nil {
					return nil, err
				}
				return &load.Nemesis{Fault: f, Hold: l.Fault.Hold.D()}, nil
			},
			ops: noOps,
		},
	}
}

// LoadKinds lists the load kinds scenario files accept.
func LoadKinds() []string {
	kinds := make([]string, 0)
	for k := range loadKinds() {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	return kinds
}

func (l LoadSpec) executor(c CheckSpec, t TargetSpec) (harness.Executor, error) {
	k, ok := loadKinds()[l.Kind]
	if !ok {
		return nil, fmt.Errorf("kind %q: unknown", l.Kind)
	}
	return k.build(l, c, t)
}

// expectedOps is the entry's operation estimate (0: unknown kind).
func (l LoadSpec) expectedOps(users int) int {
	k, ok := loadKinds()[l.Kind]
	if !ok {
		return 0
	}
	return k.ops(l, users)
}
