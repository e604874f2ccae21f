package fault

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Daemons are the processes Signal and Restart act on: the main process of
// each, never its session or connection children.
var daemons = []string{"xrdp-sesman", "xrdp"}

// signals are the signals Signal and Restart send. STOP and CONT are
// FreezeSesman's: a stop needs a heal that continues the process.
var signals = []string{"TERM", "HUP", "INT", "KILL", "QUIT", "USR1", "USR2", "ABRT", "SEGV", "PIPE", "ALRM", "CHLD"}

// Signal sends one signal to the main xrdp-sesman or xrdp process. It is
// instantaneous: Heal does nothing. What the daemons were seen to do is in
// the package documentation.
type Signal struct {
	// Process is "xrdp-sesman" or "xrdp". Required.
	Process string
	// Sig is the signal's name, with or without SIG (TERM, HUP, KILL ...);
	// "" means TERM.
	Sig string
}

var _ harness.Fault = (*Signal)(nil)

func (*Signal) Name() string { return "signal" }

// Validate reports every problem of the settings.
func (f *Signal) Validate() []error {
	return validateSignal("signal", f.Process, f.Sig)
}

func validateSignal(fault, process, sig string) []error {
	var errs []error
	if !slices.Contains(daemons, process) {
		errs = append(errs, fmt.Errorf("fault: %s: process %q: want one of %s", fault, process, strings.Join(daemons, ", ")))
	}
	switch s := sigName(sig); {
	case s == "STOP" || s == "CONT" || s == "TSTP":
		errs = append(errs, fmt.Errorf("fault: %s: signal %s: use FreezeSesman, which continues the process at heal", fault, s))
	case !slices.Contains(signals, s):
		errs = append(errs, fmt.Errorf("fault: %s: signal %q: want one of %s", fault, sig, strings.Join(signals, ", ")))
	}
	return errs
}

// sigName normalises a signal name: "" → TERM, "sighup" → HUP.
func sigName(s string) string {
	s = strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "SIG")
	if s == "" {
		return "TERM"
	}
	return s
}

func (f *Signal) Inject(ctx context.Context, t harness.Target) (string, error) {
	if errs := f.Validate(); len(errs) > 0 {
		return "", errors.Join(errs...)
	}
	pids, err := mainPIDs(ctx, t, f.Process)
	if err != nil {
		return "", fmt.Errorf("fault: signal: %w", err)
	}
	sig := sigName(f.Sig)
	if err := signal(ctx, t, sig, pids[0]); err != nil {
		return "", fmt.Errorf("fault: signal: %w", err)
	}
	return fmt.Sprintf("SIG%s %s pid %d", sig, f.Process, pids[0]), nil
}

// Heal does nothing: a signal cannot be taken back.
func (*Signal) Heal(context.Context, harness.Target) error { return nil }
