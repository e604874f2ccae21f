package fleet

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/harness/check"
)

// Attribution says what Attribute did to a Record's ops.
type Attribution struct {
	// Moved ops now name the host that served them (Via the front).
	Moved int
	// Stayed ops are still on the front: no host logged their client name
	// (the balancer refused or reset them, or the connection died before
	// the MCS Connect Initial reached a host's xrdp).
	Stayed int
	// Ambiguous ops are among the stayed: their client name was logged by
	// more than one host around the op's time.
	Ambiguous int
}

// sighting is a host's xrdp logging a client name.
type sighting struct {
	target string
	t      time.Time
}

// Attribute names, for each op recorded on a front (a target of Flavour
// harness.FlavourFront), the host behind it that served the connection,
// from the hosts' own xrdp logs: xrdp logs `Connected client computer
// name: NAME` once per RDP connection (check.ClientName), and the
// harness's clients send a name unique within the run (Op.Client). It
// holds whatever the balancer is (the harness's round robin, HAProxy, an
// operator's), needs nothing from the balancer, and every op of one
// client (a login and its disconnect) goes to the same host. The op's
// Target becomes that host and Via the front. A name logged by two hosts
// is settled by the one whose line falls within the op's window widened by
// slack (the sampler stamps lines when it reads them); still two, or none,
// and the op stays on the front, where check.Latency judges it. Zero
// slack is 2 s (check.Config's LogSlack default).
//
// Ops that already went through (Via set) are left alone, so a Record can
// be attributed twice. A note in the Record says what was done.
func Attribute(r *harness.Record, slack time.Duration) Attribution {
	var a Attribution
	if r == nil {
		return a
	}
	if slack <= 0 {
		slack = 2 * time.Second
	}
	fronts := map[string]bool{}
	for _, t := range r.Targets {
		if t.Flavour == harness.FlavourFront {
			fronts[t.Name] = true
		}
	}
	if len(fronts) == 0 {
		return a
	}
	seen := map[string][]sighting{}
	for _, l := range r.Logs {
		if l.Source != harness.LogXrdp || fronts[l.Target] {
			continue
		}
		if name, ok := check.ClientName(check.ParseLine(l.Text).Msg); ok {
			seen[name] = append(seen[name], sighting{l.Target, l.Time})
		}
	}
	// A client's host is settled on its first op (the login; the
	// disconnect that follows reuses the connection).
	host := map[string]string{}
	decided := map[string]bool{}
	for i := range r.Ops {
		op := &r.Ops[i]
		if !fronts[op.Target] || op.Via != "" {
			continue
		}
		if op.Client != "" && !decided[op.Client] {
			decided[op.Client] = true
			h, ambiguous := hostOf(seen[op.Client], op.Start, op.End, slack)
			host[op.Client] = h
			if ambiguous {
				a.Ambiguous++
			}
		}
		if h := host[op.Client]; op.Client != "" && h != "" {
			op.Via, op.Target = op.Target, h
			a.Moved++
			continue
		}
		a.Stayed++
	}
	// One note per Record: a second pass (judge) moves nothing new.
	noted := slices.ContainsFunc(r.Notes, func(n string) bool { return strings.HasPrefix(n, notePrefix) })
	if a.Moved+a.Stayed > 0 && !noted {
		n := fmt.Sprintf(notePrefix+"%d of %d ops through the front attributed to the host whose xrdp "+
			"logged their client name; %d stayed on the front (no host logged them%s)",
			a.Moved, a.Moved+a.Stayed, a.Stayed, ambiguousNote(a.Ambiguous))
		if len(seen) == 0 {
			// Nothing to go by: say where the line should have come from.
			n += "; no host's xrdp log has a `Connected client computer name` line: is xrdp.ini's [Logging] LogLevel above INFO, or the log not read?"
		}
		r.Notes = append(r.Notes, n)
	}
	return a
}

// notePrefix starts the note Attribute leaves in a Record.
const notePrefix = "fleet: "

func ambiguousNote(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(", or %d were logged by several hosts", n)
}

// hostOf picks the host among sightings of one client name: the only one,
// else the only one whose line falls in [start-slack, end+slack].
func hostOf(ss []sighting, start, end time.Time, slack time.Duration) (host string, ambiguous bool) {
	var hosts []string
	for _, s := range ss {
		if !slices.Contains(hosts, s.target) {
			hosts = append(hosts, s.target)
		}
	}
	switch len(hosts) {
	case 0:
		return "", false
	case 1:
		return hosts[0], false
	}
	var near []string
	for _, s := range ss {
		if !s.t.Before(start.Add(-slack)) && !s.t.After(end.Add(slack)) && !slices.Contains(near, s.target) {
			near = append(near, s.target)
		}
	}
	if len(near) == 1 {
		return near[0], false
	}
	return "", true
}
