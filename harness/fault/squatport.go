package fault

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// SquatPort holds a TCP listener inside the target until Heal, with the
// agent's `listen` command. By default it takes the VNC port (5900+D) of the
// display sesman will allocate next. For D < 100 sesman's display check
// probes that port ("59%2.2d") and moves on to D+1 ("Found X server running
// at 59DD"). For D >= 100 the check probes 59DDD instead and misses the
// squatter; Xvnc then fails with "vncExtInit: failed to bind socket" and
// sesman ends the session after ~10s ("Timed out waiting for X server on
// display D"). 5900+D for D >= 100 is also the X11 TCP port of display
// D-100.
type SquatPort struct {
	// Port is the port to hold; 0 means the VNC port of the next display
	// sesman will allocate: 5900+D for the lowest D from the target's
	// X11DisplayOffset that has no X socket or lock file (sesman's own first
	// test).
	Port int
	// Addr is the address to bind; "" means 0.0.0.0, which collides with
	// Xvnc's bind to 127.0.0.1 and with sesman's wildcard probe.
	Addr string
	// Agent is the agent's path in the target; "" means DefaultAgent.
	Agent string
	// Timeout bounds the wait for the listener (0: 10s).
	Timeout time.Duration

	held targetState[background]
}

var _ harness.Fault = (*SquatPort)(nil)

func (*SquatPort) Name() string { return "squat-port" }

// Validate reports every problem of the settings.
func (f *SquatPort) Validate() []error {
	var errs []error
	if f.Port < 0 || f.Port > 65535 {
		errs = append(errs, fmt.Errorf("fault: squat-port: port %d: want 1..65535, or 0 for the next display's VNC port", f.Port))
	}
	if f.Addr != "" && net.ParseIP(f.Addr) == nil {
		errs = append(errs, fmt.Errorf("fault: squat-port: addr %q: want an IP address such as 0.0.0.0 or 127.0.0.1", f.Addr))
	}
	if f.Timeout < 0 {
		errs = append(errs, fmt.Errorf("fault: squat-port: timeout %v cannot be negative", f.Timeout))
	}
	return errs
}

// nextDisplayScript prints the lowest display from $1 to $2 that looks
// free the way sesman looks: no X socket or lock file, no X server process
// for it, its VNC port not listened on.
const nextDisplayScript = `busy=$(ps -eo args= | awk '$1 ~ /(^|\/)X[A-Za-z]*$/ && $2 ~ /^:[0-9]+$/ {print substr($2, 2)}'
  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk '$4 == "0A" {split($2, a, ":"); print "p" a[2]}')
d=$1
while [ "$d" -le "$2" ]; do
  p=$(printf 'p%04X' $((5900 + d)))
  if [ ! -e /tmp/.X11-unix/X$d ] && [ ! -e /tmp/.X$d-lock ] &&
     ! printf '%s\n' "$busy" | grep -qx -e "$d" -e "$p"; then
    echo "$d"; exit 0
  fi
  d=$((d+1))
done
echo "no free display from $1 to $2"; exit 3`

func (f *SquatPort) Inject(ctx context.Context, t harness.Target) (string, error) {
	if errs := f.Validate(); len(errs) > 0 {
		return "", errors.Join(errs...)
	}
	port, why := f.Port, ""
	if port == 0 {
		info := t.Info()
		first := cmp.Or(info.DisplayOffset, 10)
		last := first + cmp.Or(info.MaxSessions, 50)
		out, err := execOK(ctx, t, "sh", "-c", nextDisplayScript, "sh", strconv.Itoa(first), strconv.Itoa(last))
		if err != nil {
			return "", fmt.Errorf("fault: squat-port: find the next display: %w", err)
		}
		d, err := strconv.Atoi(strings.TrimSpace(out))
		if err != nil {
			return "", fmt.Errorf("fault: squat-port: find the next display: %q is not a number", out)
		}
		port, why = 5900+d, fmt.Sprintf(" (VNC port of next display %d)", d)
		if d >= 100 {
			why = fmt.Sprintf(" (VNC port of next display %d = X11 port of display %d)", d, d-100)
		}
	}
	addr := net.JoinHostPort(cmp.Or(f.Addr, "0.0.0.0"), strconv.Itoa(port))
	wctx, cancel := context.WithTimeout(ctx, cmp.Or(f.Timeout, 10*time.Second))
	defer cancel()
	bg, err := startAgent(wctx, t, agentPath(t, f.Agent), `"listening"`, "listen", addr)
	if err != nil {
		return "", fmt.Errorf("fault: squat-port: listen on %s: %w", addr, err)
	}
	detail := fmt.Sprintf("listen %s%s pid %d", addr, why, bg.pid)
	f.held.put(t.Name(), bg)
	return detail, nil
}

// Heal stops the listener and waits until it is gone.
func (f *SquatPort) Heal(ctx context.Context, t harness.Target) error {
	bg, ok := f.held.take(t.Name())
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(f.Timeout, 10*time.Second))
	defer cancel()
	if _, err := stopAgent(ctx, t, bg); err != nil {
		return fmt.Errorf("fault: squat-port: release: %w", err)
	}
	return nil
}
