package fault

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// EndSessions ends sessions the way a user logging out does: it kills each
// session's window manager, the process whose life is the session's (see
// xrdp-notes: "Killing that process ends the session cleanly"). sesman must
// notice the end (reap the session child, log "++ terminated session");
// a sesman that loses SIGCHLDs does not, and keeps the dead session for the
// user's next login. Nothing to heal.
type EndSessions struct {
	// Count is how many sessions to end, lowest display first; 0 ends all.
	Count int
}

var _ harness.Fault = (*EndSessions)(nil)

func (*EndSessions) Name() string { return "end-sessions" }

// windowManagers lists "display pid" of each session's window manager.
// Sessions are the children of the main sesman (0.9.x: forked xrdp-sesman;
// 0.10: xrdp-sesexec); a session's window manager is its oldest child that
// is neither the X server nor chansrv (0.10 also runs the reconnect script
// there, which is younger).
const windowManagers = `ps -eo pid=,ppid=,comm=,args= | awk '
  { pid[NR]=$1; ppid[NR]=$2; comm[NR]=$3; line[NR]=$0; byPid[$1]=NR }
  END {
    for (i=1;i<=NR;i++) if (comm[i]=="xrdp-sesman") { j=byPid[ppid[i]]; if (!j || comm[j]!="xrdp-sesman") main[pid[i]]=1 }
    for (i=1;i<=NR;i++) if (main[ppid[i]]) sess[pid[i]]=1
    for (i=1;i<=NR;i++) if (sess[ppid[i]] && comm[i]=="Xvnc") { split(line[i], a, ":"); split(a[2], d, " "); disp[ppid[i]]=d[1] }
    for (i=1;i<=NR;i++) if (sess[ppid[i]] && comm[i]!="Xvnc" && comm[i]!="xrdp-chansrv" && comm[i]!="xrdp-sesman" && comm[i]!="xrdp-sesexec" && (ppid[i] in disp)) {
      s=ppid[i]; if (!(s in wm) || pid[i]+0 < wm[s]+0) wm[s]=pid[i] }
    for (s in wm) print disp[s], wm[s]
  }' | sort -n`

func (f *EndSessions) Inject(ctx context.Context, t harness.Target) (string, error) {
	if f.Count < 0 {
		return "", errors.New("end sessions: count cannot be negative")
	}
	code, out, err := t.Exec(ctx, "sh", "-c", windowManagers)
	if err != nil || code != 0 {
		return "", fmt.Errorf("end sessions: list window managers: exit %d: %v %s", code, err, strings.TrimSpace(out))
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) == 0 || lines[0] == "" {
		return "", errors.New("end sessions: no live session found")
	}
	if lines, err = testUsersSessions(ctx, t, lines); err != nil {
		return "", fmt.Errorf("end sessions: %w", err)
	}
	if len(lines) == 0 {
		return "", errors.New("end sessions: no live session of a test user found")
	}
	if f.Count > 0 && f.Count < len(lines) {
		lines = lines[:f.Count]
	}
	var ended []string
	for _, l := range lines {
		fields := strings.Fields(l)
		if len(fields) != 2 {
			continue
		}
		pid, err := strconv.Atoi(fields[1])
		if err != nil {
			continue
		}
		if err := signal(ctx, t, "TERM", pid); err != nil {
			if strings.Contains(err.Error(), "No such process") {
				continue // it ended between the listing and the kill
			}
			return strings.Join(ended, ", "), fmt.Errorf("end sessions: %w", err)
		}
		ended = append(ended, ":"+fields[0]+" (wm pid "+fields[1]+")")
	}
	if len(ended) == 0 {
		return "", errors.New("end sessions: every listed window manager was gone before it could be ended")
	}
	return "ended " + strings.Join(ended, ", "), nil
}

func (*EndSessions) Heal(context.Context, harness.Target) error { return nil }

// testUsersSessions keeps the "display pid" lines whose window manager a
// test user owns (on UserScoped targets; all of them elsewhere).
func testUsersSessions(ctx context.Context, t harness.Target, lines []string) ([]string, error) {
	var pids []int
	for _, l := range lines {
		if f := strings.Fields(l); len(f) == 2 {
			if p, err := strconv.Atoi(f[1]); err == nil {
				pids = append(pids, p)
			}
		}
	}
	own, err := testUsersOnly(ctx, t, pids)
	if err != nil {
		return nil, err
	}
	var keep []string
	for _, l := range lines {
		if f := strings.Fields(l); len(f) == 2 && slices.Contains(own, atoi(f[1])) {
			keep = append(keep, l)
		}
	}
	return keep, nil
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}
