package fault

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Restart stops the main xrdp-sesman or xrdp process at Inject and starts
// it again, with the command line it had, at Heal. Both daemons fork into
// the background; the container's init (tini) adopts and reaps them. The
// old daemon's children (sessions, connections) are left to live on as
// orphans: that is what a service restart does to them on a real host.
type Restart struct {
	// Process is "xrdp-sesman" or "xrdp". Required.
	Process string
	// Sig stops the daemon; "" means TERM (the daemon removes its pid
	// file). After KILL, Heal removes the stale pid file, without which the
	// new daemon refuses to start ("already running").
	Sig string
	// Timeout bounds the wait for the old daemon to end and for the new
	// one to listen (0: 15s each).
	Timeout time.Duration

	stopped targetState[stoppedDaemon]
}

type stoppedDaemon struct {
	pid  int
	args []string
}

var _ harness.Fault = (*Restart)(nil)

func (*Restart) Name() string { return "restart" }

// Validate reports every problem of the settings.
func (f *Restart) Validate() []error {
	errs := validateSignal("restart", f.Process, f.Sig)
	if f.Timeout < 0 {
		errs = append(errs, fmt.Errorf("fault: restart: timeout %v cannot be negative", f.Timeout))
	}
	return errs
}

func (f *Restart) Inject(ctx context.Context, t harness.Target) (string, error) {
	if errs := f.Validate(); len(errs) > 0 {
		return "", errors.Join(errs...)
	}
	pids, err := mainPIDs(ctx, t, f.Process)
	if err != nil {
		return "", fmt.Errorf("fault: restart: %w", err)
	}
	pid := pids[0]
	out, err := execOK(ctx, t, "sh", "-c", `tr '\0' '\n' < /proc/$1/cmdline`, "sh", strconv.Itoa(pid))
	if err != nil {
		return "", fmt.Errorf("fault: restart: read the command line of %s: %w", f.Process, err)
	}
	args := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(args) == 0 || args[0] == "" {
		return "", fmt.Errorf("fault: restart: %s pid %d has an empty command line", f.Process, pid)
	}
	sig := sigName(f.Sig)
	if err := signal(ctx, t, sig, pid); err != nil {
		return "", fmt.Errorf("fault: restart: %w", err)
	}
	detail := fmt.Sprintf("SIG%s %s pid %d; heal starts %q", sig, f.Process, pid, strings.Join(args, " "))
	// Recorded before the wait: whatever happens next, Heal must start
	// the daemon again.
	f.stopped.put(t.Name(), stoppedDaemon{pid: pid, args: args})
	wctx, cancel := context.WithTimeout(ctx, cmp.Or(f.Timeout, 15*time.Second))
	defer cancel()
	if err := waitGone(wctx, t, pid); err != nil {
		return detail, fmt.Errorf("fault: restart: %s did not stop on SIG%s: %w", f.Process, sig, err)
	}
	return detail, nil
}

// removeStalePIDFile deletes the daemon's pid file when the pid it names
// does not run the daemon.
const removeStalePIDFile = `for f in /var/run/xrdp/$1.pid /run/xrdp/$1.pid; do
  [ -f "$f" ] || continue
  p=$(cat "$f")
  [ "$(cat /proc/$p/comm 2>/dev/null)" = "$1" ] || rm -f "$f"
done`

// Heal starts the daemon again and waits until it listens.
func (f *Restart) Heal(ctx context.Context, t harness.Target) error {
	d, ok := f.stopped.take(t.Name())
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(f.Timeout, 15*time.Second))
	defer cancel()
	if pids, err := mainPIDs(ctx, t, f.Process); err == nil {
		// Inject's wait failed and the old daemon lives: nothing to start.
		if slices.Contains(pids, d.pid) {
			return nil
		}
	}
	if _, err := execOK(ctx, t, "sh", "-c", removeStalePIDFile, "sh", f.Process); err != nil {
		return fmt.Errorf("fault: restart: remove stale pid file: %w", err)
	}
	start := d.args
	if sm, ok := capability[ServiceManager](t); ok {
		// An existing host starts its daemons through its service
		// manager, which also keeps track of them.
		start = []string{"sh", "-c", sm.ServiceCommand(f.Process)}
	}
	if out, err := execOK(ctx, t, start...); err != nil {
		return fmt.Errorf("fault: restart: start %s: %w (%s)", f.Process, err, strings.TrimSpace(out))
	}
	err := poll(ctx, func() (bool, error) {
		pids, err := mainPIDs(ctx, t, f.Process)
		if err != nil || len(pids) == 0 {
			return false, nil
		}
		code, _, err := t.Exec(ctx, "sh", "-c", listensFunc+`listens "$1"`, "sh", strconv.Itoa(pids[0]))
		return err == nil && code == 0, nil
	})
	if err != nil {
		return fmt.Errorf("fault: restart: wait for the new %s to listen: %w", f.Process, err)
	}
	return nil
}
