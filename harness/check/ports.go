package check

import (
	"fmt"
	"strings"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Ports finds VNC port trouble, chiefly the high-display defect: Xvnc for
// display D listens on 5900+D, sesman's free-display probe formats ports as
// "59%2.2d"/"60%2.2d" and so never sees a port taken at 5900+D once D ≥ 100
// (5900+118 = 6018, the X11 port of display 18).
//
//   - conflict: while an `Xvnc :D` runs, its VNC port (5900+D, or -rfbport)
//     is held by a listener with another known pid that is not an X server
//     of the same display (a handover between two Xvnc :D is fine), or by a
//     listener of unknown pid that was there before the Xvnc started
//     (unless it closed within Config.ListenGrace of that start and a
//     listener the Xvnc may own opened after it: the display's previous X
//     server letting go); also
//     sesman's `Timed out waiting for X server on display D` while such a
//     listener held 5900+D (the Xvnc may have died before any sample).
//   - never listened: an Xvnc alive longer than Config.ListenGrace that never
//     listened on its port.
//   - latent overlap: 5900+D equals 6000+D' of another live display D'
//     (D = D'+100) while nobody listens there (Xvnc runs -nolisten tcp). A
//     note, invalid only with WithX11OverlapInvalid.
//
// An Xvnc that died within the grace without listening and without a
// conflict (a fault killed it at start-up) is only counted.
//
// Unknown: no sampler ticks; Xvnc seen but the record holds no listening
// socket for the target (the sampler did not report sockets); or, with
// nothing found, an Xvnc's listen could not be confirmed because the sampler
// was blind, an Xvnc's display was unknown (empty args and no sesman line
// with its pid), or a blind span is longer than the grace.
type Ports struct{ Config Config }

var _ harness.Checker = Ports{}

// Name is "port-conflicts".
func (Ports) Name() string { return "port-conflicts" }

// Check returns one verdict per target.
func (c Ports) Check(r *harness.Record) []harness.Verdict {
	return perTarget(r, c.Name(), c.Config, c.check)
}

// xLife is one X server's life.
type xLife struct {
	pid, display, port int
	from, to           time.Time
	atEnd              bool
}

// listenLife is one listening socket's life.
type listenLife struct {
	addr     string
	port     int
	pid      int    // 0: owner unknown
	owner    string // owner's comm and args when known
	ownerX   int    // display of the owning X server, -1 otherwise
	from, to time.Time
}

func (l *listenLife) describe() string {
	if l.pid == 0 {
		return "a listener of unknown pid"
	}
	if l.owner == "" {
		return fmt.Sprintf("pid %d", l.pid)
	}
	return fmt.Sprintf("pid %d (%s)", l.pid, l.owner)
}

// portLives replays target once for X server and listener lives.
func portLives(r *harness.Record, target string, end time.Time) (xs []*xLife, listens map[int][]*listenLife, sockets int) {
	p := NewReplayer(r, target)
	liveX := map[int]*xLife{}
	type key struct {
		addr string
		port int
	}
	open := map[key]*listenLife{}
	listens = map[int][]*listenLife{}
	closeX := func(pid int, t time.Time) {
		if x, ok := liveX[pid]; ok {
			x.to = t
			delete(liveX, pid)
		}
	}
	for ch := range p.Changes() {
		ev := ch.Event
		switch ev.Kind {
		case harness.ProcStart, harness.ProcExec: // exec: a forked child becoming Xvnc
			closeX(ev.PID, ev.Time)
			if ch.Proc.IsXvnc() && !ch.Proc.Zombie() {
				x := &xLife{pid: ev.PID, display: ch.Proc.Display, port: ch.Proc.VNCPort, from: ev.Time}
				liveX[ev.PID] = x
				xs = append(xs, x)
			}
		case harness.ProcExit:
			closeX(ev.PID, ev.Time)
		case harness.ProcState:
			if ch.Proc.Zombie() {
				closeX(ev.PID, ev.Time)
			}
		case harness.Listen:
			sockets++
			k := key{ev.Addr, ev.Port}
			if old, ok := open[k]; ok {
				old.to = ev.Time
			}
			l := &listenLife{addr: ev.Addr, port: ev.Port, pid: ev.PID, ownerX: -1, from: ev.Time, to: end}
			if pr, ok := p.Table().Proc(ev.PID); ok && ev.PID != 0 {
				l.owner = strings.TrimSpace(pr.Comm)
				if pr.Args != "" && pr.Args != pr.Comm {
					l.owner += ": " + truncate(pr.Args, 60)
				}
				if pr.IsXvnc() {
					l.ownerX = pr.Display
				}
			}
			open[k] = l
			listens[ev.Port] = append(listens[ev.Port], l)
		case harness.Unlisten:
			k := key{ev.Addr, ev.Port}
			if l, ok := open[k]; ok {
				l.to = ev.Time
				delete(open, k)
			}
		}
	}
	for _, x := range liveX {
		x.to, x.atEnd = end, true
		if x.to.Before(x.from) {
			x.to = x.from
		}
	}
	return xs, listens, sockets
}

// ownVNCListen finds the lowest listener of x's own pid at or above 5900
// during x's life, and the display it implies (xrdp starts Xvnc with
// -nolisten tcp, so its only TCP listener is the VNC one).
func ownVNCListen(listens map[int][]*listenLife, x *xLife) (display, port int, ok bool) {
	port = -1
	for p, ls := range listens {
		if p < 5900 || (port >= 0 && p >= port) {
			continue
		}
		for _, l := range ls {
			if l.pid == x.pid && l.from.Before(x.to) && !l.to.Before(x.from) {
				port = p
				break
			}
		}
	}
	if port < 0 {
		return -1, 0, false
	}
	return port - 5900, port, true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func (c Ports) check(r *harness.Record, target string, cfg Config) harness.Verdict {
	v := harness.Verdict{Checker: c.Name(), Target: target}
	grace, slack := cfg.ListenGrace, cfg.LogSlack
	end := horizon(r, target)
	cov := NewCoverage(r, target, cfg.MaxTickGap)
	ev := newEvidence(target, cfg.MaxEvidence)
	xs, listens, sockets := portLives(r, target, end)
	byDisplay := map[int][]*xLife{}
	for _, x := range xs {
		byDisplay[x.display] = append(byDisplay[x.display], x)
	}

	reported := map[*listenLife]bool{}
	conflicts, never, short, unconfirmed, overlaps, unattributed, unknownDisplay := 0, 0, 0, 0, 0, 0, 0
	for _, ls := range listens {
		for _, l := range ls {
			if l.pid == 0 && l.port >= 5900 && l.port < 6200 {
				unattributed++
			}
		}
	}
	// handedOver tells whether l, a listener of unknown pid that was on
	// x's port before x started, is the previous X server of the display
	// letting go: it closed within the grace after x started, and a
	// listener that x may own (its pid, or unknown) opened on the port
	// after it while x ran. Inside a container root cannot read the fds of
	// the users' Xvnc (no CAP_SYS_PTRACE in Docker's default set), so
	// every Xvnc listener there has pid 0, and the sampler can see the new
	// Xvnc before the old socket is gone.
	handedOver := func(l *listenLife, x *xLife) bool {
		if l.to.After(x.from.Add(grace)) {
			return false
		}
		for _, n := range listens[x.port] {
			if n != l && (n.pid == 0 || n.pid == x.pid) && !n.from.Before(l.to) && !n.from.After(x.to.Add(slack)) {
				return true
			}
		}
		return false
	}
	// foreign tells whether listener l on x's port belongs to someone else.
	foreign := func(l *listenLife, x *xLife) bool {
		if !l.from.Before(x.to) || !l.to.After(x.from) {
			return false // no overlap
		}
		switch {
		case l.pid == x.pid:
			return false
		case l.pid == 0:
			return l.from.Before(x.from.Add(-slack)) && !handedOver(l, x)
		case l.ownerX == x.display:
			return false // handover between two X servers of the display
		}
		return true
	}
	for _, x := range xs {
		if x.display < 0 {
			// Neither its args nor sesman's log named the display. Its own
			// VNC listener names it (Xvnc listens on 5900+D unless
			// -rfbport says otherwise, and -rfbport would be in the args
			// we could not read); one too short to have listened proves
			// nothing either way, like any short Xvnc.
			if d, port, ok := ownVNCListen(listens, x); ok {
				x.display, x.port = d, port
			} else {
				if x.to.Sub(x.from) <= grace && !x.atEnd {
					short++
				} else {
					unknownDisplay++
				}
				continue
			}
		}
		listened := false
		for _, l := range listens[x.port] {
			if l.pid == x.pid || (l.pid == 0 && !l.from.Before(x.from.Add(-slack)) && !l.from.After(x.to.Add(slack))) {
				listened = true
			}
			if foreign(l, x) && !reported[l] {
				reported[l] = true
				conflicts++
				what := "VNC port"
				if l.ownerX >= 0 && l.port == 6000+l.ownerX {
					what = fmt.Sprintf("VNC port (the X11 TCP port of display :%d)", l.ownerX)
				}
				ev.add(maxTime(l.from, x.from), "%s %d of Xvnc :%d (pid %d) held by %s from %s",
					what, x.port, x.display, x.pid, l.describe(), l.from.Format("15:04:05.000"))
			}
		}
		if listened || sockets == 0 {
			continue
		}
		held := false
		for _, l := range listens[x.port] {
			held = held || foreign(l, x)
		}
		switch {
		case held:
		case x.to.Sub(x.from) <= grace && !x.atEnd:
			short++
		case x.to.Sub(x.from) <= grace:
		case cov.WatchedIn(x.from.Add(grace), x.to):
			never++
			ev.add(x.from, "Xvnc :%d (pid %d) ran %s without listening on %d", x.display, x.pid,
				secs(x.to.Sub(x.from)), x.port)
		default:
			unconfirmed++
		}
	}

	// sesman gave up on a display whose port someone else held.
	for _, l := range targetLogs(r, target, harness.LogSesman) {
		msg := ParseLine(l.Text).Msg
		if !strings.Contains(msg, "Timed out waiting for X server on display") {
			continue
		}
		d, ok := intAfter(msg, "on display ")
		if !ok {
			continue
		}
		for _, ll := range listens[5900+d] {
			if reported[ll] || ll.ownerX == d || ll.from.After(l.Time) || ll.to.Before(l.Time.Add(-15*time.Second)) {
				continue
			}
			reported[ll] = true
			conflicts++
			ev.add(l.Time, "sesman timed out waiting for X server on display %d while port %d was held by %s",
				d, 5900+d, ll.describe())
		}
	}

	// Latent overlaps of 5900+D with 6000+(D-100).
	for _, x := range xs {
		if x.display < 100 {
			continue
		}
		for _, y := range byDisplay[x.display-100] {
			if y.from.Before(x.to) && y.to.After(x.from) {
				overlaps++
				ev.add(maxTime(x.from, y.from), "Xvnc :%d's VNC port %d is the X11 TCP port of live display :%d "+
					"(nobody listened there)", x.display, x.port, y.display)
			}
		}
	}

	v.Metrics = map[string]float64{
		"xvnc_seen":             float64(len(xs)),
		"port_conflicts":        float64(conflicts),
		"xvnc_never_listened":   float64(never),
		"xvnc_short_unlistened": float64(short),
		"x11_overlaps":          float64(overlaps),
		"listens_unattributed":  float64(unattributed),
		"xvnc_unknown_display":  float64(unknownDisplay),
	}
	blind := cov.LongBlind(grace)
	switch {
	case conflicts > 0 || never > 0 || (overlaps > 0 && cfg.X11OverlapInvalid):
		v.Valid = harness.Invalid
		v.Summary = fmt.Sprintf("%s, %s that never listened, %s",
			plural(conflicts, "port conflict"), plural(never, "Xvnc"), plural(overlaps, "latent X11 overlap"))
	case !cov.HasTicks():
		v.Valid = harness.Unknown
		v.Summary = "no sampler ticks: the process table cannot be trusted"
	case sockets == 0 && len(xs) > 0:
		v.Valid = harness.Unknown
		v.Summary = fmt.Sprintf("%s seen but no listening socket recorded: the sampler did not report sockets",
			plural(len(xs), "Xvnc"))
	case unconfirmed > 0 || unknownDisplay > 0 || len(blind) > 0:
		v.Valid = harness.Unknown
		for _, s := range blind {
			ev.add(s.From, "sampler blind for %s until %s", secs(s.Duration()), s.To.Format("15:04:05.000"))
		}
		v.Summary = fmt.Sprintf("no conflict seen, but %d Xvnc listens unconfirmed, %d Xvnc of unknown display "+
			"and %d long blind spans", unconfirmed, unknownDisplay, len(blind))
	default:
		v.Valid = harness.Valid
		v.Summary = fmt.Sprintf("%s, each on its own port", plural(len(xs), "Xvnc"))
		if overlaps > 0 {
			v.Summary += fmt.Sprintf("; %s (not in use)", plural(overlaps, "latent X11 overlap"))
		}
	}
	v.Evidence = ev.list()
	return v
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
