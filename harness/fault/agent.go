package fault

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// backgroundScript starts a command in the background inside the target,
// detached from docker exec (its parent becomes the container's init), with
// its output in a file; it prints the pid and the file.
const backgroundScript = `f=$(mktemp /tmp/xrdp-harness-fault.XXXXXX) || exit 1
nohup "$@" >"$f" 2>&1 </dev/null &
echo "$! $f"`

// background is an agent command running in the background in a target.
type background struct {
	pid int
	out string // its output file
}

// startAgent runs the agent with args in the background and waits until its
// output contains ready; if it exits first, its output is the error.
func startAgent(ctx context.Context, t harness.Target, agent string, ready string, args ...string) (background, error) {
	var bg background
	cmd := append([]string{"sh", "-c", backgroundScript, "sh", agent}, args...)
	out, err := execOK(ctx, t, cmd...)
	if err != nil {
		return bg, err
	}
	if _, err := fmt.Sscan(out, &bg.pid, &bg.out); err != nil {
		return bg, fmt.Errorf("start %s: unexpected output %q", args[0], out)
	}
	err = poll(ctx, func() (bool, error) {
		code, out, err := t.Exec(ctx, "sh", "-c", `cat "$2"; kill -0 "$1" 2>/dev/null`, "sh", strconv.Itoa(bg.pid), bg.out)
		switch {
		case err != nil:
			return false, err
		case strings.Contains(out, ready):
			return true, nil
		case code != 0:
			return false, fmt.Errorf("agent %s exited: %s", args[0], strings.TrimSpace(out))
		}
		return false, nil
	})
	if err != nil {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_, _ = stopAgent(sctx, t, bg)
		return bg, err
	}
	return bg, nil
}

// stopAgent sends SIGTERM, waits for the command to end and returns its
// output; the output file is removed.
func stopAgent(ctx context.Context, t harness.Target, bg background) (string, error) {
	if _, err := execOK(ctx, t, "sh", "-c", `kill "$1" 2>/dev/null; true`, "sh", strconv.Itoa(bg.pid)); err != nil {
		return "", err
	}
	if err := waitGone(ctx, t, bg.pid); err != nil {
		return "", err
	}
	out, err := execOK(ctx, t, "sh", "-c", `cat "$1"; rm -f "$1"`, "sh", bg.out)
	return strings.TrimSpace(out), err
}
