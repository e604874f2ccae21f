package check

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Stale finds sessions sesman holds that have no X server behind them, the
// state the 0.9.17 SIGCHLD defect leaves when a session's end goes
// unnoticed:
//
//   - a stale session: a session child of the main sesman (alive or
//     defunct: unreaped, it is still in sesman's list) that has no live X
//     server of its own for longer than Config.StaleGrace (which covers X
//     start-up and sesman's own 10 s X start timeout);
//   - a reconnect to a dead display: sesman logs `++ reconnected session:
//     username U, display :D.0` (or `Starting session reconnection script on
//     display D`, or the harness's reconnect script logs its start with
//     DISPLAY=:D) while no `Xvnc :D` process was alive within LogSlack of
//     that moment.
//
// Unknown: no sampler ticks; or, with nothing found, a reconnect fell in a
// blind span, a stale spell could not be confirmed because the sampler was
// blind past the grace, or a blind span is longer than the grace.
type Stale struct{ Config Config }

var _ harness.Checker = Stale{}

// Name is "stale-sessions".
func (Stale) Name() string { return "stale-sessions" }

// Check returns one verdict per target.
func (c Stale) Check(r *harness.Record) []harness.Verdict {
	return perTarget(r, c.Name(), c.Config, c.check)
}

// life is the time a process spent in one role, as the sampler saw it.
type life struct {
	pid, ppid int
	display   int
	from, to  time.Time
	atEnd     bool
	// deadAt is when a session child was first seen defunct (it exited,
	// sesman had not reaped it); zero while it lives.
	deadAt time.Time
}

// sessionLives replays target once and returns the session children of
// the main sesman (held from first sight until reaped or orphaned) and
// every X server (alive from first sight until it exits or turns zombie).
func sessionLives(r *harness.Record, target string, end time.Time) (sessions, xservers []*life) {
	p := NewReplayer(r, target)
	held := map[int]*life{}
	xs := map[int]*life{}
	closeIn := func(m map[int]*life, pid int, t time.Time) {
		if l, ok := m[pid]; ok {
			l.to = t
			delete(m, pid)
		}
	}
	// Session membership depends on the main sesman, which may appear in
	// the same snapshot after its children: reconcile once per batch of
	// events with one stamp.
	var batch time.Time
	pending := false
	reconcile := func() {
		if !pending {
			return
		}
		pending = false
		tab := p.Table()
		for s := range tab.sessionChildren() {
			if _, ok := held[s.PID]; !ok {
				l := &life{pid: s.PID, ppid: s.PPID, display: -1, from: s.Seen}
				held[s.PID] = l
				sessions = append(sessions, l)
			}
		}
		for pid := range held {
			if !tab.IsSessionChild(pid) {
				closeIn(held, pid, batch)
			}
		}
	}
	for {
		// Reconcile before the next batch's first event changes the table.
		if next, ok := p.Peek(); !ok || !next.Equal(batch) {
			reconcile()
			if !ok {
				break
			}
			batch = next
		}
		ch, _ := p.Next()
		ev := ch.Event
		switch ev.Kind {
		case harness.ProcStart, harness.ProcExec: // exec: a forked child becoming Xvnc
			closeIn(held, ev.PID, ev.Time)
			closeIn(xs, ev.PID, ev.Time)
			if ch.Proc.IsXvnc() && !ch.Proc.Zombie() {
				l := &life{pid: ev.PID, ppid: ev.PPID, display: ch.Proc.Display, from: ev.Time}
				xs[ev.PID] = l
				xservers = append(xservers, l)
			}
			pending = pending || ch.Proc.IsSesman() || ch.Prev.IsSesman()
		case harness.ProcExit:
			closeIn(held, ev.PID, ev.Time)
			closeIn(xs, ev.PID, ev.Time)
			pending = pending || ch.Proc.IsSesman()
		case harness.ProcState:
			if ch.Proc.Zombie() {
				closeIn(xs, ev.PID, ev.Time)
				if l, ok := held[ev.PID]; ok && l.deadAt.IsZero() {
					l.deadAt = ev.Time
				}
			}
		case harness.ProcReparent:
			pending = pending || ch.Proc.IsSesman()
		}
	}
	for _, m := range []map[int]*life{held, xs} {
		for _, l := range m {
			l.to, l.atEnd = end, true
			if l.to.Before(l.from) {
				l.to = l.from
			}
		}
	}
	return sessions, xservers
}

// displayLives indexes X server lives by display for "was D served
// around t" queries.
type displayLives struct {
	by map[int][]*life
	// maxTo[d][i] is the latest end among by[d][:i+1] (by[d] is sorted by
	// start), so an overlap query is one binary search.
	maxTo map[int][]time.Time
}

func newDisplayLives(xs []*life) displayLives {
	dl := displayLives{by: map[int][]*life{}, maxTo: map[int][]time.Time{}}
	for _, x := range xs {
		dl.by[x.display] = append(dl.by[x.display], x)
	}
	for d, ls := range dl.by {
		slices.SortStableFunc(ls, func(a, b *life) int { return a.from.Compare(b.from) })
		mt := make([]time.Time, len(ls))
		for i, l := range ls {
			mt[i] = l.to
			if i > 0 && mt[i-1].After(l.to) {
				mt[i] = mt[i-1]
			}
		}
		dl.maxTo[d] = mt
	}
	return dl
}

// alive reports whether an X server of display d was alive at some
// instant of [a, b].
func (dl displayLives) alive(d int, a, b time.Time) bool {
	ls := dl.by[d]
	n := sort.Search(len(ls), func(i int) bool { return ls[i].from.After(b) })
	return n > 0 && !dl.maxTo[d][n-1].Before(a)
}

// displayUsers remembers who used a display when, from sesman's lines and
// the ops, to name users in evidence.
type displayUsers map[int][]userAt

type userAt struct {
	t    time.Time
	user string
}

func (du displayUsers) note(d int, t time.Time, user string) {
	if d >= 0 && user != "" {
		du[d] = append(du[d], userAt{t, user})
	}
}

// at returns the user last seen on d at or before t (else the first one
// after it).
func (du displayUsers) at(d int, t time.Time) string {
	best := ""
	for _, e := range du[d] {
		if e.t.After(t) {
			if best == "" {
				best = e.user
			}
			break
		}
		best = e.user
	}
	return best
}

// reconnectEvent is one reconnect seen in the logs.
type reconnectEvent struct {
	t       time.Time
	user    string
	display int
	source  string
	// sessionPID is the session sesman says it reconnected to (its
	// "session_pid" field); 0 when the line does not say.
	sessionPID int
}

func (c Stale) check(r *harness.Record, target string, cfg Config) harness.Verdict {
	v := harness.Verdict{Checker: c.Name(), Target: target}
	grace, slack := cfg.StaleGrace, cfg.LogSlack
	end := horizon(r, target)
	cov := NewCoverage(r, target, cfg.MaxTickGap)
	f := newFaults(r, target, cfg.StrictDuringFaults)
	ev := newEvidence(target, cfg.MaxEvidence)

	sessions, xservers := sessionLives(r, target, end)
	dl := newDisplayLives(xservers) // display -1 collects X servers of unknown display
	xByParent := map[int][]*life{}
	for _, x := range xservers {
		xByParent[x.ppid] = append(xByParent[x.ppid], x)
	}

	du := displayUsers{}
	var reconnects []reconnectEvent
	for _, l := range targetLogs(r, target, harness.LogSesman, harness.LogReconnect) {
		if l.Source == harness.LogReconnect {
			if rl, ok := ParseReconnectLine(l.Text); ok && rl.Phase == "start" && rl.Display >= 0 {
				reconnects = append(reconnects, reconnectEvent{rl.Time, rl.User, rl.Display, "reconnect script", 0})
			}
			continue
		}
		msg := ParseLine(l.Text).Msg
		switch {
		case strings.Contains(msg, "Session started successfully for user "):
			u, _ := wordAfter(msg, "for user ")
			d, ok := intAfter(msg, " on display ")
			if ok {
				du.note(d, l.Time, u)
			}
		case strings.Contains(msg, "++ reconnected session:"):
			u, _ := wordAfter(msg, "username ")
			d, ok := intAfter(msg, "display :")
			if ok {
				du.note(d, l.Time, u)
				sp, _ := intAfter(msg, "session_pid ")
				reconnects = append(reconnects, reconnectEvent{l.Time, u, d, "sesman", sp})
			}
		case strings.Contains(msg, "Starting session reconnection script on display "):
			if d, ok := intAfter(msg, "on display "); ok {
				reconnects = append(reconnects, reconnectEvent{l.Time, "", d, "sesman script", 0})
			}
		}
	}
	for _, op := range r.Ops {
		if op.Target == target && op.Display >= 0 && op.Outcome == harness.OK {
			du.note(op.Display, op.Start, op.User)
		}
	}
	for d := range du {
		slices.SortStableFunc(du[d], func(a, b userAt) int { return a.t.Compare(b.t) })
	}

	// Stale sessions: spells without an own X server.
	var stale, uncertain int
	for _, s := range sessions {
		own := xByParent[s.pid]
		slices.SortFunc(own, func(a, b *life) int { return a.from.Compare(b.from) })
		d, hadX := -1, false
		cursor := s.from
		var gaps []Span
		for _, x := range own {
			if x.to.Before(s.from.Add(-slack)) || x.from.After(s.to) {
				continue
			}
			hadX = true
			if x.display >= 0 {
				d = x.display
			}
			if x.from.After(cursor) {
				gaps = append(gaps, Span{cursor, x.from})
			}
			if x.to.After(cursor) {
				cursor = x.to
			}
		}
		if s.to.After(cursor) {
			gaps = append(gaps, Span{cursor, s.to})
		}
		for _, g := range gaps {
			deadline := f.graceStart(g.From).Add(grace)
			if !g.To.After(deadline) {
				continue
			}
			if !cov.WatchedIn(deadline, g.To) {
				uncertain++
				continue
			}
			stale++
			what := fmt.Sprintf("session pid %d", s.pid)
			if d >= 0 {
				what += fmt.Sprintf(" (display :%d", d)
				if u := du.at(d, g.From); u != "" {
					what += ", user " + u
				}
				what += ")"
			}
			if hadX {
				what += fmt.Sprintf(" held by sesman without its X server for %s", secs(g.Duration()))
			} else {
				what += fmt.Sprintf(" held by sesman without any X server for %s", secs(g.Duration()))
			}
			if s.atEnd && g.To.Equal(s.to) {
				what += ", still at the end"
			} else {
				what += " until " + g.To.Format("15:04:05.000")
			}
			ev.add(g.From, "%s", what)
		}
	}

	// Reconnects to dead displays; one reconnect shows up in up to three
	// lines, so lines of one display within 2×slack are one event.
	slices.SortStableFunc(reconnects, func(a, b reconnectEvent) int { return a.t.Compare(b.t) })
	var merged []reconnectEvent
	lastOf := map[int]int{} // display → index in merged
	for _, rc := range reconnects {
		if i, ok := lastOf[rc.display]; ok && rc.t.Sub(merged[i].t) <= 2*slack {
			if merged[i].user == "" {
				merged[i].user = rc.user
			}
			if merged[i].sessionPID == 0 {
				merged[i].sessionPID = rc.sessionPID
			}
			continue
		}
		lastOf[rc.display] = len(merged)
		merged = append(merged, rc)
	}
	deadReconnects, unwatched := 0, 0
	for _, rc := range merged {
		// sesman named the session it reconnected to, and that session's
		// process had already exited: dead for certain, whatever the X
		// server timing says (the 0.9.17 defect's signature).
		if l := deadSessionAt(sessions, rc.sessionPID, rc.t, cfg.OrderSlack); l != nil {
			deadReconnects++
			user := rc.user
			if user == "" {
				user = du.at(rc.display, rc.t)
			}
			ev.add(rc.t, "reconnect of user %s to display :%d: sesman handed out session pid %d, defunct since %s (its end went unnoticed)",
				orUnknown(user), rc.display, l.pid, l.deadAt.Format("15:04:05.000"))
			continue
		}
		a, b := rc.t.Add(-slack), rc.t.Add(slack)
		if dl.alive(rc.display, a, b) {
			continue
		}
		if !cov.Watched(rc.t) || dl.alive(-1, a, b) {
			// Blind, or an X server of unknown display was alive: it
			// may have been this display's.
			unwatched++
			continue
		}
		deadReconnects++
		user := rc.user
		if user == "" {
			user = du.at(rc.display, rc.t)
		}
		ev.add(rc.t, "reconnect of user %s to display :%d (seen in %s log) while no Xvnc :%d was alive",
			orUnknown(user), rc.display, rc.source, rc.display)
	}

	blind := cov.LongBlind(grace)
	v.Metrics = map[string]float64{
		"stale_sessions":   float64(stale),
		"stale_reconnects": float64(deadReconnects),
		"sessions_seen":    float64(len(sessions)),
		"reconnects_seen":  float64(len(merged)),
	}
	switch {
	case stale > 0 || deadReconnects > 0:
		v.Valid = harness.Invalid
		v.Summary = fmt.Sprintf("%s without an X server for longer than %s, %s to a dead display",
			plural(stale, "stale session spell"), secs(grace), plural(deadReconnects, "reconnect"))
	case !cov.HasTicks():
		v.Valid = harness.Unknown
		v.Summary = "no sampler ticks: the process table cannot be trusted"
	case uncertain > 0 || unwatched > 0 || len(blind) > 0:
		v.Valid = harness.Unknown
		for _, s := range blind {
			ev.add(s.From, "sampler blind for %s until %s", secs(s.Duration()), s.To.Format("15:04:05.000"))
		}
		v.Summary = fmt.Sprintf("nothing stale seen, but %d spells unconfirmed, %d reconnects unwatched or "+
			"ambiguous, %d long blind spans", uncertain, unwatched, len(blind))
	default:
		v.Valid = harness.Valid
		v.Summary = fmt.Sprintf("%s and %s, every one with a live X server", plural(len(sessions), "session"),
			plural(len(merged), "reconnect"))
	}
	v.Evidence = ev.list()
	return v
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}

// deadSessionAt finds the session child pid whose process was defunct more
// than orderSlack before t.
func deadSessionAt(sessions []*life, pid int, t time.Time, orderSlack time.Duration) *life {
	if pid <= 0 {
		return nil
	}
	for _, l := range sessions {
		if l.pid == pid && !l.from.After(t) && !l.deadAt.IsZero() && t.Sub(l.deadAt) > orderSlack {
			return l
		}
	}
	return nil
}
