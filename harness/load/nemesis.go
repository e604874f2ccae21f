package load

import (
	"context"
	"fmt"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Nemesis injects a fault as a step of the operation stream (Jepsen's
// nemesis): inside a Sequence it happens after the previous step, whatever
// time that took, and the next step starts after the heal.
type Nemesis struct {
	Fault  harness.Fault
	Target string
	Hold   time.Duration
}

var _ harness.Executor = (*Nemesis)(nil)

func (n *Nemesis) Name() string { return "nemesis(" + n.Fault.Name() + ")" }

func (n *Nemesis) Run(ctx context.Context, env harness.Env) error {
	t, err := env.Target(n.Target)
	if err != nil {
		return err
	}
	record := env.RecordFault
	if record == nil {
		record = func(harness.FaultWindow) {}
	}
	w := harness.FaultWindow{Name: n.Fault.Name(), Target: t.Name(), Inject: time.Now()}
	w.Detail, err = n.Fault.Inject(ctx, t)
	if err != nil {
		w.Err = "inject: " + err.Error()
		record(w)
		return fmt.Errorf("nemesis %s: %w", n.Fault.Name(), err)
	}
	harness.Sleep(ctx, n.Hold)
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if err := n.Fault.Heal(hctx, t); err != nil {
		w.Err = "heal: " + err.Error()
	}
	w.Heal = time.Now()
	record(w)
	return nil
}
