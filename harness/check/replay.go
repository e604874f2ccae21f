package check

import (
	"cmp"
	"iter"
	"path"
	"slices"
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

// Socket is a listening TCP socket.
type Socket struct {
	Addr  string
	Port  int
	PID   int // 0 when the sampler could not tell the owner
	Since time.Time
}

// Table is a target's process table and listening sockets at one moment of
// a replay. It keeps small indexes so the xrdp-shaped questions below cost
// about the number of sesman processes, not the size of the table.
type Table struct {
	At       time.Time // time of the last applied event, or of the last AdvanceTo
	procs    map[int]*Proc
	children map[int]map[int]struct{} // ppid → pids
	sesman   map[int]struct{}         // xrdp-sesman / xrdp-sesexec pids
	xvnc     map[int]map[int]struct{} // display → live (non-zombie) X server pids
	nxvnc    int
	zombies  map[int]struct{}
	socks    map[int]map[string]Socket // port → addr → socket
	nsocks   int
	sockPID  map[int]int // owner pid → sockets it holds
	xkids    map[int]int // pid → its X server and chansrv children
	// sesmanKids counts each pid's sesman children; nested is the number
	// of sesman processes whose parent is a sesman too.
	sesmanKids map[int]int
	nested     int
	hints      xHints
	names      sessionNames
	main       int  // cached main sesman pid (0: none)
	dirty      bool // main must be recomputed
}

func newTable() *Table {
	return &Table{
		procs:    map[int]*Proc{},
		children: map[int]map[int]struct{}{},
		sesman:   map[int]struct{}{},
		xvnc:     map[int]map[int]struct{}{},
		zombies:  map[int]struct{}{},
		socks:    map[int]map[string]Socket{},
		sockPID:  map[int]int{},
		xkids:    map[int]int{},

		sesmanKids: map[int]int{},
	}
}

// Len is the number of processes, zombies included.
func (t *Table) Len() int { return len(t.procs) }

// Proc returns the process with that pid.
func (t *Table) Proc(pid int) (Proc, bool) {
	p, ok := t.procs[pid]
	if !ok {
		return Proc{}, false
	}
	return *p, true
}

// All returns every process, by pid.
func (t *Table) All() []Proc {
	out := make([]Proc, 0, len(t.procs))
	for _, p := range t.procs {
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b Proc) int { return cmp.Compare(a.PID, b.PID) })
	return out
}

// Children returns the processes whose parent is pid, by pid.
func (t *Table) Children(pid int) []Proc {
	return t.collect(t.children[pid])
}

func (t *Table) collect(set map[int]struct{}) []Proc {
	out := make([]Proc, 0, len(set))
	for pid := range set {
		out = append(out, *t.procs[pid])
	}
	slices.SortFunc(out, func(a, b Proc) int { return cmp.Compare(a.PID, b.PID) })
	return out
}

// ZombieCount is the number of zombies.
func (t *Table) ZombieCount() int { return len(t.zombies) }

// Zombie is a defunct process with what a report needs about it.
type Zombie struct {
	Proc
	Age        time.Duration // since it was first seen defunct, as of Table.At
	Parent     Proc          // zero when the parent is not in the table
	ParentMain bool          // the parent is the main sesman
}

// Zombies returns the zombies, by pid, with their age and parent.
func (t *Table) Zombies() []Zombie {
	m, hasMain := t.MainSesman()
	out := make([]Zombie, 0, len(t.zombies))
	for _, p := range t.collect(t.zombies) {
		z := Zombie{Proc: p, Age: t.At.Sub(p.ZombieSince)}
		if pp, ok := t.procs[p.PPID]; ok {
			z.Parent = *pp
			z.ParentMain = hasMain && pp.PID == m.PID
		}
		out = append(out, z)
	}
	return out
}

// XvncCount is the number of live X servers.
func (t *Table) XvncCount() int { return t.nxvnc }

// Xvnc returns the live X server of display d (the lowest pid if a second
// one is trying to start on the same display).
func (t *Table) Xvnc(d int) (Proc, bool) {
	best := 0
	for pid := range t.xvnc[d] {
		if best == 0 || pid < best {
			best = pid
		}
	}
	if best == 0 {
		return Proc{}, false
	}
	return *t.procs[best], true
}

// MainSesman returns the sesman daemon: the xrdp-sesman process whose parent
// is not an xrdp-sesman. One with X server or chansrv children is a session
// orphaned by an earlier daemon, never the daemon. When several qualify, the
// one holding a listening socket wins, then the newest.
func (t *Table) MainSesman() (Proc, bool) {
	if t.dirty {
		t.main = t.findMain()
		t.dirty = false
	}
	if t.main == 0 {
		return Proc{}, false
	}
	return *t.procs[t.main], true
}

func (t *Table) findMain() int {
	best, bestListens := 0, false
	var bestProc *Proc
	for pid := range t.sesman {
		p := t.procs[pid]
		if p.Zombie() || t.names.sessionOnly(*p) {
			continue
		}
		if _, ok := t.sesman[p.PPID]; ok {
			continue // a session child
		}
		if t.hasSessionChildren(pid) {
			continue // an orphaned session
		}
		listens := t.listens(pid)
		newer := bestProc == nil || p.Born.After(bestProc.Born) ||
			(p.Born.Equal(bestProc.Born) && (p.Seen.After(bestProc.Seen) ||
				(p.Seen.Equal(bestProc.Seen) && pid > best)))
		if (listens && !bestListens) || (listens == bestListens && newer) {
			best, bestListens, bestProc = pid, listens, p
		}
	}
	return best
}

func (t *Table) listens(pid int) bool { return t.sockPID[pid] > 0 }

func (t *Table) hasSessionChildren(pid int) bool { return t.xkids[pid] > 0 }

// SessionChildren returns the session processes of the main sesman: its
// xrdp-sesman (0.10: xrdp-sesexec) children, zombies included, because an
// unreaped child is a session sesman still holds.
func (t *Table) SessionChildren() []Proc {
	var out []Proc
	for p := range t.sessionChildren() {
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b Proc) int { return cmp.Compare(a.PID, b.PID) })
	return out
}

// sessionChildren yields the session children in no particular order,
// without copying: for detectors that reconcile often.
func (t *Table) sessionChildren() iter.Seq[*Proc] {
	return func(yield func(*Proc) bool) {
		m, ok := t.MainSesman()
		if !ok {
			return
		}
		for pid := range t.children[m.PID] {
			if p := t.procs[pid]; p.IsSesman() && !yield(p) {
				return
			}
		}
	}
}

// SessionCount is the number of session processes: the session children
// of the main sesman (defunct ones included) and sessions orphaned by an
// earlier daemon (sesman processes whose parent is not a sesman, other than
// the main one). Children a session child forked and has not exec'd yet
// (its X server and window manager, still named xrdp-sesman for up to the
// X start timeout) are not sessions.
func (t *Table) SessionCount() int {
	n := len(t.sesman) - t.nested
	if m, ok := t.MainSesman(); ok {
		n += t.sesmanKids[m.PID] - 1
	}
	return n
}

// IsSessionChild reports whether pid is a session child of the main sesman.
func (t *Table) IsSessionChild(pid int) bool {
	p, ok := t.procs[pid]
	if !ok || !p.IsSesman() {
		return false
	}
	m, ok := t.MainSesman()
	return ok && p.PPID == m.PID && p.PID != m.PID
}

// SessionDisplay returns the display of a session: that of its X server
// child (live or zombie).
func (t *Table) SessionDisplay(session int) (int, bool) {
	for c := range t.children[session] {
		if p := t.procs[c]; p.IsXvnc() && p.Display >= 0 {
			return p.Display, true
		}
	}
	return -1, false
}

// Chansrv returns a session's xrdp-chansrv child.
func (t *Table) Chansrv(session int) (Proc, bool) {
	for _, c := range t.Children(session) {
		if c.IsChansrv() {
			return c, true
		}
	}
	return Proc{}, false
}

// WindowManager returns a session's window-manager process: its child that
// is neither the X server nor chansrv (startwm.sh, or what it exec'd).
func (t *Table) WindowManager(session int) (Proc, bool) {
	for _, c := range t.Children(session) {
		if !c.IsXvnc() && !c.IsChansrv() {
			return c, true
		}
	}
	return Proc{}, false
}

// Listeners returns the listening sockets on port, by address.
func (t *Table) Listeners(port int) []Socket {
	out := make([]Socket, 0, len(t.socks[port]))
	for _, s := range t.socks[port] {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Socket) int { return cmp.Compare(a.Addr, b.Addr) })
	return out
}

// SocketCount is the number of listening sockets.
func (t *Table) SocketCount() int { return t.nsocks }

// Change is what one event did to the table.
type Change struct {
	Event harness.ProcEvent
	// Proc is the process after the change; for ProcExit, as it was when
	// it went away. Zero for socket events.
	Proc Proc
	// Prev is the process before a state or reparent change, or the one a
	// ProcStart replaced (a reused pid whose exit was not seen).
	Prev Proc
	// Socket is the socket a Listen opened or an Unlisten closed.
	Socket Socket
	// Known is false when the event named a process or socket the table
	// did not hold (the sampler missed it); the table is unchanged then.
	Known bool
}

// mutate changes a known process in place, keeping the indexes right, and
// records the before and after in ch; an unknown pid leaves ch.Known false.
func (t *Table) mutate(ch *Change, pid int, f func(p *Proc)) {
	p, ok := t.procs[pid]
	if !ok {
		ch.Known = false
		return
	}
	ch.Prev = *p
	t.unindex(p)
	f(p)
	t.index(p)
	ch.Proc = *p
}

func (t *Table) apply(ev harness.ProcEvent) Change {
	t.At = ev.Time
	ch := Change{Event: ev, Known: true}
	switch ev.Kind {
	case harness.ProcStart:
		if old, ok := t.procs[ev.PID]; ok {
			ch.Prev = *old
			t.remove(ev.PID)
		}
		p := &Proc{PID: ev.PID, PPID: ev.PPID, Comm: ev.Comm, Args: ev.Args, State: ev.State,
			Born: ev.Born, Seen: ev.Time}
		t.classify(p, ev.Time)
		if p.Zombie() {
			p.ZombieSince = ev.Time
		}
		t.add(p)
		ch.Proc = *p
	case harness.ProcExit:
		p, ok := t.procs[ev.PID]
		if !ok {
			ch.Known = false
			break
		}
		ch.Proc = *p
		t.remove(ev.PID)
	case harness.ProcState:
		t.mutate(&ch, ev.PID, func(p *Proc) {
			p.State = ev.State
			switch {
			case p.Zombie() && p.ZombieSince.IsZero():
				p.ZombieSince = ev.Time
			case !p.Zombie():
				p.ZombieSince = time.Time{}
			}
		})
	case harness.ProcExec:
		// Same pid, new program: sesman's forked children become Xvnc,
		// chansrv and the window manager this way.
		t.mutate(&ch, ev.PID, func(p *Proc) {
			p.Comm, p.Args = ev.Comm, ev.Args
			if ev.PPID != 0 {
				p.PPID = ev.PPID
			}
			t.classify(p, ev.Time)
		})
	case harness.ProcReparent:
		t.mutate(&ch, ev.PID, func(p *Proc) { p.PPID = ev.PPID })
	case harness.Listen:
		addrs := t.socks[ev.Port]
		if addrs == nil {
			addrs = map[string]Socket{}
			t.socks[ev.Port] = addrs
		}
		if old, ok := addrs[ev.Addr]; ok {
			t.unownSocket(old)
		} else {
			t.nsocks++
		}
		s := Socket{Addr: ev.Addr, Port: ev.Port, PID: ev.PID, Since: ev.Time}
		addrs[ev.Addr] = s
		t.ownSocket(s)
		ch.Socket = s
	case harness.Unlisten:
		s, ok := t.socks[ev.Port][ev.Addr]
		if !ok {
			ch.Known = false
			break
		}
		delete(t.socks[ev.Port], ev.Addr)
		if len(t.socks[ev.Port]) == 0 {
			delete(t.socks, ev.Port)
		}
		t.nsocks--
		t.unownSocket(s)
		ch.Socket = s
	default:
		ch.Known = false
	}
	return ch
}

func (t *Table) ownSocket(s Socket) {
	if s.PID == 0 {
		return
	}
	t.sockPID[s.PID]++
	if _, ok := t.sesman[s.PID]; ok {
		t.dirty = true
	}
}

func (t *Table) unownSocket(s Socket) {
	if s.PID == 0 {
		return
	}
	if t.sockPID[s.PID]--; t.sockPID[s.PID] <= 0 {
		delete(t.sockPID, s.PID)
	}
	if _, ok := t.sesman[s.PID]; ok {
		t.dirty = true
	}
}

// classify sets p's role, and its display and VNC port when it is an X
// server: from its args, else from sesman's "Starting X server on display
// D: Xvnc :D …" line logged by that pid.
func (t *Table) classify(p *Proc, at time.Time) {
	p.role, p.Display, p.VNCPort = roleUnset, -1, 0
	if d, port, ok := parseXvnc(p.Comm, p.Args); ok {
		p.Display, p.VNCPort = d, port
		if d < 0 {
			if h, ok := t.hints.lookup(p.PID, at); ok {
				p.Display, p.VNCPort = h.display, h.port
			}
		}
	}
	p.role = t.names.roleOf(*p)
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

func (t *Table) add(p *Proc) {
	t.procs[p.PID] = p
	t.index(p)
}

func (t *Table) remove(pid int) {
	p := t.procs[pid]
	t.unindex(p)
	delete(t.procs, pid)
	if len(t.children[pid]) == 0 {
		delete(t.children, pid)
	}
}

// index and unindex keep every derived set in step with one process.
func (t *Table) index(p *Proc) {
	kids := t.children[p.PPID]
	if kids == nil {
		kids = map[int]struct{}{}
		t.children[p.PPID] = kids
	}
	kids[p.PID] = struct{}{}
	if p.IsXvnc() || p.IsChansrv() {
		t.xkids[p.PPID]++
	}
	if p.IsSesman() {
		t.sesman[p.PID] = struct{}{}
		t.sesmanKids[p.PPID]++
		if _, ok := t.sesman[p.PPID]; ok {
			t.nested++
		}
		t.nested += t.sesmanKids[p.PID]
	}
	if p.Zombie() {
		t.zombies[p.PID] = struct{}{}
	} else if p.IsXvnc() {
		t.nxvnc++
		if p.Display < 0 {
			t.touch(p)
			return
		}
		set := t.xvnc[p.Display]
		if set == nil {
			set = map[int]struct{}{}
			t.xvnc[p.Display] = set
		}
		set[p.PID] = struct{}{}
	}
	t.touch(p)
}

func (t *Table) unindex(p *Proc) {
	if kids := t.children[p.PPID]; kids != nil {
		delete(kids, p.PID)
		if len(kids) == 0 {
			delete(t.children, p.PPID)
		}
	}
	if p.IsXvnc() || p.IsChansrv() {
		if t.xkids[p.PPID]--; t.xkids[p.PPID] <= 0 {
			delete(t.xkids, p.PPID)
		}
	}
	if p.IsSesman() {
		delete(t.sesman, p.PID)
		if t.sesmanKids[p.PPID]--; t.sesmanKids[p.PPID] <= 0 {
			delete(t.sesmanKids, p.PPID)
		}
		if _, ok := t.sesman[p.PPID]; ok {
			t.nested--
		}
		t.nested -= t.sesmanKids[p.PID]
	}
	if p.Zombie() {
		delete(t.zombies, p.PID)
	} else if p.IsXvnc() {
		t.nxvnc--
		if set := t.xvnc[p.Display]; set != nil {
			delete(set, p.PID)
			if len(set) == 0 {
				delete(t.xvnc, p.Display)
			}
		}
	}
	t.touch(p)
}

// touch marks the main-sesman cache stale when p can change the answer: a
// sesman process itself, or an X server or chansrv under one (which marks
// an orphaned session). Other children (window managers, reconnect
// scripts) leave it alone: they come and go with every request.
func (t *Table) touch(p *Proc) {
	if p.IsSesman() || p.PID == t.main {
		t.dirty = true
		return
	}
	if !p.IsXvnc() && !p.IsChansrv() {
		return
	}
	if _, ok := t.sesman[p.PPID]; ok {
		t.dirty = true
	}
}

// Replayer rebuilds one target's process table from Record.Procs in a single
// forward pass. Queries in time order cost O(events) in total; a query for
// an earlier time than the last one replays from the start.
type Replayer struct {
	events    []harness.ProcEvent
	target    string
	filter    bool // events hold other targets too
	next      int
	table     *Table
	anomalies int
	hints     xHints
	names     sessionNames
}

// NewReplayer prepares a replay of target's events. Events are expected in
// time order; if they are not, a time-sorted copy is replayed (equal stamps
// keep their recorded order, which the sampler's snapshots define).
func NewReplayer(r *harness.Record, target string) *Replayer {
	p := &Replayer{target: target, table: newTable()}
	if r == nil {
		return p
	}
	p.hints = sesmanXHints(r, target)
	p.names = sessionNamesOf(r, target)
	p.table.hints, p.table.names = p.hints, p.names
	sorted, mixed := true, false
	var last time.Time
	n := 0
	for i := range r.Procs {
		ev := &r.Procs[i]
		if ev.Target != target {
			mixed = true
			continue
		}
		if n > 0 && ev.Time.Before(last) {
			sorted = false
		}
		last = ev.Time
		n++
	}
	switch {
	case sorted && !mixed:
		p.events = r.Procs
	case sorted:
		p.events, p.filter = r.Procs, true
	default:
		evs := make([]harness.ProcEvent, 0, n)
		for _, ev := range r.Procs {
			if ev.Target == target {
				evs = append(evs, ev)
			}
		}
		slices.SortStableFunc(evs, func(a, b harness.ProcEvent) int { return a.Time.Compare(b.Time) })
		p.events = evs
	}
	return p
}

// Table is the table as of the last applied event. It is live: later
// replay steps change it.
func (p *Replayer) Table() *Table { return p.table }

// Anomalies counts events that named a process or socket the table did
// not hold.
func (p *Replayer) Anomalies() int { return p.anomalies }

// skip moves next past events of other targets.
func (p *Replayer) skip() {
	if !p.filter {
		return
	}
	for p.next < len(p.events) && p.events[p.next].Target != p.target {
		p.next++
	}
}

// Peek returns the time of the next event.
func (p *Replayer) Peek() (time.Time, bool) {
	p.skip()
	if p.next >= len(p.events) {
		return time.Time{}, false
	}
	return p.events[p.next].Time, true
}

// Next applies the next event.
func (p *Replayer) Next() (Change, bool) {
	p.skip()
	if p.next >= len(p.events) {
		return Change{}, false
	}
	ch := p.table.apply(p.events[p.next])
	p.next++
	if !ch.Known {
		p.anomalies++
	}
	return ch, true
}

// Changes applies the remaining events one by one.
func (p *Replayer) Changes() iter.Seq[Change] {
	return func(yield func(Change) bool) {
		for {
			ch, ok := p.Next()
			if !ok || !yield(ch) {
				return
			}
		}
	}
}

// Until applies the events stamped at or before t, one by one.
func (p *Replayer) Until(t time.Time) iter.Seq[Change] {
	return func(yield func(Change) bool) {
		for {
			next, ok := p.Peek()
			if !ok || next.After(t) {
				return
			}
			ch, _ := p.Next()
			if !yield(ch) {
				return
			}
		}
	}
}

// AdvanceTo applies every event stamped at or before t; the table is then
// as of t (Table.At = t, which is what zombie ages count to).
func (p *Replayer) AdvanceTo(t time.Time) {
	for range p.Until(t) {
	}
	if t.After(p.table.At) {
		p.table.At = t
	}
}

// At returns the table as it was at t (after every event stamped at or
// before t). Going back in time replays from the start.
func (p *Replayer) At(t time.Time) *Table {
	if t.Before(p.table.At) {
		p.Reset()
	}
	p.AdvanceTo(t)
	return p.table
}

// Reset returns to the empty table before the first event.
func (p *Replayer) Reset() {
	p.next, p.anomalies, p.table = 0, 0, newTable()
	p.table.hints, p.table.names = p.hints, p.names
}
