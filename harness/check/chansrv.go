package check

import (
	"fmt"
	"strings"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Chansrv finds RDP connections whose xrdp process could not reach the
// session's chansrv (clipboard, drives, sound). xrdp v0.9.21.1
// xrdp/xrdp_mm.c:2319-2338 (xrdp_mm_chansrv_connect) tries 4 times, each a
// trans_connect with a 3000 ms timeout and a 1 s sleep after it, logging
// "xrdp_mm_chansrv_connect: connect failed trying again..." (WARN) per
// failed try and "xrdp_mm_chansrv_connect: error in trans_connect chan"
// (ERROR) when it gives up: about 16 s in which that process serves
// nothing, so the new session sits frozen, and then it runs without
// chansrv. The usual cause is sesman's [Globals] ListenAddress other than
// 127.0.0.1 (lint: listen-address-chansrv), which puts chansrv on TCP
// 7200+display while xrdp looks for its UNIX socket.
//
// Lines are grouped per xrdp process ([pid:N] with EnableProcessId; all in
// one group without it), the client named by that process's "Connected
// client computer name" line.
//
// A connection whose session ended as it gave up is no trap: its X server
// (and so the session's chansrv) went away, which the process logs as
// "VNC server closed connection" (vnc/vnc.c) right after giving up. In a
// reconnect storm an end-sessions fault or an abrupt logout does that to a
// connection still in its chansrv connect (measured on 0.10.1: "Connecting
// to chansrv", 10 s later "error in trans_connect chan" with no retry line,
// then at once "VNC server closed connection"). Those are counted and
// listed, not judged.
//
// Invalid: any other such line. Unknown: the target ran RDP ops but the
// record holds no xrdp log line.
type Chansrv struct{ Config Config }

var _ harness.Checker = Chansrv{}

// Name is "chansrv".
func (Chansrv) Name() string { return "chansrv" }

// Check returns one verdict per target.
func (c Chansrv) Check(r *harness.Record) []harness.Verdict {
	return perTarget(r, c.Name(), c.Config, c.check)
}

// chansrvTrouble is what one xrdp process logged about chansrv.
type chansrvTrouble struct {
	pid           int
	client        string
	first, gaveUp time.Time // first failed try; when it gave up (zero: not seen)
	tries         int
}

// sessionGoneWithin is how soon after giving up the process may log that
// its VNC server closed the connection for the failure to count as the
// session ending, not as the trap.
const sessionGoneWithin = 5 * time.Second

func (c Chansrv) check(r *harness.Record, target string, cfg Config) harness.Verdict {
	v := harness.Verdict{Checker: c.Name(), Target: target}
	rdpOps := 0
	for _, op := range targetOps(r, target) {
		if op.Kind == harness.OpLogin || op.Kind == harness.OpReconnect {
			rdpOps++
		}
	}
	lines := targetLogs(r, target, harness.LogXrdp)
	clients := map[int]string{}
	var order []int
	byPID := map[int]*chansrvTrouble{}
	closed := map[int]time.Time{} // first "VNC server closed connection" per process
	for _, l := range lines {
		pl := ParseLine(l.Text)
		if name, ok := ClientName(pl.Msg); ok {
			clients[pl.PID] = name
			continue
		}
		if strings.Contains(pl.Msg, "VNC server closed connection") {
			if _, seen := closed[pl.PID]; !seen {
				closed[pl.PID] = l.Time
			}
			continue
		}
		retry := strings.Contains(pl.Msg, "xrdp_mm_chansrv_connect: connect failed")
		gaveUp := strings.Contains(pl.Msg, "xrdp_mm_chansrv_connect: error in trans_connect chan")
		if !retry && !gaveUp {
			continue
		}
		t, ok := byPID[pl.PID]
		if !ok {
			t = &chansrvTrouble{pid: pl.PID, client: clients[pl.PID], first: l.Time}
			byPID[pl.PID] = t
			order = append(order, pl.PID)
		}
		if retry {
			t.tries++
		}
		if gaveUp && t.gaveUp.IsZero() {
			t.gaveUp = l.Time
		}
	}
	ev := newEvidence(target, cfg.MaxEvidence)
	gaveUp, ended := 0, 0
	var longest time.Duration
	for _, pid := range order {
		t := byPID[pid]
		who := "xrdp process " + fmt.Sprint(pid)
		if t.client != "" {
			who += ", client " + t.client
		}
		if c, ok := closed[pid]; ok && !t.gaveUp.IsZero() && !c.Before(t.gaveUp.Add(-cfg.LogSlack)) && c.Sub(t.gaveUp) <= sessionGoneWithin {
			ended++
			ev.add(t.gaveUp, "%s: gave up on chansrv as its session ended (VNC server closed the connection %s later): not the chansrv trap",
				who, secs(c.Sub(t.gaveUp)))
			continue
		}
		if t.gaveUp.IsZero() {
			ev.add(t.first, "%s: %d failed tries to reach chansrv, still trying when the record ends", who, t.tries)
			continue
		}
		gaveUp++
		// The first logged failure is one try (≈ 4 s) after the start.
		stall := t.gaveUp.Sub(t.first) + 4*time.Second
		longest = max(longest, stall)
		ev.add(t.gaveUp, "%s: gave up on chansrv after %d failed tries (≈ %s frozen); the session runs without clipboard, drives and sound", who, t.tries, secs(stall))
	}
	v.Metrics = map[string]float64{
		"chansrv_failed_connections": float64(len(order) - ended),
		"chansrv_session_ended":      float64(ended),
		"chansrv_gave_up":            float64(gaveUp),
		"chansrv_stall_max_seconds":  longest.Seconds(),
	}
	switch {
	case len(order) > ended:
		v.Valid = harness.Invalid
		v.Summary = fmt.Sprintf("%s could not reach chansrv", plural(len(order)-ended, "RDP connection"))
		if gaveUp > 0 {
			v.Summary += fmt.Sprintf(" (%d gave up, the longest after ≈ %s)", gaveUp, secs(longest))
		}
	case len(lines) == 0 && rdpOps > 0:
		v.Valid = harness.Unknown
		v.Summary = fmt.Sprintf("%s ran but the record holds no xrdp log", plural(rdpOps, "RDP op"))
	case ended > 0:
		v.Valid = harness.Valid
		v.Summary = fmt.Sprintf("every connection reached chansrv but %s whose session ended as it connected (%s read)",
			plural(ended, "connection"), plural(len(lines), "xrdp log line"))
	default:
		v.Valid = harness.Valid
		v.Summary = fmt.Sprintf("every connection reached chansrv (%s read)", plural(len(lines), "xrdp log line"))
	}
	v.Evidence = ev.list()
	return v
}
