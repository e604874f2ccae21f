package check

import (
	"fmt"
	"strings"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Leaks counts live sessions against what sesman's Policy allows for the
// users the run logged in. Two counts are judged: session processes (every
// xrdp-sesman/xrdp-sesexec but the main one: children of the daemon, defunct
// ones it has not reaped, and sessions orphaned by an earlier daemon) and
// live X servers.
//
// The allowance is the number of distinct session keys the run's session
// ops asked for under the target's Policy (see allowance: user+bpp+type
// under Default, plus size, IP or connection when Policy names D, I or C),
// never more than TargetInfo.MaxSessions when that is set, because sesman
// refuses more: anything above is orphaned.
//
// Invalid: a count above the allowance for longer than Config.LeakGrace
// (a session ending while its user's next one starts is fine); or, with
// WithFinalSessions(n), more than n sessions at the end.
//
// Unknown: no sampler ticks; sessions seen but no session op to derive an
// allowance from; or, with nothing found, a blind span longer than the
// grace, or the end of the record unwatched when the final count matters.
type Leaks struct{ Config Config }

var _ harness.Checker = Leaks{}

// Name is "session-leaks".
func (Leaks) Name() string { return "session-leaks" }

// Check returns one verdict per target.
func (c Leaks) Check(r *harness.Record) []harness.Verdict {
	return perTarget(r, c.Name(), c.Config, c.check)
}

// sessionPoint is the session counts from t on.
type sessionPoint struct {
	t              time.Time
	sessions, xvnc int
}

// sessionSeries samples the counts after every batch of events with one
// stamp (a snapshot), so the order of events inside a snapshot never shows.
func sessionSeries(r *harness.Record, target string) []sessionPoint {
	p := NewReplayer(r, target)
	var out []sessionPoint
	for {
		next, ok := p.Peek()
		if !ok {
			break
		}
		p.AdvanceTo(next)
		tab := p.Table()
		pt := sessionPoint{next, tab.SessionCount(), tab.XvncCount()}
		if n := len(out); n > 0 && out[n-1].sessions == pt.sessions && out[n-1].xvnc == pt.xvnc {
			continue
		}
		out = append(out, pt)
	}
	return out
}

// allowance is how many sessions the policy lets the run's ops hold: the
// number of distinct session keys the ops that may have created a session
// asked sesman for (outcome ok or info, or fail with a display reported).
//
// The key is what sesman matches a request on:
//   - 0.9.x, sesman/session.c session_get_bydata (v0.9.17 … v0.9.24): user,
//     bpp and session type always; width×height when Policy names D; the
//     client IP (up to ':') with I; the whole client_ip string with C, which
//     makes every connection its own key; Separate never matches.
//   - 0.10.x, sesman/session_list.c session_list_get_bydata (v0.10.1):
//     type always; Default means U|B; otherwise only the letters given
//     (U user, B bpp, D size, I IP); Separate never matches.
//
// The session type is Xvnc for every client of the harness. The fakeclient
// asks 32 bpp, the SCP client 24, so under Default a user who logs in over
// both has two sessions, as xrdp should. Ops of records written before ops
// kept their bpp fall back to users × Config.BPPVariants.
func allowance(info harness.TargetInfo, ops []harness.Op, bppVariants int) (allowed int, how string) {
	pol := parsePolicy(info.Policy, info.Version)
	keys := map[string]bool{}
	users := map[string]bool{}
	creating := 0
	legacy := false
	for _, op := range ops {
		if !isSessionOp(op.Kind) {
			continue
		}
		if op.Outcome != harness.OK && op.Outcome != harness.Info && op.Display <= 0 {
			continue
		}
		users[op.User] = true
		creating++
		if op.BPP == 0 {
			legacy = true
		}
		keys[pol.key(op)] = true
	}
	if legacy {
		allowed, how = legacyAllowance(info, users, creating, bppVariants)
	} else {
		allowed = len(keys)
		how = fmt.Sprintf("%s the ops asked for (Policy=%s keys on %s)", plural(len(keys), "distinct session key"),
			orDefault(info.Policy), pol.describe())
	}
	if info.MaxSessions > 0 && allowed > info.MaxSessions {
		allowed = info.MaxSessions
		how += fmt.Sprintf(", capped by MaxSessions=%d", info.MaxSessions)
	}
	return allowed, how
}

// legacyAllowance is the bound for records whose ops do not say what they
// asked: one session per user (× bppVariants) under Default, UB and U, one
// per op under a policy that splits further.
func legacyAllowance(info harness.TargetInfo, users map[string]bool, creating, bppVariants int) (int, string) {
	switch policy := strings.ToUpper(strings.TrimSpace(info.Policy)); policy {
	case "", "DEFAULT", "UB":
		return len(users) * bppVariants, fmt.Sprintf("%s × %d bpp (Policy=%s)", plural(len(users), "user"), bppVariants, orDefault(info.Policy))
	case "U":
		return len(users), fmt.Sprintf("%s (Policy=U)", plural(len(users), "user"))
	default:
		return creating, fmt.Sprintf("%s that may have created one (Policy=%s)", plural(creating, "op"), info.Policy)
	}
}

// sessionPolicy is which request fields sesman's Policy matches sessions on.
type sessionPolicy struct {
	user, bpp, size, ip, conn, separate bool
}

// parsePolicy reads sesman.ini's Policy for a version (see allowance for
// the source it follows). An unknown version is read as 0.9.x.
func parsePolicy(p, version string) sessionPolicy {
	v := parseVersion(version)
	pre010 := v == nil || !versionAtLeast(v, 0, 10)
	p = strings.ToUpper(strings.TrimSpace(p))
	var sp sessionPolicy
	switch p {
	case "", "DEFAULT":
		sp.user, sp.bpp = true, true
	case "SEPARATE":
		sp.separate = true
	default:
		sp.user = strings.Contains(p, "U")
		sp.bpp = strings.Contains(p, "B")
		sp.size = strings.Contains(p, "D")
		sp.ip = strings.Contains(p, "I")
		sp.conn = strings.Contains(p, "C") && pre010 // 0.10 has no C
	}
	if pre010 && !sp.separate {
		sp.user, sp.bpp = true, true // 0.9.x always matches user and bpp
	}
	return sp
}

// key is the session an op asked for under the policy.
func (sp sessionPolicy) key(op harness.Op) string {
	if sp.separate || sp.conn {
		return fmt.Sprintf("op %d", op.ID)
	}
	k := "xvnc"
	if sp.user {
		k += "|u=" + op.User
	}
	if sp.bpp {
		k += fmt.Sprintf("|b=%d", op.BPP)
	}
	if sp.size {
		k += fmt.Sprintf("|d=%dx%d", op.Width, op.Height)
	}
	if sp.ip {
		ip, _, _ := strings.Cut(op.ClientIP, ":")
		k += "|i=" + ip // "" for RDP: xrdp passes the one host every client comes from
	}
	return k
}

func (sp sessionPolicy) describe() string {
	if sp.separate {
		return "nothing: every request is a new session"
	}
	var parts []string
	for _, f := range []struct {
		on   bool
		name string
	}{{sp.user, "user"}, {sp.bpp, "bpp"}, {sp.size, "size"}, {sp.ip, "IP"}, {sp.conn, "connection"}} {
		if f.on {
			parts = append(parts, f.name)
		}
	}
	return strings.Join(append(parts, "type"), "+")
}

func orDefault(p string) string {
	if p == "" {
		return "Default"
	}
	return p
}

func (c Leaks) check(r *harness.Record, target string, cfg Config) harness.Verdict {
	v := harness.Verdict{Checker: c.Name(), Target: target}
	grace := cfg.LeakGrace
	end := horizon(r, target)
	cov := NewCoverage(r, target, cfg.MaxTickGap)
	f := newFaults(r, target, cfg.StrictDuringFaults)
	ev := newEvidence(target, cfg.MaxEvidence)
	info := targetInfo(r, target)
	ops := targetOps(r, target)
	allowed, how := allowance(info, ops, cfg.BPPVariants)
	series := sessionSeries(r, target)

	maxS, maxX, finalS, finalX := 0, 0, 0, 0
	for _, p := range series {
		maxS, maxX = max(maxS, p.sessions), max(maxX, p.xvnc)
	}
	if n := len(series); n > 0 {
		finalS, finalX = series[n-1].sessions, series[n-1].xvnc
	}
	sessionOps := 0
	for _, op := range ops {
		if isSessionOp(op.Kind) {
			sessionOps++
		}
	}

	// Spells above the allowance, for each count.
	leaks, uncertain := 0, 0
	var firstPeak time.Time
	for _, m := range []struct {
		name string
		get  func(sessionPoint) int
	}{
		{"session processes", func(p sessionPoint) int { return p.sessions }},
		{"live Xvnc", func(p sessionPoint) int { return p.xvnc }},
	} {
		if sessionOps == 0 {
			break // no allowance to judge against
		}
		for i := 0; i < len(series); i++ {
			if m.get(series[i]) <= allowed {
				continue
			}
			from, peak, peakAt := series[i].t, m.get(series[i]), series[i].t
			j := i + 1
			for ; j < len(series) && m.get(series[j]) > allowed; j++ {
				if m.get(series[j]) > peak {
					peak, peakAt = m.get(series[j]), series[j].t
				}
			}
			to, atEnd := end, true
			if j < len(series) {
				to, atEnd = series[j].t, false
			}
			i = j - 1
			deadline := f.graceStart(from).Add(grace)
			if !to.After(deadline) {
				continue
			}
			if !cov.WatchedIn(deadline, to) {
				uncertain++
				continue
			}
			leaks++
			if firstPeak.IsZero() {
				firstPeak = peakAt
			}
			until := "until " + to.Format("15:04:05.000")
			if atEnd {
				until = "still at the end"
			}
			ev.add(from, "%d %s where %d are allowed (%s) for %s, %s", peak, m.name, allowed, how,
				secs(to.Sub(from)), until)
		}
	}
	if !firstPeak.IsZero() {
		describeSessions(r, target, firstPeak, ev)
	}

	finalBad, finalUnknown := false, false
	if cfg.CheckFinalSessions && max(finalS, finalX) > cfg.FinalSessions {
		if cov.Watched(end) {
			finalBad = true
			ev.add(end, "%d session processes and %d live Xvnc at the end; the plan leaves at most %d",
				finalS, finalX, cfg.FinalSessions)
		} else {
			finalUnknown = true
		}
	}

	v.Metrics = map[string]float64{
		"sessions_max":     float64(maxS),
		"sessions_final":   float64(finalS),
		"xvnc_max":         float64(maxX),
		"xvnc_final":       float64(finalX),
		"sessions_allowed": float64(allowed),
	}
	blind := cov.LongBlind(grace)
	switch {
	case leaks > 0 || finalBad:
		v.Valid = harness.Invalid
		v.Summary = fmt.Sprintf("up to %d session processes and %d Xvnc where %d are allowed (%s)",
			maxS, maxX, allowed, how)
		if finalBad {
			v.Summary += fmt.Sprintf("; %d left at the end, plan leaves %d", max(finalS, finalX), cfg.FinalSessions)
		}
	case !cov.HasTicks():
		v.Valid = harness.Unknown
		v.Summary = "no sampler ticks: the process table cannot be trusted"
	case sessionOps == 0 && max(maxS, maxX) > 0:
		v.Valid = harness.Unknown
		v.Summary = fmt.Sprintf("%d sessions seen but no session op to derive an allowance from", max(maxS, maxX))
	case uncertain > 0 || finalUnknown || len(blind) > 0:
		v.Valid = harness.Unknown
		for _, s := range blind {
			ev.add(s.From, "sampler blind for %s until %s", secs(s.Duration()), s.To.Format("15:04:05.000"))
		}
		v.Summary = fmt.Sprintf("no leak seen (max %d sessions for %d allowed), but %d spells unconfirmed, %d long blind spans",
			max(maxS, maxX), allowed, uncertain, len(blind))
		if finalUnknown {
			v.Summary += ", end of the record unwatched"
		}
	default:
		v.Valid = harness.Valid
		v.Summary = fmt.Sprintf("max %d sessions, %d Xvnc for %d allowed (%s); %d at the end",
			maxS, maxX, allowed, how, max(finalS, finalX))
	}
	v.Evidence = ev.list()
	return v
}

// describeSessions adds one evidence item per session process at t: who
// its parent is and which display it serves.
func describeSessions(r *harness.Record, target string, t time.Time, ev *evidence) {
	tab := NewReplayer(r, target).At(t)
	m, hasMain := tab.MainSesman()
	for _, p := range tab.All() {
		if !p.IsSesman() || (hasMain && p.PID == m.PID) {
			continue
		}
		role := "orphaned (parent " + fmt.Sprint(p.PPID) + ")"
		if hasMain && p.PPID == m.PID {
			role = "child of the main sesman"
		}
		if p.Zombie() {
			role += ", defunct"
		}
		d := "no X server"
		if disp, ok := tab.SessionDisplay(p.PID); ok {
			d = fmt.Sprintf("display :%d", disp)
		}
		ev.add(t, "session pid %d: %s, %s", p.PID, role, d)
	}
}
