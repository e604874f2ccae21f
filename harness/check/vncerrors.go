package check

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// VNCErrors finds the lines in which xrdp reports that it could not reach a
// session's VNC server (`VNC error - problem connecting`, the other `VNC
// error …` handshake lines, `VNC password failed`, `some problem`, `Error
// connecting to user session`) and names the client, user and op that hit
// each one. Any such line is invalid: it is what a user sees when sesman
// hands out a dead or squatted display.
//
// Matching a line to a client: xrdp logs `Connected client computer name:
// NAME` for every RDP connection, NAME being the client name of the op
// (Op.Client). A connection line belongs to the op with that client whose
// window [Start, End+LogSlack] contains it (the latest such op). An error
// line then belongs to:
//   - with EnableProcessId (a `[pid:N tid:M]` field): the last connection
//     line logged by the same pid, since xrdp serves each connection in its
//     own process;
//   - without it: the most recent connection line (at or before the error)
//     whose op window [Start, End+LogSlack] contains the error.
//
// An error no connection explains is still reported, as unmatched.
//
// Unknown: the target ran RDP ops (login, reconnect) but the record holds no
// xrdp log line for it.
type VNCErrors struct{ Config Config }

var _ harness.Checker = VNCErrors{}

// Name is "vnc-errors".
func (VNCErrors) Name() string { return "vnc-errors" }

// Check returns one verdict per target.
func (c VNCErrors) Check(r *harness.Record) []harness.Verdict {
	return perTarget(r, c.Name(), c.Config, c.check)
}

// vncErrorKind classifies an xrdp message; "" when it is not a VNC connect
// error.
func vncErrorKind(msg string) string {
	switch {
	case strings.Contains(msg, "VNC error - problem connecting"):
		return "problem connecting"
	case strings.HasPrefix(msg, "VNC error"):
		return "vnc error"
	case strings.HasPrefix(msg, "VNC password failed"):
		return "vnc password"
	case msg == "some problem":
		return "some problem"
	case strings.Contains(msg, "Error connecting to user session"):
		return "session connect"
	}
	return ""
}

// ClientName reads NAME from xrdp's "Connected client computer name: NAME"
// (the capital differs between versions), given the message of a log line
// (ParseLine(text).Msg). xrdp logs it once per RDP connection, at INFO, when
// it reads the client core data of the MCS Connect Initial
// (libxrdp/xrdp_sec.c, xrdp_sec_process_mcs_data_CS_CORE; the line as
// v0.9.21.1 writes it: testdata/storm-0.9.21.1.json). The harness's
// clients send a name unique within a run.
func ClientName(msg string) (string, bool) {
	const key = "client computer name:"
	i := strings.Index(strings.ToLower(msg), key)
	if i < 0 {
		return "", false
	}
	name := strings.TrimSpace(msg[i+len(key):])
	return name, name != ""
}

type rdpConn struct {
	t    time.Time
	pid  int
	name string
	op   *harness.Op
}

type vncError struct {
	t     time.Time
	kind  string
	text  string
	conn  *rdpConn
	byPID bool
}

func (c VNCErrors) check(r *harness.Record, target string, cfg Config) harness.Verdict {
	v := harness.Verdict{Checker: c.Name(), Target: target}
	slack := cfg.LogSlack
	ops := targetOps(r, target)
	byClient := map[string][]*harness.Op{}
	rdpOps := 0
	var longest time.Duration
	for i := range ops {
		op := &ops[i]
		if op.Kind == harness.OpLogin || op.Kind == harness.OpReconnect {
			rdpOps++
		}
		if op.Client != "" {
			byClient[op.Client] = append(byClient[op.Client], op)
			longest = max(longest, op.Duration())
		}
	}
	opFor := func(name string, t time.Time) *harness.Op {
		cands := byClient[name]
		// The latest op started by t whose window still holds t.
		i, _ := slices.BinarySearchFunc(cands, t, func(op *harness.Op, t time.Time) int {
			if op.Start.After(t) {
				return 1
			}
			return -1
		})
		for j := i - 1; j >= 0; j-- {
			if !t.After(cands[j].End.Add(slack)) {
				return cands[j]
			}
			if t.Sub(cands[j].Start) > longest+slack {
				break
			}
		}
		return nil
	}

	lines := targetLogs(r, target, harness.LogXrdp)
	var conns []*rdpConn
	lastByPID := map[int]*rdpConn{}
	var errs []vncError
	for _, l := range lines {
		pl := ParseLine(l.Text)
		if name, ok := ClientName(pl.Msg); ok {
			cn := &rdpConn{t: l.Time, pid: pl.PID, name: name, op: opFor(name, l.Time)}
			conns = append(conns, cn)
			if pl.PID > 0 {
				lastByPID[pl.PID] = cn
			}
			continue
		}
		kind := vncErrorKind(pl.Msg)
		if kind == "" {
			continue
		}
		e := vncError{t: l.Time, kind: kind, text: pl.Msg}
		if cn, ok := lastByPID[pl.PID]; ok && pl.PID > 0 {
			e.conn, e.byPID = cn, true
		} else {
			// Most recent connection whose op window holds the error.
			for j := len(conns) - 1; j >= 0; j-- {
				cn := conns[j]
				if l.Time.Sub(cn.t) > longest+slack {
					break
				}
				if cn.op != nil && !l.Time.Before(cn.op.Start) && !l.Time.After(cn.op.End.Add(slack)) {
					e.conn = cn
					break
				}
			}
		}
		errs = append(errs, e)
	}

	ev := newEvidence(target, cfg.MaxEvidence)
	users, clients := map[string]bool{}, map[string]bool{}
	unmatched := 0
	for _, e := range errs {
		switch {
		case e.conn == nil:
			unmatched++
			ev.add(e.t, "%q: no connection matched", e.text)
		case e.conn.op == nil:
			clients[e.conn.name] = true
			ev.add(e.t, "%q: client %s (no op with that client at %s)", e.text, e.conn.name,
				e.conn.t.Format("15:04:05.000"))
		default:
			op := e.conn.op
			clients[op.Client], users[op.User] = true, true
			how := "by time"
			if e.byPID {
				how = "by pid"
			}
			disp := ""
			if op.Display >= 0 {
				// Advice tells the port-probe defect (display ≥ 100) from
				// the SIGCHLD one by this.
				disp = fmt.Sprintf(", display :%d", op.Display)
			}
			ev.add(e.t, "%q: client %s, user %s, op %d (%s %s%s)%s, matched %s", e.text, op.Client, op.User,
				op.ID, op.Kind, op.Outcome, reasonSuffix(op.Reason), disp, how)
		}
	}
	v.Metrics = map[string]float64{
		"vnc_errors":           float64(len(errs)),
		"vnc_errors_unmatched": float64(unmatched),
		"rdp_connections":      float64(len(conns)),
	}
	switch {
	case len(errs) > 0:
		v.Valid = harness.Invalid
		v.Summary = plural(len(errs), "VNC connect error")
		if len(users) > 0 {
			v.Summary += fmt.Sprintf(" hit users %s (clients %s)", joinSorted(users), joinSorted(clients))
		}
		if unmatched > 0 {
			v.Summary += fmt.Sprintf("; %d matched no connection", unmatched)
		}
	case len(lines) == 0 && rdpOps > 0:
		v.Valid = harness.Unknown
		v.Summary = fmt.Sprintf("%s ran but the record holds no xrdp log", plural(rdpOps, "RDP op"))
	default:
		v.Valid = harness.Valid
		v.Summary = fmt.Sprintf("no VNC connect error in %s over %s", plural(len(lines), "xrdp log line"),
			plural(len(conns), "connection"))
	}
	v.Evidence = ev.list()
	return v
}

func reasonSuffix(reason string) string {
	if reason == "" {
		return ""
	}
	return "/" + reason
}
