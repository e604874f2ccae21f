package check

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// SesmanErrors finds the failures sesman logs, read according to the
// target's xrdp version (TargetInfo.Version):
//
//	session-limit     max concurrent session limit exceeded (0.9.x); 0.10 logs
//	                  nothing, xrdp's log says "Max session limit reached"
//	no-display        X server -- no display in range
//	x-timeout         Timed out waiting for X server on display D
//	vnc-bind          vncExtInit: failed to bind socket (any log)
//	auth              AUTHFAIL: user=U (0.9.2x) / Username or password error for user: U
//	access            Username okay but group problem
//	reconnect-script  Error starting session reconnection script
//	unreachable       xrdp's "Error connecting to sesman on …" (xrdp.log): the
//	                  login never reached sesman. Outside a fault window of the
//	                  target (and LogSlack after it) it is a failure; inside one
//	                  it is the fault's doing and only counted.
//	                  On 0.10.x this is also what a burst of logins meets:
//	                  sesman listens on a UNIX socket with listen(sck, 2)
//	                  (common/os_calls.c, g_sck_listen), a non-blocking
//	                  connect past the backlog fails with EAGAIN, and xrdp
//	                  gives up at once. Measured on 0.10.1 (Debian's build):
//	                  with sesman stopped, 3 connects are admitted and the 4th
//	                  gets EAGAIN; in a reconnect storm on a loaded host a
//	                  reconnect failed 1 ms after its connect. On 0.9.x the
//	                  socket is TCP 3350: a full backlog leaves the connect in
//	                  progress and xrdp waits.
//	(benign)          sesman_data_in: scp_process_msg failed, trans_check_wait_objs
//	                  failed, removing trans — these follow EVERY request on every
//	                  0.9.x release, 0.9.17 included, and are never counted
//
// Any failure is invalid, except authentication failures the plan caused on
// purpose: a user listed in Config.ExpectedAuthFailUsers, or an op of that
// user whose window [Start, End+LogSlack] holds the line and whose Reason is
// ExpectedAuthFail. The two auth messages of one failure (0.9.21 logs both)
// count once.
//
// Unknown: the target ran session ops but the record holds no sesman log.
type SesmanErrors struct{ Config Config }

var _ harness.Checker = SesmanErrors{}

// Name is "sesman-errors".
func (SesmanErrors) Name() string { return "sesman-errors" }

// Check returns one verdict per target.
func (c SesmanErrors) Check(r *harness.Record) []harness.Verdict {
	return perTarget(r, c.Name(), c.Config, c.check)
}

// parseVersion reads "0.9.21.1" (a Debian suffix such as "-1" or "~bpo"
// is ignored); nil when unreadable.
func parseVersion(s string) []int {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "-~+ "); i >= 0 {
		s = s[:i]
	}
	if s == "" {
		return nil
	}
	var v []int
	for _, f := range strings.Split(s, ".") {
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 {
			return nil
		}
		v = append(v, n)
	}
	return v
}

// versionAtLeast reports v ≥ want; false for an unreadable v.
func versionAtLeast(v []int, want ...int) bool {
	if v == nil {
		return false
	}
	return slices.Compare(v, want) >= 0
}

// sesmanFailure is one failure line taken apart.
type sesmanFailure struct {
	t       time.Time
	kind    string
	user    string
	display int
	msg     string
	op      *harness.Op
}

// classifySesman returns the failure kind of a sesman message ("" for none,
// "benign" for the 0.9.2x per-request lines).
func classifySesman(msg string) (kind, user string, display int) {
	display = -1
	switch {
	case strings.Contains(msg, "max concurrent session limit exceeded"):
		user, _ = wordAfter(msg, "login for user ")
		return "session-limit", user, display
	case strings.Contains(msg, "Max session limit reached"):
		// 0.10 sesman refuses without a log line of its own; xrdp reports
		// the refusal (measured on 0.10.1: "Can't create session for user
		// user3 - Max session limit reached" in xrdp.log only).
		user, _ = wordAfter(msg, "for user ")
		return "session-limit", user, display
	case strings.Contains(msg, "X server -- no display in range"):
		return "no-display", "", display
	case strings.Contains(msg, "Timed out waiting for X server on display"):
		d, ok := intAfter(msg, "on display ")
		if ok {
			display = d
		}
		return "x-timeout", "", display
	case strings.Contains(msg, "vncExtInit: failed to bind socket"):
		return "vnc-bind", "", display
	case strings.Contains(msg, "AUTHFAIL: user="):
		user, _ = wordAfter(msg, "AUTHFAIL: user=")
		return "auth", user, display
	case strings.Contains(msg, "Username or password error"):
		user, _ = wordAfter(msg, "for user: ")
		return "auth", user, display
	case strings.Contains(msg, "Username okay but group problem"):
		user, _ = wordAfter(msg, "for user: ")
		return "access", user, display
	case strings.Contains(msg, "Error starting session reconnection script"):
		if d, ok := intAfter(msg, "on display "); ok {
			display = d
		}
		return "reconnect-script", "", display
	case strings.Contains(msg, "Error connecting to sesman"):
		return "unreachable", "", display
	case strings.Contains(msg, "scp_process_msg failed"),
		strings.Contains(msg, "trans_check_wait_objs failed, removing trans"):
		// sesman/sesman.c, v0.9.17 through v0.9.22.1: sesman_data_in logs
		// "scp_process_msg failed" whenever scp_process() returns anything
		// but SCP_SERVER_STATE_OK, which the SCP v0 server does once it has
		// answered the connection's one request; sesman_main_loop then logs
		// "trans_check_wait_objs failed, removing trans" as it drops the
		// connection. The pair closes every request (2 lines per login on
		// a real 0.9.17 build), so it is no failure on any 0.9.x.
		return "benign", "", display
	}
	return "", "", display
}

func (c SesmanErrors) check(r *harness.Record, target string, cfg Config) harness.Verdict {
	v := harness.Verdict{Checker: c.Name(), Target: target}
	info := targetInfo(r, target)
	slack := cfg.LogSlack

	ops := targetOps(r, target)
	byUser := map[string][]*harness.Op{}
	sessionOps := 0
	for i := range ops {
		byUser[ops[i].User] = append(byUser[ops[i].User], &ops[i])
		if isSessionOp(ops[i].Kind) {
			sessionOps++
		}
	}
	// opOf finds the user's op whose window holds t, preferring one marked
	// as an expected auth failure.
	opOf := func(user string, t time.Time) *harness.Op {
		var found *harness.Op
		for _, op := range byUser[user] {
			if op.Start.After(t) {
				break
			}
			if t.After(op.End.Add(slack)) {
				continue
			}
			if found == nil || op.Reason == ExpectedAuthFail {
				found = op
			}
		}
		return found
	}
	expectedUser := map[string]bool{}
	for _, u := range cfg.ExpectedAuthFailUsers {
		expectedUser[u] = true
	}

	var sesmanLines int
	var fails []sesmanFailure
	expected, benign, inFaults := 0, 0, 0
	faulted := newFaults(r, target, false)
	lastAuth := map[string]sesmanFailure{}
	for _, l := range targetLogs(r, target) {
		if l.Source == harness.LogSesman {
			sesmanLines++
		} else if !strings.Contains(l.Text, "vncExtInit") && !(l.Source == harness.LogXrdp &&
			(strings.Contains(l.Text, "Max session limit reached") || strings.Contains(l.Text, "Error connecting to sesman"))) {
			continue
		}
		pl := ParseLine(l.Text)
		kind, user, d := classifySesman(pl.Msg)
		switch kind {
		case "":
			continue
		case "benign":
			benign++
			continue
		}
		if kind == "unreachable" && faulted.overlaps(l.Time.Add(-slack), l.Time) {
			inFaults++
			continue
		}
		f := sesmanFailure{t: l.Time, kind: kind, user: user, display: d, msg: pl.Msg}
		if user != "" {
			f.op = opOf(user, l.Time)
		}
		if kind == "auth" {
			// 0.9.21 logs both auth messages for one failure.
			if prev, ok := lastAuth[user]; ok && l.Time.Sub(prev.t) <= slack &&
				strings.Contains(prev.msg, "AUTHFAIL") != strings.Contains(f.msg, "AUTHFAIL") {
				delete(lastAuth, user)
				continue
			}
			lastAuth[user] = f
			if expectedUser[user] || (f.op != nil && f.op.Reason == ExpectedAuthFail) {
				expected++
				continue
			}
		}
		fails = append(fails, f)
	}

	ev := newEvidence(target, cfg.MaxEvidence)
	kinds := map[string]int{}
	for _, f := range fails {
		kinds[f.kind]++
		what := fmt.Sprintf("%s: %s", f.kind, f.msg)
		if f.op != nil {
			what += fmt.Sprintf(" (op %d, %s %s%s)", f.op.ID, f.op.Kind, f.op.Outcome, reasonSuffix(f.op.Reason))
		}
		if f.kind == "unreachable" && versionAtLeast(parseVersion(info.Version), 0, 10) {
			what += " (0.10's sesman.socket admits 2 pending connects; xrdp gives up on the next at once)"
		}
		ev.add(f.t, "%s", what)
	}
	v.Metrics = map[string]float64{
		"sesman_failures":      float64(len(fails)),
		"sesman_auth_expected": float64(expected),
		"sesman_benign":        float64(benign),
	}
	if inFaults > 0 {
		v.Metrics["sesman_unreachable_in_faults"] = float64(inFaults)
	}
	for k, n := range kinds {
		v.Metrics["sesman_"+strings.ReplaceAll(k, "-", "_")] = float64(n)
	}
	switch {
	case len(fails) > 0:
		v.Valid = harness.Invalid
		var parts []string
		for _, k := range sortedKeys(kinds) {
			parts = append(parts, fmt.Sprintf("%s ×%d", k, kinds[k]))
		}
		v.Summary = fmt.Sprintf("%s (%s) on xrdp %s", plural(len(fails), "sesman failure"),
			strings.Join(parts, ", "), versionOr(info.Version))
	case sesmanLines == 0 && sessionOps > 0:
		v.Valid = harness.Unknown
		v.Summary = fmt.Sprintf("%s ran but the record holds no sesman log", plural(sessionOps, "session op"))
	default:
		v.Valid = harness.Valid
		v.Summary = fmt.Sprintf("no sesman failure in %s (%d benign per-request lines, %d expected auth failures)",
			plural(sesmanLines, "line"), benign, expected)
	}
	v.Evidence = ev.list()
	return v
}

func versionOr(v string) string {
	if v == "" {
		return "(version unknown)"
	}
	return v
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
