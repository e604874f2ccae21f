package fault

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// SIGCHLDLoss makes the main xrdp-sesman lose SIGCHLD signals for the
// hold: the agent's `sigdrop` ptrace-seizes the daemon and suppresses each
// SIGCHLD at its delivery stop (with the given probability), passing every
// other signal; Heal detaches. Children that exit meanwhile stay zombies
// under sesman, and their sessions stay in its list, until a later SIGCHLD
// is delivered: with 0.9.21.1 a reconnect then reaches a dead display, as
// in the 0.9.17 reaping defect. Only daemons that catch SIGCHLD with a
// handler (0.9.19 and later set an event from one) can lose it this way: a
// signal taken with sigwait() never stops a tracee, and Inject fails for
// such a daemon. ptrace needs the target to allow it: root tracing root in
// the same container works under Docker's default seccomp profile (kernel
// 4.8+); stricter profiles need containers.WithCapabilities("SYS_PTRACE").
type SIGCHLDLoss struct {
	// Probability that each SIGCHLD is lost, in (0, 1]; 0 means 1 (all).
	Probability float64
	// Process is the daemon whose SIGCHLDs are lost; "" means xrdp-sesman
	// (xrdp also catches SIGCHLD).
	Process string
	// KickOnHeal sends the daemon one SIGCHLD after detaching, so that
	// exits lost during the hold are noticed at once by a daemon that reaps
	// in a loop. Without it they wait for the next child to exit.
	KickOnHeal bool
	// Agent is the agent's path in the target; "" means DefaultAgent.
	Agent string
	// Timeout bounds attaching and detaching (0: 10s each).
	Timeout time.Duration

	traced targetState[tracedDaemon]
}

type tracedDaemon struct {
	pid   int // the daemon
	agent background
}

var _ harness.Fault = (*SIGCHLDLoss)(nil)

func (*SIGCHLDLoss) Name() string { return "sigchld-loss" }

// Validate reports every problem of the settings.
func (f *SIGCHLDLoss) Validate() []error {
	var errs []error
	if f.Probability < 0 || f.Probability > 1 {
		errs = append(errs, fmt.Errorf("fault: sigchld-loss: probability %g: want 0..1 (0 means 1)", f.Probability))
	}
	if p := cmp.Or(f.Process, "xrdp-sesman"); p != "xrdp-sesman" && p != "xrdp" {
		errs = append(errs, fmt.Errorf("fault: sigchld-loss: process %q: want xrdp-sesman or xrdp", f.Process))
	}
	if f.Timeout < 0 {
		errs = append(errs, fmt.Errorf("fault: sigchld-loss: timeout %v cannot be negative", f.Timeout))
	}
	return errs
}

func (f *SIGCHLDLoss) Inject(ctx context.Context, t harness.Target) (string, error) {
	if errs := f.Validate(); len(errs) > 0 {
		return "", errors.Join(errs...)
	}
	process := cmp.Or(f.Process, "xrdp-sesman")
	pids, err := mainPIDs(ctx, t, process)
	if err != nil {
		return "", fmt.Errorf("fault: sigchld-loss: %w", err)
	}
	p := cmp.Or(f.Probability, 1)
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(f.Timeout, 10*time.Second))
	defer cancel()
	bg, err := startAgent(ctx, t, agentPath(t, f.Agent), `"attached"`,
		"sigdrop", strconv.Itoa(pids[0]), "-signal", "CHLD", "-probability", strconv.FormatFloat(p, 'g', -1, 64))
	if err != nil {
		return "", fmt.Errorf("fault: sigchld-loss: %w", err)
	}
	f.traced.put(t.Name(), tracedDaemon{pid: pids[0], agent: bg})
	return fmt.Sprintf("drop SIGCHLD (p=%g) to %s pid %d via ptrace (agent pid %d)", p, process, pids[0], bg.pid), nil
}

// Heal detaches (the daemon runs on untraced) and, with KickOnHeal, sends
// it one SIGCHLD.
func (f *SIGCHLDLoss) Heal(ctx context.Context, t harness.Target) error {
	d, ok := f.traced.take(t.Name())
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(f.Timeout, 10*time.Second))
	defer cancel()
	out, err := stopAgent(ctx, t, d.agent)
	if err != nil {
		return fmt.Errorf("fault: sigchld-loss: detach: %w", err)
	}
	if !strings.Contains(out, `"detached":true`) {
		return fmt.Errorf("fault: sigchld-loss: the agent did not report a clean detach: %s", out)
	}
	if f.KickOnHeal {
		if err := signal(ctx, t, "CHLD", d.pid); err != nil {
			return fmt.Errorf("fault: sigchld-loss: kick: %w", err)
		}
	}
	return nil
}
