package check

import (
	"cmp"
	"iter"
	"slices"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

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
