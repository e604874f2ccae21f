package reports

import (
	"regexp"
	"slices"
	"strings"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Advice is one line of "what to do" for an invalid verdict. The first entry
// of a table that matches a verdict applies.
type Advice struct {
	Checker string // checker name; "" matches any
	// Pattern is a regular expression searched in the verdict's summary and
	// evidence; "" matches any verdict of the checker.
	Pattern string
	// Below and From bound the run's xrdp version: the entry applies only
	// when the version is lower than Below, or at least From. An unreadable
	// or unknown version matches neither bound.
	Below, From string
	// Build names a build of the harness (the "+name" of a version label
	// such as 0.9.21.1+sigchld-reap-one): the entry applies only to runs
	// of that build, whose defect is known by construction.
	Build string
	// Fired is a regular expression that another invalid verdict of the
	// same run must match ("checker: summary and evidence"): advice that
	// follows the run's evidence rather than the version number alone.
	Fired string
	Text  string
}

// DefaultAdvice is the advice table for the checkers of harness/check, from
// what is known about xrdp's defects (see the xrdp notes of the project).
// It is a fresh value each call: callers may prepend their own entries.
func DefaultAdvice() []Advice {
	const reapOne = "sigchld-reap-one"
	reapOneWhat := "This run is the harness's defect build (0.9.21.1 with its SIGCHLD fix reverted, " +
		"scenarios/patches/sigchld-reap-one.patch): sesman reaps one child per signal, as 0.9.17/0.9.18 do. "
	return []Advice{
		// The defect build: what it shows is the defect it was built with.
		{Checker: "zombies", Build: reapOne, Text: reapOneWhat + "These zombies are that defect reproduced; " +
			"stock 0.9.21.1 and later reap in a loop (neutrinolabs/xrdp #2146, #2151, #2168)."},
		{Checker: "stale-sessions", Build: reapOne, Text: reapOneWhat + "Sessions whose end sesman missed are " +
			"that defect reproduced; compare with the stock versions of this run."},
		{Checker: "vnc-errors", Build: reapOne, Fired: `^(stale-sessions|zombies):`, Text: reapOneWhat +
			"The VNC errors follow from the missed session ends the stale-sessions/zombies verdicts show."},
		{Checker: "session-leaks", Build: reapOne, Text: reapOneWhat + "Sessions stay counted after their end: " +
			"that defect reproduced."},
		{Checker: "recovery-time", Build: reapOne, Text: reapOneWhat + "Signals lost while the fault held left " +
			"dead sessions behind: that defect reproduced."},
		{Checker: "sesman-errors", Pattern: `session-limit`, Build: reapOne, Text: reapOneWhat +
			"Ended sessions stay counted, so MaxSessions is reached: that defect reproduced."},

		// VNC errors on high displays: the port-probe defect, whatever the
		// version (sesman/session.c x_server_running_check_ports formats
		// "59%2.2d", v0.9.17 … v0.10.1), not the SIGCHLD one.
		{Checker: "vnc-errors", Pattern: `display :\d{3,}\b`,
			Text: "The VNC errors hit displays ≥ 100: sesman's free-display check probes \"59%2.2d\" and never " +
				"sees a taken 5900+D port there, so Xvnc failed to bind and xrdp connected to the holder. " +
				"Keep X11DisplayOffset + MaxSessions < 100, or keep ports 6000 and up free."},
		{Checker: "vnc-errors", Fired: `^(port-conflicts:|sesman-errors:.*(x-timeout|vnc-bind))`,
			Text: "The VNC errors come with a squatted VNC port or an X server that failed to bind (see " +
				"port-conflicts / sesman-errors): on displays ≥ 100 sesman's port probe misses the holder. " +
				"Free the port or keep X11DisplayOffset + MaxSessions < 100."},

		// zombies: the SIGCHLD defect of sesman 0.9.17/0.9.18.
		{Checker: "zombies", Pattern: `reconnectwm|main sesman`, Below: "0.9.19",
			Text: "Known SIGCHLD reaping defect of xrdp < 0.9.19: sesman reaps one child per signal, so " +
				"reconnectwm.sh children pile up under the main sesman and ended sessions go unnoticed. " +
				"Upgrade to ≥ 0.9.19 (e.g. 0.9.22.1; fixed by neutrinolabs/xrdp #2146, #2151, #2168)."},
		{Checker: "zombies", Below: "0.9.19",
			Text: "sesman < 0.9.19 reaps one child per SIGCHLD: upgrade to ≥ 0.9.19 (e.g. 0.9.22.1), then rerun " +
				"to see whether these zombies remain."},
		{Checker: "zombies", Pattern: `main sesman|xrdp-sesman`, From: "0.9.19",
			Text: "Zombies under sesman on a version with the reaping fix (≥ 0.9.19): not the known defect. " +
				"Report it upstream with this evidence (parent, process names, times)."},
		{Checker: "zombies", Pattern: `main sesman|xrdp-sesman`,
			Text: "Zombies under sesman: on xrdp < 0.9.19 this is the known SIGCHLD reaping defect (upgrade to " +
				"≥ 0.9.19); on a later version, report it upstream with this evidence."},
		{Checker: "zombies",
			Text: "Check who the parent in the evidence is: orphans re-parented to PID 1 stay defunct when the " +
				"container has no init that reaps (run it with tini or docker --init)."},

		// stale sessions and VNC errors: what users see of the same defect.
		{Checker: "stale-sessions", Below: "0.9.19",
			Text: "sesman < 0.9.19 misses session ends (SIGCHLD defect) and keeps reconnecting users to dead " +
				"displays: upgrade to ≥ 0.9.19. Until then, end a stuck user's session process so the next " +
				"login creates a new session."},
		{Checker: "stale-sessions",
			Text: "sesman held a session whose X server was gone: look for why Xvnc died (a fault of this run, " +
				"a port conflict, Xvnc's own log) before blaming sesman."},
		{Checker: "vnc-errors", Below: "0.9.19",
			Text: "Users got 'VNC error - problem connecting': on xrdp < 0.9.19 sesman hands out displays of " +
				"sessions that already ended (SIGCHLD defect). Upgrade to ≥ 0.9.19 (e.g. 0.9.22.1)."},
		{Checker: "vnc-errors",
			Text: "xrdp could not reach the session's Xvnc: the stale-sessions and port-conflicts verdicts of " +
				"this run say whether the display was dead or its port squatted."},

		// port conflicts: the display ≥ 100 probe defect (not fixed up to 0.10.1).
		{Checker: "port-conflicts", Pattern: `:\d{3,}\b|display \d{3,}\b`,
			Text: "sesman's free-display check probes \"59%2.2d\", so for displays ≥ 100 it never sees a " +
				"taken 5900+D port (not fixed up to 0.10.1). Keep X11DisplayOffset + MaxSessions < 100 " +
				"(defaults 10 + 50), or keep ports 6000 and up free of other listeners on the node."},
		{Checker: "port-conflicts", Pattern: `never listened|without listening`,
			Text: "An Xvnc ran without listening on its VNC port: look for 'vncExtInit: failed to bind socket' " +
				"in its log and for another process on that port."},
		{Checker: "port-conflicts",
			Text: "Another process held a session's VNC port (5900+D): find the holder named in the evidence. " +
				"sesman skips squatted displays below 100 only."},

		// sesman errors by kind (the checker prefixes each evidence line with it).
		{Checker: "sesman-errors", Pattern: `session-limit`,
			Text: "MaxSessions was reached. On xrdp < 0.9.19 ended sessions may still be counted (SIGCHLD " +
				"defect); otherwise raise MaxSessions in sesman.ini, keeping X11DisplayOffset + MaxSessions < 100."},
		{Checker: "sesman-errors", Pattern: `x-timeout|vnc-bind`,
			Text: "The X server did not come up: on displays ≥ 100 this is the port-probe defect (see " +
				"port-conflicts); otherwise Xvnc failed to start, its log says why."},
		{Checker: "sesman-errors", Pattern: `no-display`,
			Text: "No free display in range: sessions leaked or MaxSessions is too low for the load."},
		{Checker: "sesman-errors", Pattern: `\bauth\b|access`,
			Text: "Unexpected authentication failures: check the test users and PAM; mark intended ones with " +
				"check.WithExpectedAuthFailures."},
		{Checker: "sesman-errors",
			Text: "sesman logged failures: the evidence quotes each line with the op that hit it."},

		{Checker: "session-leaks",
			Text: "More sessions than the Policy allows: a new sesman does not know sessions orphaned by a " +
				"restart, and sessions that sesman missed ending stay counted. Check Policy and MaxSessions " +
				"in sesman.ini and the zombies/stale-sessions verdicts."},
		{Checker: "recovery-time", Below: "0.9.19",
			Text: "Users stayed locked out after the fault healed: on xrdp < 0.9.19 signals lost during the " +
				"fault leave dead sessions behind (SIGCHLD defect). Upgrade to ≥ 0.9.19."},
		{Checker: "recovery-time",
			Text: "Users stayed locked out after the fault healed: the zombies, stale-sessions and " +
				"sesman-errors verdicts of this run show the state sesman was left in."},
		{Checker: "login-latency", Pattern: `p99 above`,
			Text: "Logins are slower than the limit: compare with the capacity figure and lower the sessions " +
				"per node, or give the node more CPU (each new session starts an Xvnc)."},
		{Checker: "login-latency",
			Text: "Logins failed: the evidence groups them by reason (refused: xrdp not listening; timeout: " +
				"the server stalled; server-disconnect: sesman refused the session, see sesman-errors)."},
	}
}

// adviceFor returns the text of the first entry of table that matches
// verdict v of a run on version (a version label: "0.9.21.1" or
// "0.9.21.1+sigchld-reap-one") among the run's verdicts; "" when none
// does. Patterns that do not compile never match (Validate reports them).
func adviceFor(table []Advice, version string, v harness.Verdict, run []harness.Verdict) string {
	var text string
	_, rest := versionParts(version)
	builds := strings.Split(strings.TrimPrefix(rest, "+"), "+")
	for _, a := range table {
		if a.Checker != "" && a.Checker != v.Checker {
			continue
		}
		if a.Build != "" && !slices.Contains(builds, a.Build) {
			continue
		}
		if a.Fired != "" && !firedMatches(a.Fired, v, run) {
			continue
		}
		if a.Below != "" && !versionBelow(version, a.Below) {
			continue
		}
		if a.From != "" && (versionBelow(version, a.From) || !readableVersion(version)) {
			continue
		}
		if a.Pattern != "" {
			re, err := regexp.Compile(a.Pattern)
			if err != nil {
				continue
			}
			if text == "" {
				text = verdictText(v)
			}
			if !re.MatchString(text) {
				continue
			}
		}
		return a.Text
	}
	return ""
}

// firedMatches reports whether another invalid verdict of the run matches
// pattern.
func firedMatches(pattern string, v harness.Verdict, run []harness.Verdict) bool {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return false
	}
	for _, o := range run {
		if o.Valid != harness.Invalid || (o.Checker == v.Checker && o.Target == v.Target) {
			continue
		}
		if re.MatchString(o.Checker + ": " + verdictText(o)) {
			return true
		}
	}
	return false
}

func readableVersion(v string) bool {
	n, _ := versionParts(v)
	return len(n) > 0
}

// verdictText is what advice patterns search: summary and evidence.
func verdictText(v harness.Verdict) string {
	var b strings.Builder
	b.WriteString(v.Summary)
	for _, e := range v.Evidence {
		b.WriteByte('\n')
		b.WriteString(e.What)
	}
	return b.String()
}

// ValidateAdvice reports every entry whose pattern does not compile or that
// has no text.
func ValidateAdvice(table []Advice) []error {
	var errs []error
	for i, a := range table {
		if a.Text == "" {
			errs = append(errs, &AdviceError{Index: i, Checker: a.Checker, Problem: "empty text"})
		}
		for _, p := range []string{a.Pattern, a.Fired} {
			if p == "" {
				continue
			}
			if _, err := regexp.Compile(p); err != nil {
				errs = append(errs, &AdviceError{Index: i, Checker: a.Checker, Problem: "bad pattern: " + err.Error()})
			}
		}
	}
	return errs
}

// AdviceError names a bad entry of an advice table.
type AdviceError struct {
	Index   int
	Checker string
	Problem string
}

func (e *AdviceError) Error() string {
	return "reports: advice entry " + itoa(e.Index) + " (" + e.Checker + "): " + e.Problem
}
