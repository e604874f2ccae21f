package fault

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// mainPIDs lists the pids of processes named comm whose parent has another
// name: for xrdp-sesman that is the main daemon, not its session children.
func mainPIDs(ctx context.Context, t harness.Target, comm string) ([]int, error) {
	script := `ps -eo pid=,ppid=,comm= | awk -v c="$1" '$3==c{p[$1]=$2} END{for(k in p) if(!(p[k] in p)) print k}'`
	code, out, err := t.Exec(ctx, "sh", "-c", script, "sh", comm)
	if err != nil {
		return nil, fmt.Errorf("find %s: %w", comm, err)
	}
	if code != 0 {
		return nil, fmt.Errorf("find %s: exit %d: %s", comm, code, strings.TrimSpace(out))
	}
	var pids []int
	for _, f := range strings.Fields(out) {
		if p, err := strconv.Atoi(f); err == nil {
			pids = append(pids, p)
		}
	}
	if len(pids) == 0 {
		return nil, fmt.Errorf("find %s: no such process running", comm)
	}
	return pids, nil
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
