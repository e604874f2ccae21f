package fault

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// KillXvnc SIGKILLs the X server (Xvnc) of one display, or of every
// display. With 0.9.x sesman the session does not end: its sesman child
// waits only for the window manager, so the Xvnc stays a zombie under it,
// sesman keeps the session and hands the display out on the next reconnect,
// and xrdp then fails with "VNC error - problem connecting". The kill is
// instantaneous: Heal does nothing.
type KillXvnc struct {
	// Display is the X display whose server dies; 0 means the lowest
	// display that has a live Xvnc.
	Display int
	// All kills every live Xvnc; Display must then be 0.
	All bool
	// Timeout bounds the wait for the killed processes to die (0: 10s).
	Timeout time.Duration
}

var _ harness.Fault = (*KillXvnc)(nil)

// Validate reports every problem of the settings.
func (f *KillXvnc) Validate() []error {
	var errs []error
	if f.Display < 0 {
		errs = append(errs, fmt.Errorf("fault: kill-xvnc: display %d: want 0 (lowest live) or a display number", f.Display))
	}
	if f.All && f.Display != 0 {
		errs = append(errs, fmt.Errorf("fault: kill-xvnc: All and Display %d both given: choose one", f.Display))
	}
	if f.Timeout < 0 {
		errs = append(errs, fmt.Errorf("fault: kill-xvnc: timeout %v cannot be negative", f.Timeout))
	}
	return errs
}

func (*KillXvnc) Name() string { return "kill-xvnc" }

// displayArg finds the X server's display in its command line (Xvnc :10 ...).
var displayArg = regexp.MustCompile(`(?:^|\s):(\d+)(?:\s|$)`)

type xserver struct{ display, pid int }

// liveXvnc lists the live Xvnc processes of the target by display.
func liveXvnc(ctx context.Context, t harness.Target) ([]xserver, error) {
	ps, err := listProcs(ctx, t)
	if err != nil {
		return nil, err
	}
	var xs []xserver
	for _, p := range ps {
		if p.Comm != "Xvnc" || p.zombie() {
			continue
		}
		m := displayArg.FindStringSubmatch(p.Args)
		if m == nil {
			continue
		}
		d, _ := strconv.Atoi(m[1])
		xs = append(xs, xserver{display: d, pid: p.PID})
	}
	slices.SortFunc(xs, func(a, b xserver) int { return a.display - b.display })
	pids := make([]int, len(xs))
	for i, x := range xs {
		pids[i] = x.pid
	}
	own, err := testUsersOnly(ctx, t, pids)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(xs, func(x xserver) bool { return !slices.Contains(own, x.pid) }), nil
}

func (f *KillXvnc) Inject(ctx context.Context, t harness.Target) (string, error) {
	if errs := f.Validate(); len(errs) > 0 {
		return "", errors.Join(errs...)
	}
	xs, err := liveXvnc(ctx, t)
	if err != nil {
		return "", fmt.Errorf("fault: kill-xvnc: %w", err)
	}
	if len(xs) == 0 {
		return "", errors.New("fault: kill-xvnc: no live Xvnc in the target")
	}
	victims := xs[:1]
	switch {
	case f.All:
		victims = xs
	case f.Display != 0:
		i := slices.IndexFunc(xs, func(x xserver) bool { return x.display == f.Display })
		if i < 0 {
			var live []string
			for _, x := range xs {
				live = append(live, ":"+strconv.Itoa(x.display))
			}
			return "", fmt.Errorf("fault: kill-xvnc: no live Xvnc on display %d (live: %s)", f.Display, strings.Join(live, " "))
		}
		victims = xs[i : i+1]
	}
	var parts []string
	var pids []int
	for _, x := range victims {
		if err := signal(ctx, t, "KILL", x.pid); err != nil {
			return strings.Join(parts, ", "), fmt.Errorf("fault: kill-xvnc: %w", err)
		}
		parts = append(parts, fmt.Sprintf("Xvnc :%d pid %d", x.display, x.pid))
		pids = append(pids, x.pid)
	}
	detail := "SIGKILL " + strings.Join(parts, ", ")
	wctx, cancel := context.WithTimeout(ctx, cmp.Or(f.Timeout, 10*time.Second))
	defer cancel()
	if err := waitGone(wctx, t, pids...); err != nil {
		return detail, fmt.Errorf("fault: kill-xvnc: %w", err)
	}
	return detail, nil
}

// Heal does nothing: a killed X server stays dead.
func (*KillXvnc) Heal(context.Context, harness.Target) error { return nil }
