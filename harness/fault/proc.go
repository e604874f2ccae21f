package fault

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// DefaultAgent is where the harness's containers keep the in-container
// agent (containers.AgentPath); faults that need it take the path as a
// field whose zero value means this.
const DefaultAgent = "/usr/local/bin/xrdp-harness-agent"

// listensFunc defines the shell function `listens PID`: true when the
// process holds a listening TCP or UNIX socket.
const listensFunc = `listens() {
  L=$( { awk '$4 == "0A" {print $10}' /proc/net/tcp /proc/net/tcp6; awk '$4 == "00010000" {print $7}' /proc/net/unix; } 2>/dev/null)
  for i in $(ls -l /proc/$1/fd 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\].*/\1/p'); do
    printf '%s\n' "$L" | grep -qx "$i" && return 0
  done
  return 1
}
`

// mainPIDScript prints the main daemon's pid. The pid file comes first:
// after the main daemon died, its orphaned children (sesman forks one per
// session, xrdp one per connection) are also processes named like it whose
// parent has another name. Without a live pid file (the daemon was
// SIGKILLed), the main daemon is the one of those that listens: children
// hold no listening socket.
const mainPIDScript = listensFunc + `c="$1"
for f in /var/run/xrdp/$c.pid /run/xrdp/$c.pid; do
  [ -r "$f" ] || continue
  p=$(cat "$f" 2>/dev/null)
  case "$p" in ''|*[!0-9]*) continue;; esac
  if [ "$(cat /proc/$p/comm 2>/dev/null)" = "$c" ] && ! grep -q '^State:.*Z' /proc/$p/status 2>/dev/null; then
    echo "$p"; exit 0
  fi
done
ps -eo pid=,ppid=,comm= | awk -v c="$c" '$3==c{p[$1]=$2} END{for(k in p) if(!(p[k] in p)) print k}' |
while read -r p; do
  listens "$p" && echo "$p"
done
exit 0`

// mainPIDs lists the pids of the main daemon named comm (xrdp-sesman or
// xrdp), lowest first: not its session or connection children, not the
// orphans of an earlier instance.
func mainPIDs(ctx context.Context, t harness.Target, comm string) ([]int, error) {
	code, out, err := t.Exec(ctx, "sh", "-c", mainPIDScript, "sh", comm)
	if err != nil {
		return nil, fmt.Errorf("find %s: %w", comm, err)
	}
	if code != 0 {
		return nil, fmt.Errorf("find %s: exit %d: %s", comm, code, strings.TrimSpace(out))
	}
	var pids []int
	for _, f := range strings.Fields(out) {
		if p, err := strconv.Atoi(f); err == nil && !slices.Contains(pids, p) {
			pids = append(pids, p)
		}
	}
	if len(pids) == 0 {
		return nil, fmt.Errorf("find %s: no such process running", comm)
	}
	slices.Sort(pids)
	return pids, nil
}

// proc is one line of ps inside the target.
type proc struct {
	PID, PPID int
	State     string // ps STAT: R, S, Z ...
	Comm      string
	Args      string
}

func (p proc) zombie() bool { return strings.HasPrefix(p.State, "Z") }

// listProcs reads the target's process table.
func listProcs(ctx context.Context, t harness.Target) ([]proc, error) {
	code, out, err := t.Exec(ctx, "ps", "-eo", "pid=,ppid=,stat=,comm=,args=")
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	if code != 0 {
		return nil, fmt.Errorf("list processes: ps exit %d: %s", code, strings.TrimSpace(out))
	}
	var ps []proc
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 {
			continue
		}
		pid, err1 := strconv.Atoi(f[0])
		ppid, err2 := strconv.Atoi(f[1])
		if err1 != nil || err2 != nil {
			continue
		}
		ps = append(ps, proc{PID: pid, PPID: ppid, State: f[2], Comm: f[3], Args: strings.Join(f[4:], " ")})
	}
	return ps, nil
}

// signal sends sig (a name such as STOP) to pid inside the target.
func signal(ctx context.Context, t harness.Target, sig string, pid int) error {
	code, out, err := t.Exec(ctx, "kill", "-"+sig, strconv.Itoa(pid))
	if err != nil {
		return fmt.Errorf("kill -%s %d: %w", sig, pid, err)
	}
	if code != 0 {
		return fmt.Errorf("kill -%s %d: exit %d: %s", sig, pid, code, strings.TrimSpace(out))
	}
	return nil
}

// gone reports whether pid no longer runs in the target: it has exited,
// or it is a zombie (dead, waiting for its parent to reap it).
func gone(ctx context.Context, t harness.Target, pid int) (bool, error) {
	code, out, err := t.Exec(ctx, "sh", "-c", `grep '^State:' /proc/$1/status 2>/dev/null || echo State: gone`, "sh", strconv.Itoa(pid))
	if err != nil {
		return false, fmt.Errorf("check pid %d: %w", pid, err)
	}
	if code != 0 {
		return false, fmt.Errorf("check pid %d: exit %d: %s", pid, code, strings.TrimSpace(out))
	}
	st := strings.Fields(strings.TrimPrefix(strings.TrimSpace(out), "State:"))
	return len(st) == 0 || st[0] == "gone" || st[0] == "Z" || st[0] == "X", nil
}

// pollEvery is how often faults re-check an effect they wait for: each
// check is a docker exec (tens of milliseconds).
const pollEvery = 100 * time.Millisecond

// poll calls cond until it reports done or an error, or ctx ends.
func poll(ctx context.Context, cond func() (bool, error)) error {
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for {
		done, err := cond()
		if err != nil || done {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// waitGone waits until every pid has exited or become a zombie.
func waitGone(ctx context.Context, t harness.Target, pids ...int) error {
	for _, pid := range pids {
		if err := poll(ctx, func() (bool, error) { return gone(ctx, t, pid) }); err != nil {
			return fmt.Errorf("wait for pid %d to end: %w", pid, err)
		}
	}
	return nil
}

// targetState keeps what Inject did per target, for Heal: one fault value
// may be scheduled against several targets.
type targetState[T any] struct {
	mu sync.Mutex
	m  map[string]T
}

func (s *targetState[T]) put(target string, v T) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]T{}
	}
	s.m[target] = v
}

func (s *targetState[T]) take(target string) (T, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[target]
	delete(s.m, target)
	return v, ok
}

// execOK runs cmd in the target and fails unless it exits 0.
func execOK(ctx context.Context, t harness.Target, cmd ...string) (string, error) {
	code, out, err := t.Exec(ctx, cmd...)
	if err != nil {
		return out, err
	}
	if code != 0 {
		return out, fmt.Errorf("%s: exit %d: %s", cmd[0], code, strings.TrimSpace(out))
	}
	return out, nil
}
