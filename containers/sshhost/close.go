package sshhost

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// leftoverScript stops every process running a file of the run's directory
// (the agents: samplers, squatters, signal droppers), removes the
// directory, then prints what is still there: "proc PID EXE" lines and
// "file DIR". Empty output is the proof that nothing remains.
const leftoverScript = `d="$1"
ours() { for p in /proc/[0-9]*; do e=$(readlink "$p/exe" 2>/dev/null) || continue; case "$e" in "$d"/*) echo "${p#/proc/} $e";; esac; done; }
ours | while read -r p e; do kill -TERM "$p" 2>/dev/null; done
i=0; while [ -n "$(ours)" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
ours | while read -r p e; do kill -KILL "$p" 2>/dev/null; done
sleep 0.2
rm -rf -- "$d"
ours | sed 's/^/proc /'
[ -e "$d" ] && echo "file $d"
exit 0`

// LeftoverError lists what the final check found on the host.
type LeftoverError struct {
	Host      string
	Leftovers []string
}

func (e *LeftoverError) Error() string {
	return fmt.Sprintf("sshhost: %s: still there after cleanup: %s", e.Host, strings.Join(e.Leftovers, "; "))
}

// Leftovers runs the final check without removing anything: the processes
// of the run's directory and the directory itself, as the host sees them.
func (h *Host) Leftovers(ctx context.Context) ([]string, error) {
	if h.dir == "" {
		return nil, nil
	}
	_, out, err := h.Exec(ctx, "sh", "-c", `d="$1"; for p in /proc/[0-9]*; do e=$(readlink "$p/exe" 2>/dev/null) || continue; case "$e" in "$d"/*) echo "proc ${p#/proc/} $e";; esac; done; [ -e "$d" ] && echo "file $d"; exit 0`, "sh", h.dir)
	if err != nil {
		return nil, fmt.Errorf("sshhost: %s: check leftovers: %w", h.Name(), err)
	}
	return nonEmptyLines(out), nil
}

func nonEmptyLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// Close removes everything the run put on the host and proves it over
// SSH: a LeftoverError names what remains. It is safe on a half-made Host,
// on nil and twice.
func (h *Host) Close(ctx context.Context) error {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	pids := make([]int, 0, len(h.pids))
	for p := range h.pids {
		pids = append(pids, p)
	}
	h.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	var errs []error
	for _, f := range []*forward{h.rdp, h.sesman} {
		if f != nil {
			errs = append(errs, f.Close())
		}
	}
	if h.client == nil {
		return errors.Join(errs...)
	}
	for _, p := range pids {
		// Samplers whose session ended are gone already; kill is best effort.
		_, _, _ = h.Exec(ctx, "kill", strconv.Itoa(p))
	}
	if h.dir != "" {
		code, out, err := h.Exec(ctx, "sh", "-c", leftoverScript, "sh", h.dir)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("sshhost: %s: clean up %s: %w", h.Name(), h.dir, err))
		case code != 0:
			errs = append(errs, fmt.Errorf("sshhost: %s: clean up %s: exit %d: %s", h.Name(), h.dir, code, strings.TrimSpace(out)))
		default:
			if left := nonEmptyLines(out); len(left) > 0 {
				errs = append(errs, &LeftoverError{Host: h.Name(), Leftovers: left})
			}
		}
	}
	errs = append(errs, h.client.Close())
	return errors.Join(errs...)
}
