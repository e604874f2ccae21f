package check

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Recovery measures how long the server takes to serve users again after a
// fault is healed. For each fault window of the target with Heal set (and no
// Err), the users are those with a successful op of Config.RecoveryKinds
// that ended before Inject, or with an op of those kinds in flight at Inject
// (caught by the fault); a user has recovered at the End of their first
// ok op of those kinds that ends at or after Heal. The zombie recovery is the
// time from Heal until the target has no zombie.
//
// Invalid: a user tried again after Heal (an op started at or after it) and
// never succeeded before the record ended, or a recovery took longer than
// Config.RecoveryMax.
//
// Unknown: a user of the fault made no op after Heal, or no user had
// succeeded before the fault nor was caught by it, and nothing invalid was
// found.
//
// Faults with a zero Heal (never healed, or instantaneous like a kill) are
// not judged: there is no moment to measure from.
type Recovery struct{ Config Config }

var _ harness.Checker = Recovery{}

// Name is "recovery-time".
func (Recovery) Name() string { return "recovery-time" }

// Check returns one verdict per target.
func (c Recovery) Check(r *harness.Record) []harness.Verdict {
	return perTarget(r, c.Name(), c.Config, c.check)
}

func (c Recovery) check(r *harness.Record, target string, cfg Config) harness.Verdict {
	v := harness.Verdict{Checker: c.Name(), Target: target}
	ev := newEvidence(target, cfg.MaxEvidence)
	var windows []harness.FaultWindow
	for _, w := range r.Faults {
		if w.Target != target {
			continue
		}
		switch {
		case w.Err != "":
			ev.add(w.Inject, "fault %s not judged: %s", w.Name, w.Err)
		case !w.Heal.IsZero() && w.Heal.After(w.Inject):
			windows = append(windows, w)
		}
	}
	if len(windows) == 0 {
		v.Valid = harness.Valid
		v.Summary = "no healed fault window: nothing to recover from"
		v.Evidence = ev.list()
		return v
	}
	slices.SortStableFunc(windows, func(a, b harness.FaultWindow) int { return a.Heal.Compare(b.Heal) })

	byUser := map[string][]harness.Op{}
	for _, op := range targetOps(r, target) {
		if slices.Contains(cfg.RecoveryKinds, op.Kind) {
			byUser[op.User] = append(byUser[op.User], op)
		}
	}
	var series []countPoint
	hasProcs := false
	for i := range r.Procs {
		if r.Procs[i].Target == target {
			hasProcs = true
			break
		}
	}
	if hasProcs {
		_, series = zombieSeries(r, target, horizon(r, target))
	}

	var worst time.Duration
	var worstZombies time.Duration
	zombiesKnown := false
	never, slow, untried, noBaseline := 0, 0, 0, 0
	for _, w := range windows {
		// A user is followed when they were served before the fault, or
		// were caught by it: an op of theirs began before Inject and was
		// still running then. The second kind matters on a loaded machine,
		// where the first logins can take longer than the fault's At.
		var users []string
		caught := 0
		for u, ops := range byUser {
			switch {
			case slices.ContainsFunc(ops, func(op harness.Op) bool { return op.Outcome == harness.OK && !op.End.After(w.Inject) }):
				users = append(users, u)
			case slices.ContainsFunc(ops, func(op harness.Op) bool { return op.Start.Before(w.Inject) && op.End.After(w.Inject) }):
				users = append(users, u)
				caught++
			}
		}
		slices.Sort(users)
		switch {
		case len(users) == 0:
			noBaseline++
			ev.add(w.Heal, "fault %s: no user had succeeded before it or was caught by it", w.Name)
		case caught == len(users):
			ev.add(w.Inject, "fault %s: no user had succeeded before it; following the %s caught in flight",
				w.Name, plural(caught, "user"))
		}
		var recovered, neverUsers, untriedUsers []string
		var slowest time.Duration
		slowestUser := ""
		for _, u := range users {
			var first time.Time
			tried := false
			for _, op := range byUser[u] {
				if !op.Start.Before(w.Heal) {
					tried = true
				}
				if op.Outcome == harness.OK && !op.End.Before(w.Heal) && (first.IsZero() || op.End.Before(first)) {
					first = op.End
				}
			}
			switch {
			case !first.IsZero():
				d := first.Sub(w.Heal)
				recovered = append(recovered, u)
				if d > slowest || slowestUser == "" {
					slowest, slowestUser = d, u
				}
				worst = max(worst, d)
				if cfg.RecoveryMax > 0 && d > cfg.RecoveryMax {
					slow++
					ev.add(first, "fault %s: user %s recovered only after %s (limit %s)", w.Name, u, secs(d),
						secs(cfg.RecoveryMax))
				}
			case tried:
				never++
				neverUsers = append(neverUsers, u)
				ev.add(w.Heal, "fault %s: user %s tried again after heal and never succeeded", w.Name, u)
			default:
				untried++
				untriedUsers = append(untriedUsers, u)
			}
		}
		what := fmt.Sprintf("fault %s healed: %d/%d users recovered", w.Name, len(recovered), len(users))
		if slowestUser != "" {
			what += fmt.Sprintf(", slowest %s after %s", slowestUser, secs(slowest))
		}
		if len(neverUsers) > 0 {
			what += "; never: " + strings.Join(neverUsers, " ")
		}
		if len(untriedUsers) > 0 {
			what += "; no op after heal: " + strings.Join(untriedUsers, " ")
		}
		if hasProcs {
			if d, ok := zeroZombiesAfter(series, w.Heal); ok {
				zombiesKnown = true
				worstZombies = max(worstZombies, d)
				what += fmt.Sprintf("; no zombie %s after heal", secs(d))
			} else {
				what += fmt.Sprintf("; zombies never cleared (%d at the end)", series[len(series)-1].n)
			}
		}
		ev.add(w.Heal, "%s", what)
	}

	v.Metrics = map[string]float64{
		"recovery_max_s":  worst.Seconds(),
		"recovery_faults": float64(len(windows)),
		"recovery_never":  float64(never),
	}
	if zombiesKnown {
		v.Metrics["recovery_zombies_s"] = worstZombies.Seconds()
	}
	switch {
	case never > 0 || slow > 0:
		v.Valid = harness.Invalid
		v.Summary = fmt.Sprintf("after %s: %s never recovered", plural(len(windows), "healed fault"), plural(never, "user"))
		if cfg.RecoveryMax > 0 {
			v.Summary += fmt.Sprintf(", %s slower than %s", plural(slow, "recovery"), secs(cfg.RecoveryMax))
		}
		v.Summary += "; slowest recovery " + secs(worst)
	case untried > 0 || noBaseline > 0:
		v.Valid = harness.Unknown
		v.Summary = fmt.Sprintf("after %s: %s made no op after heal, %d faults without users to follow",
			plural(len(windows), "healed fault"), plural(untried, "user"), noBaseline)
	default:
		v.Valid = harness.Valid
		v.Summary = fmt.Sprintf("every user recovered after %s; slowest %s", plural(len(windows), "healed fault"), secs(worst))
	}
	v.Evidence = ev.list()
	return v
}

// zeroZombiesAfter is the time from t until the zombie count is zero.
func zeroZombiesAfter(series []countPoint, t time.Time) (time.Duration, bool) {
	if countAt(series, t) == 0 {
		return 0, true
	}
	for _, p := range series {
		if p.t.After(t) && p.n == 0 {
			return p.t.Sub(t), true
		}
	}
	return 0, false
}
