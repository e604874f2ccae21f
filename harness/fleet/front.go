package fleet

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// FrontName is the name of the front target in Records.
const FrontName = "front"

// Front wraps lab: Up returns a front target first (executors without a
// target name use the first one, so every client dials Addr), then the
// lab's targets. addr is called once the lab is up and returns the front's
// address on 127.0.0.1 (the lab may start the balancer itself).
func Front(lab harness.Lab, addr func(ctx context.Context, targets []harness.Target) (string, error)) harness.Lab {
	return &frontLab{lab: lab, addr: addr}
}

type frontLab struct {
	lab  harness.Lab
	addr func(context.Context, []harness.Target) (string, error)
}

var _ harness.Lab = (*frontLab)(nil)

func (l *frontLab) Up(ctx context.Context) ([]harness.Target, error) {
	targets, err := l.lab.Up(ctx)
	if err != nil {
		return targets, err
	}
	if len(targets) == 0 {
		return nil, errors.New("fleet: front: the lab has no targets")
	}
	addr, err := l.addr(ctx, targets)
	if err != nil {
		return targets, fmt.Errorf("fleet: front: %w", err)
	}
	return append([]harness.Target{&frontTarget{addr: addr, behind: targets}}, targets...), nil
}

func (l *frontLab) Down(ctx context.Context) error { return l.lab.Down(ctx) }

var _ harness.RecordFinisher = (*frontLab)(nil)

// FinishRecord moves each op from the front to the host that served it
// (Attribute), so per-host verdicts see every host's logins.
func (l *frontLab) FinishRecord(r *harness.Record) { Attribute(r, 0) }

// frontTarget is the balancer as the clients see it. It has no processes
// of its own: Watch reports one empty tick (the engine waits for every
// target's first) and then nothing, Exec refuses, and faults aimed at it
// fail with that error.
type frontTarget struct {
	addr   string
	behind []harness.Target
}

var _ harness.Target = (*frontTarget)(nil)

func (f *frontTarget) Name() string { return FrontName }

func (f *frontTarget) Info() harness.TargetInfo {
	names := ""
	for i, t := range f.behind {
		if i > 0 {
			names += " "
		}
		names += t.Name()
	}
	first := f.behind[0].Info()
	return harness.TargetInfo{Name: FrontName, Version: first.Version, Flavour: harness.FlavourFront, Image: f.addr,
		Users: len(f.Users()), Config: map[string]string{"kind": "front", "behind": names}}
}

func (f *frontTarget) RDPAddr() string    { return f.addr }
func (f *frontTarget) SesmanAddr() string { return "" }

// Users are those of the first target behind: a balanced fleet shares its
// accounts (the same users and passwords on every host).
func (f *frontTarget) Users() []harness.User { return f.behind[0].Users() }

func (f *frontTarget) Exec(context.Context, ...string) (int, string, error) {
	return -1, "", errors.New("fleet: the front is a balancer, not a host: name a target behind it")
}

func (f *frontTarget) Watch(ctx context.Context, sink harness.Sink) error {
	sink.Tick(harness.Tick{Time: time.Now(), Target: FrontName})
	<-ctx.Done()
	return ctx.Err()
}
