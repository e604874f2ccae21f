package check

import (
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Proc is one process as the replayed table holds it.
type Proc struct {
	PID, PPID int
	Comm      string // /proc comm: at most 15 characters
	Args      string
	State     string    // /proc state letter; "Z" for a zombie
	Born      time.Time // start time from /proc
	Seen      time.Time // when the sampler first saw it
	// ZombieSince is when the process was first seen in state Z; zero
	// while it is not a zombie.
	ZombieSince time.Time
	// Display and VNCPort are set for an X server ("Xvnc :D"): its display
	// and the port it serves VNC on (-rfbport, else 5900+D). Display is -1
	// for every other process, and for an X server whose display neither
	// its args nor sesman's log tell.
	Display int
	VNCPort int

	role role // set by the replayer; zero: work it out from Comm and Args
}

// role caches what kind of xrdp process a Proc is.
type role uint8

const (
	roleUnset role = iota
	roleOther
	roleSesman
	roleChansrv
	roleXvnc
)

func (p Proc) roleOf() role {
	if p.role != roleUnset {
		return p.role
	}
	switch {
	case p.Display >= 0 || isXServerName(p.Comm, p.Args):
		return roleXvnc
	case isSesmanName(p.Comm, p.Args):
		return roleSesman
	case p.Comm == "xrdp-chansrv" || argv0(p.Args) == "xrdp-chansrv":
		return roleChansrv
	}
	return roleOther
}

func isSesmanName(comm, args string) bool {
	if comm == "" {
		comm = argv0(args)
	}
	return comm == sesmanDaemon || comm == sesexec
}

// The names sesman's processes run under: the daemon's, and 0.10's
// per-session process (0.9.x sesman forks itself per session instead).
const (
	sesmanDaemon = "xrdp-sesman"
	sesexec      = "xrdp-sesexec"
)

// sessionNames are what a target's version calls its sesman processes,
// read from the Record's TargetInfo.SessionProcess (containers.Features).
type sessionNames struct {
	// session is the per-session process; "" (an older Record): either
	// name, as before the version was recorded.
	session string
}

func sessionNamesOf(r *harness.Record, target string) sessionNames {
	for _, ti := range r.Targets {
		if ti.Name == target {
			return sessionNames{session: ti.SessionProcess}
		}
	}
	return sessionNames{}
}

// roleOf is p's role on this version: an xrdp-sesexec is sesman's only
// where the version runs one.
func (n sessionNames) roleOf(p Proc) role {
	r := p.roleOf()
	if r == roleSesman && n.session == sesmanDaemon && (p.Comm == sesexec || p.Comm == "" && argv0(p.Args) == sesexec) {
		return roleOther
	}
	return r
}

// sessionOnly says whether p can only be a session's process, never the
// main daemon (0.10's xrdp-sesexec).
func (n sessionNames) sessionOnly(p Proc) bool {
	return n.session != sesmanDaemon && p.Comm == sesexec
}

// Zombie reports whether the process has exited and waits to be reaped.
func (p Proc) Zombie() bool { return p.State == "Z" }

// IsSesman reports an xrdp-sesman process (or 0.10's per-session
// xrdp-sesexec): the main daemon and its per-session children share it.
func (p Proc) IsSesman() bool { return p.roleOf() == roleSesman }

// IsXvnc reports an X server (Xvnc, or Debian's Xtigervnc under its own
// name). Its Display may still be unknown (-1).
func (p Proc) IsXvnc() bool { return p.roleOf() == roleXvnc }

// IsChansrv reports the session's channel server.
func (p Proc) IsChansrv() bool { return p.roleOf() == roleChansrv }

func argv0(args string) string {
	a, _, _ := strings.Cut(strings.TrimSpace(args), " ")
	return path.Base(a)
}

// isXServerName recognises the X server by comm or argv[0].
func isXServerName(comm, args string) bool {
	for _, n := range []string{comm, argv0(args)} {
		if n == "Xvnc" || n == "Xtigervnc" {
			return true
		}
	}
	return false
}

// parseXvnc reads "Xvnc :D ... [-rfbport N]" from a process's comm and
// args. ok is false for any other process; an X server whose args lack the
// display (the sampler can read an empty cmdline right after exec) gives
// ok with display -1.
func parseXvnc(comm, args string) (display, port int, ok bool) {
	if !isXServerName(comm, args) {
		return -1, 0, false
	}
	display, port = -1, 0
	f := strings.Fields(args)
	for i, a := range f {
		if i > 0 && display < 0 && strings.HasPrefix(a, ":") {
			if d, err := strconv.Atoi(a[1:]); err == nil && d >= 0 {
				display = d
			}
		}
		if a == "-rfbport" && i+1 < len(f) {
			if p, err := strconv.Atoi(f[i+1]); err == nil && p > 0 {
				port = p
			}
		}
	}
	if display < 0 {
		return -1, 0, true
	}
	if port == 0 {
		port = 5900 + display
	}
	return display, port, true
}

// xHint is what sesman logged about the X server it started as a pid.
type xHint struct {
	t             time.Time
	display, port int
}

// xHints maps pid → sesman's "Starting X server" lines of that pid.
type xHints map[int][]xHint

// xHintWindow bounds how far a log line's stamp may be from the process
// event it explains (pids are reused over a long run).
const xHintWindow = 30 * time.Second

func (h xHints) lookup(pid int, at time.Time) (xHint, bool) {
	var best xHint
	found := false
	for _, c := range h[pid] {
		d := c.t.Sub(at).Abs()
		if d <= xHintWindow && (!found || d < best.t.Sub(at).Abs()) {
			best, found = c, true
		}
	}
	return best, found
}

// sesmanXHints reads target's sesman log for the X servers sesman started;
// the line carries the X server's own pid when sesman logs pids
// (EnableProcessId), since the forked child logs it before exec.
func sesmanXHints(r *harness.Record, target string) xHints {
	const key = "Starting X server on display "
	h := xHints{}
	for i := range r.Logs {
		l := &r.Logs[i]
		if l.Target != target || l.Source != harness.LogSesman || !strings.Contains(l.Text, key) {
			continue
		}
		pl := ParseLine(l.Text)
		if pl.PID <= 0 {
			continue
		}
		_, cmd, ok := strings.Cut(pl.Msg[strings.Index(pl.Msg, key):], ": ")
		d, port, isX := parseXvnc("", cmd)
		if !ok || !isX || d < 0 {
			continue
		}
		h[pl.PID] = append(h[pl.PID], xHint{l.Time, d, port})
	}
	return h
}
