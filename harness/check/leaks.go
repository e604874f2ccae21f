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
// The allowance:
//   - Policy Default (or empty), "UB" and "U": one session per user (and per
//     colour depth, Config.BPPVariants) for every user with a session op
//     (login, reconnect, scp) that may have created a session: outcome ok or
//     info, or fail with a display reported;
//   - a policy that splits by display, IP or connection (UBD, UBI, UBC,
//     UBDI, UBDC, Separate): one per such op — a loose bound;
//   - never more than TargetInfo.MaxSessions when that is set, because
//     sesman refuses more: anything above is orphaned.
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

// allowance is how many sessions the policy lets the run's ops hold.
func allowance(info harness.TargetInfo, ops []harness.Op, bpp int) (allowed int, how string) {
	users := map[string]bool{}
	creating := 0
	for _, op := range ops {
		if !isSessionOp(op.Kind) {
			continue
		}
		if op.Outcome == harness.OK || op.Outcome == harness.Info || op.Display > 0 {
			users[op.User] = true
			creating++
		}
	}
	policy := strings.ToUpper(strings.TrimSpace(info.Policy))
	switch {
	case policy == "" || policy == "DEFAULT" || policy == "UB":
		allowed = len(users) * bpp
		how = fmt.Sprintf("%s × %d bpp (Policy=%s)", plural(len(users), "user"), bpp, orDefault(info.Policy))
	case policy == "U":
		allowed = len(users)
		how = fmt.Sprintf("%s (Policy=U)", plural(len(users), "user"))
	default:
		allowed = creating
		how = fmt.Sprintf("%s that may have created one (Policy=%s)", plural(creating, "op"), info.Policy)
	}
	if info.MaxSessions > 0 && allowed > info.MaxSessions {
		allowed = info.MaxSessions
		how += fmt.Sprintf(", capped by MaxSessions=%d", info.MaxSessions)
	}
	return allowed, how
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
