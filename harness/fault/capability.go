package fault

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Unwrapper is implemented by targets that wrap another one (the targets of
// Proxied do): capability lookups look through the wrapper, so that a
// proxied container still offers its container controls.
type Unwrapper interface {
	Unwrap() harness.Target
}

// CapabilityError says that a fault needs something from the target that
// this target does not offer (a container control, a proxy in front).
type CapabilityError struct {
	Fault      string // the fault's name
	Target     string // the target's name
	Capability string // the interface the fault looks for, e.g. "fault.ResourceController"
	Hint       string // what provides it
}

func (e *CapabilityError) Error() string {
	return fmt.Sprintf("fault: %s: target %s has no %s (%s)", e.Fault, e.Target, e.Capability, e.Hint)
}

// capability finds C on t or on a target t wraps.
func capability[C any](t harness.Target) (C, bool) {
	for t != nil {
		if c, ok := t.(C); ok {
			return c, true
		}
		u, ok := t.(Unwrapper)
		if !ok {
			break
		}
		t = u.Unwrap()
	}
	var zero C
	return zero, false
}

// ServiceManager is the optional capability of targets whose daemons run
// under a service manager (an existing host): Restart's heal starts the
// daemon with this shell command line instead of its old command line.
type ServiceManager interface {
	ServiceCommand(process string) string
}

// AgentLocator is the optional capability of targets that keep the agent
// somewhere else than DefaultAgent (an existing host: a per-run directory).
type AgentLocator interface {
	AgentPath() string
}

// agentPath is the path a fault runs the agent from: its own setting, else
// the target's, else DefaultAgent.
func agentPath(t harness.Target, own string) string {
	if own != "" {
		return own
	}
	if l, ok := capability[AgentLocator](t); ok && l.AgentPath() != "" {
		return l.AgentPath()
	}
	return DefaultAgent
}

// UserScoped is the optional capability of targets where other people's
// sessions may run (an existing host): the session faults (kill-xvnc,
// end-sessions) then act only on processes owned by the target's test users.
type UserScoped interface {
	ScopeToTestUsers() bool
}

// testUsersOnly keeps the pids owned by one of t's test users when t is
// UserScoped; otherwise it returns pids as they are.
func testUsersOnly(ctx context.Context, t harness.Target, pids []int) ([]int, error) {
	us, ok := capability[UserScoped](t)
	if !ok || !us.ScopeToTestUsers() || len(pids) == 0 {
		return pids, nil
	}
	names := map[string]bool{}
	for _, u := range t.Users() {
		names[u.Name] = true
	}
	args := []string{"sh", "-c", `for p; do u=$(stat -c %U /proc/$p 2>/dev/null) && echo "$p $u"; done; true`, "sh"}
	for _, p := range pids {
		args = append(args, strconv.Itoa(p))
	}
	out, err := execOK(ctx, t, args...)
	if err != nil {
		return nil, fmt.Errorf("owners of %v: %w", pids, err)
	}
	var keep []int
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) != 2 || !names[f[1]] {
			continue
		}
		if p, err := strconv.Atoi(f[0]); err == nil {
			keep = append(keep, p)
		}
	}
	return keep, nil
}

// ContainerOnly is implemented by faults that act on a container through
// the engine (pause, resource limits): they have no meaning on an existing
// host, and a scenario naming one for an ssh target is refused before it
// runs. The reason says why, for that error.
type ContainerOnly interface {
	ContainerOnly() (reason string)
}
