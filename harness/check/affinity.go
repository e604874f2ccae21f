package check

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/xrdp-harness/xrdp-harness/fakeclient"
	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Affinity judges a fleet (two or more targets) for reconnect affinity: a
// user whose session lives on one host must land on that host when they
// reconnect, else that host's sesman, which knows nothing of the session
// elsewhere, creates a second one and the first leaks (it holds a display
// and its memory until it is ended by hand or by KillDisconnected).
//
// It replays every target's sesman log in time order. A session starts
// with `Session started successfully for user U on display D` (0.9.x
// session.c; the line also appears in 0.10's sesexec) or, failing that,
// `++ created session (access granted): username U` (0.9.x scp_v0 handler),
// and ends with `++ terminated session:  username U, display :D.0`; a
// `++ reconnected session: username U` keeps the session where it is (the
// lines as v0.9.21.1 writes them: harness/check/testdata/storm-0.9.21.1.json).
// A start for U on target B while U still holds a session on target A is a
// misrouted reconnect: invalid, with the pair of hosts as evidence.
//
// One verdict per target, about the sessions started on it. With one
// target the property holds trivially (valid, and said so). Unknown: a fleet
// with no sesman session line at all (no logs: the sampler did not run),
// or one whose sessions all lived on one host: the balancer never sent a
// user anywhere else, so affinity was not put to the test. That is what a
// cookie-keyed balancer does with users whose names share their first 9
// characters (xrdpuser01, xrdpuser02: one mstshash cookie, see
// fakeclient.Cookie); the summary names such users.
type Affinity struct{ Config Config }

var _ harness.Checker = Affinity{}

// Name is "reconnect-affinity".
func (Affinity) Name() string { return "reconnect-affinity" }

// affinityEvent is one sesman line that starts, keeps or ends a session.
type affinityEvent struct {
	t       time.Time
	target  string
	user    string
	display int // -1 when the line has none
	kind    string
	holder  string // for a misrouted start: the target holding the user's session
}

func affinityEvents(r *harness.Record) []affinityEvent {
	var evs []affinityEvent
	for _, l := range r.Logs {
		if l.Source != harness.LogSesman {
			continue
		}
		msg := ParseLine(l.Text).Msg
		e := affinityEvent{t: l.Time, target: l.Target, display: -1}
		switch {
		case strings.Contains(msg, "Session started successfully for user "):
			e.kind = "start"
			e.user, _ = wordAfter(msg, "for user ")
			if d, ok := intAfter(msg, " on display "); ok {
				e.display = d
			}
		case strings.Contains(msg, "++ created session"):
			e.kind = "created"
			e.user, _ = wordAfter(msg, "username ")
		case strings.Contains(msg, "++ reconnected session"):
			e.kind = "reconnect"
			e.user, _ = wordAfter(msg, "username ")
		case strings.Contains(msg, "++ terminated session"):
			e.kind = "end"
			e.user, _ = wordAfter(msg, "username ")
			if d, ok := intAfter(msg, "display :"); ok {
				e.display = d
			}
		default:
			continue
		}
		e.user = strings.TrimRight(e.user, ",")
		if e.user != "" {
			evs = append(evs, e)
		}
	}
	slices.SortStableFunc(evs, func(a, b affinityEvent) int { return a.t.Compare(b.t) })
	return evs
}

// Check returns one verdict per target: were the sessions started on it
// started for users who held none on another target?
func (c Affinity) Check(r *harness.Record) []harness.Verdict {
	if r == nil {
		return nilRecord(c.Name())
	}
	targets := targetNames(r)
	evs := affinityEvents(r)
	misrouted := map[string][]affinityEvent{} // target → starts that duplicated a session elsewhere
	// held[user][target] counts the user's live sessions on that target.
	held := map[string]map[string]int{}
	// A "created" line is followed by a "start" line for the same session
	// on 0.9.x: count one start per created line.
	pending := map[string]map[string]int{}
	users := map[string]map[string]bool{} // target → users seen there
	note := func(e affinityEvent) {
		if held[e.user] == nil {
			held[e.user] = map[string]int{}
		}
		if users[e.target] == nil {
			users[e.target] = map[string]bool{}
		}
		users[e.target][e.user] = true
	}
	start := func(e affinityEvent) {
		note(e)
		for _, other := range targets {
			if other != e.target && held[e.user][other] > 0 {
				e.holder = other
				misrouted[e.target] = append(misrouted[e.target], e)
				break
			}
		}
		held[e.user][e.target]++
	}
	for _, e := range evs {
		switch e.kind {
		case "created":
			if pending[e.user] == nil {
				pending[e.user] = map[string]int{}
			}
			pending[e.user][e.target]++
			start(e)
		case "start":
			if pending[e.user][e.target] > 0 {
				pending[e.user][e.target]--
				continue
			}
			start(e)
		case "reconnect":
			note(e)
			if held[e.user][e.target] == 0 {
				// A session from before the run: it lives here.
				held[e.user][e.target] = 1
			}
		case "end":
			if held[e.user][e.target] > 0 {
				held[e.user][e.target]--
			}
		}
	}
	var busy []string // hosts where some user held a session
	for _, t := range targets {
		if len(users[t]) > 0 {
			busy = append(busy, t)
		}
	}
	var out []harness.Verdict
	for _, t := range targets {
		v := harness.Verdict{Checker: c.Name(), Target: t, Metrics: map[string]float64{
			"targets": float64(len(targets)), "users": float64(len(users[t])), "misrouted": float64(len(misrouted[t]))}}
		switch {
		case len(targets) < 2:
			v.Valid = harness.Valid
			v.Summary = "one target: no other host can hold a user's session (affinity is a fleet property)"
		case len(evs) == 0:
			v.Valid = harness.Unknown
			v.Summary = "no sesman session lines on any target: cannot tell where sessions lived"
		case len(busy) < 2 && len(misrouted[t]) == 0:
			v.Valid = harness.Unknown
			where := "no host"
			if len(busy) == 1 {
				where = busy[0]
			}
			v.Summary = fmt.Sprintf("every session of the run lived on %s: no user was sent to another host, so affinity "+
				"was not put to the test%s", where, cookieTwins(users))
		case len(misrouted[t]) > 0:
			ev := newEvidence(t, 10)
			for _, e := range misrouted[t] {
				ev.add(e.t, "user %s got a second session on %s while %s held theirs: the reconnect landed on the wrong host", e.user, t, e.holder)
			}
			v.Valid = harness.Invalid
			v.Evidence = ev.list()
			v.Summary = fmt.Sprintf("%d logins landed here while the user's session lived on another host (a second session each)", len(misrouted[t]))
		default:
			v.Valid = harness.Valid
			v.Summary = fmt.Sprintf("%d users started sessions here; none held one on another host at the time", len(users[t]))
		}
		out = append(out, v)
	}
	return out
}

// cookieTwins names the users that send one mstshash cookie, if any.
func cookieTwins(users map[string]map[string]bool) string {
	by := map[string][]string{}
	for _, us := range users {
		for u := range us {
			c := fakeclient.Cookie(u)
			if !slices.Contains(by[c], u) {
				by[c] = append(by[c], u)
			}
		}
	}
	var twins []string
	for c, us := range by {
		if len(us) > 1 {
			slices.Sort(us)
			twins = append(twins, fmt.Sprintf("%s send one routing cookie %q", strings.Join(us, ", "), c))
		}
	}
	if len(twins) == 0 {
		return ""
	}
	slices.Sort(twins)
	return " (users " + strings.Join(twins, "; ") + ": a cookie-keyed balancer sees them as one user)"
}
