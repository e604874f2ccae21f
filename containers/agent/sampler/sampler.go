package sampler

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"syscall"
	"time"
)

// Event kinds on the wire. The process kinds are harness.ProcEventKind
// values; "exec" is one more (see containers/agent).
const (
	kStart    = "start"
	kExit     = "exit"
	kState    = "state"
	kReparent = "reparent"
	kExec     = "exec"
	kListen   = "listen"
	kUnlisten = "unlisten"
	kTick     = "tick"
	kLog      = "log"
	kHello    = "hello"
	kWarn     = "warn"
)

// proc is the sampler's view of one process.
type proc struct {
	pid, ppid int
	state     byte
	start     uint64
	comm      string
	fd        int    // /proc/PID/stat held open (real procfs), or -1
	dir       string // root/PID
	statPath  string // root/PID/stat, for trees where fds are not held
	// argsRetries counts samples left in which to re-read an empty
	// cmdline: a process caught mid-exec shows its new comm before its new
	// cmdline exists, so Xvnc would otherwise stay without ":D".
	argsRetries uint8
}

// argsRetryLimit bounds re-reads for processes whose cmdline stays empty.
const argsRetryLimit = 20

// Options configure a Sampler. Zero values: root "/proc", every state
// letter change folded into classes (see AllStates).
type Options struct {
	// Root is the /proc tree to read; tests use synthetic trees.
	Root string
	// AllStates reports every change of the state letter. By default
	// changes within the "running" class (R S D I W K P) are not reported,
	// because busy processes flip between R and S at every sample; changes
	// to and from stopped (T t), zombie (Z) and dead (X x) are.
	AllStates bool
	// SocketsEvery reads the listening sockets every N samples; 0 means
	// every sample with netlink, once a second's worth of samples
	// (given Interval) with the /proc/net fallback.
	SocketsEvery int
	// Interval is only used to pace the /proc/net fallback; 0 = 100ms.
	Interval time.Duration
}

// Sampler takes snapshots of a /proc tree and encodes what changed.
type Sampler struct {
	fs           *procfs
	sockets      socketSource
	socketsEvery int
	allStates    bool

	procs, next []proc // sorted by pid; next is the reused spare
	pids        []int
	statbuf     []byte

	lis, nextLis []listener
	lisOwner     map[uint64]int
	sockErr      string

	enc      encoder
	samples  int // snapshots since the last tick
	nsample  int // snapshots in total
	zombies  int
	sessions int
}

// New opens root and the socket source.
func New(opts Options) (*Sampler, error) {
	root := opts.Root
	if root == "" {
		root = "/proc"
	}
	fs, err := openProcfs(root)
	if err != nil {
		return nil, err
	}
	s := &Sampler{
		fs:        fs,
		allStates: opts.AllStates,
		statbuf:   make([]byte, 1024),
		lisOwner:  map[uint64]int{},
	}
	interval := opts.Interval
	if interval <= 0 {
		interval = 100 * time.Millisecond
	}
	s.socketsEvery = opts.SocketsEvery
	if fs.real {
		if nl, err := openNetlinkSockets(); err == nil {
			s.sockets = nl
		} else {
			s.sockets = &procNetSockets{root: root}
			s.warn(time.Now(), fmt.Sprintf("listening sockets from %s/net/tcp once a second: %v", root, err))
			if s.socketsEvery == 0 {
				s.socketsEvery = max(1, int(time.Second/interval))
			}
		}
	} else {
		s.sockets = &procNetSockets{root: root}
	}
	if s.socketsEvery <= 0 {
		s.socketsEvery = 1
	}
	return s, nil
}

// Close releases the held file descriptors.
func (s *Sampler) Close() {
	for _, p := range s.procs {
		if p.fd >= 0 {
			syscall.Close(p.fd)
		}
	}
	s.procs = nil
	s.sockets.close()
	s.fs.close()
}

// SocketSource says where listening sockets come from: "netlink" or
// "procfs".
func (s *Sampler) SocketSource() string { return s.sockets.name() }

// Take one snapshot at now and append the change events to the output
// buffer. The first snapshot reports everything present.
func (s *Sampler) Sample(now time.Time) error {
	var err error
	s.pids, err = s.fs.listPIDs(s.pids[:0])
	if err != nil {
		return err
	}
	slices.Sort(s.pids)
	s.next = s.next[:0]
	s.zombies, s.sessions = 0, 0
	i := 0
	for _, pid := range s.pids {
		for i < len(s.procs) && s.procs[i].pid < pid {
			s.exit(now, &s.procs[i])
			i++
		}
		if i < len(s.procs) && s.procs[i].pid == pid {
			p := s.procs[i]
			i++
			if s.refresh(now, &p) {
				s.keep(p)
				continue
			}
			s.exit(now, &p) // gone, or the pid was reused
		}
		if p, ok := s.discover(now, pid); ok {
			s.keep(p)
		}
	}
	for ; i < len(s.procs); i++ {
		s.exit(now, &s.procs[i])
	}
	s.procs, s.next = s.next, s.procs

	if s.nsample%s.socketsEvery == 0 {
		s.sampleSockets(now)
	}
	s.samples++
	s.nsample++
	return nil
}

func (s *Sampler) keep(p proc) {
	s.next = append(s.next, p)
	switch {
	case p.state == 'Z':
		s.zombies++
	case p.state != 'X' && p.state != 'x' && p.comm == "Xvnc":
		s.sessions++
	}
}

// readStat reads and parses the stat file of p; errGone when the process
// no longer exists (exited and reaped).
func (s *Sampler) readStat(p *proc) (stat, error) {
	var n int
	var err error
	if p.fd >= 0 {
		n, err = readFull(p.fd, s.statbuf, true)
	} else {
		var b []byte
		b, err = readFile(p.statPath, s.statbuf)
		n = len(b)
	}
	if err != nil {
		if errors.Is(err, syscall.ESRCH) || errors.Is(err, syscall.ENOENT) {
			return stat{}, errGone
		}
		return stat{}, err
	}
	if n == 0 { // a procfs file of a task that just went away
		return stat{}, errGone
	}
	return parseStat(s.statbuf[:n])
}

// refresh re-reads a known process and reports its changes; false when it
// is gone or its pid now belongs to another process.
func (s *Sampler) refresh(now time.Time, p *proc) bool {
	st, err := s.readStat(p)
	if err != nil {
		if err != errGone {
			s.warn(now, fmt.Sprintf("read %s/stat: %v", p.dir, err))
			return true // keep the old view; try again next sample
		}
		return false
	}
	if st.start != p.start {
		return false // pid reused between two samples
	}
	if string(st.comm) != p.comm {
		p.comm = string(st.comm)
		args := s.fs.readArgs(p.dir)
		p.argsRetries = retriesFor(args, st.state)
		s.procEvent(now, kExec, p, args, time.Time{})
	} else if p.argsRetries > 0 && st.state != 'Z' {
		p.argsRetries--
		if args := s.fs.readArgs(p.dir); args != "" {
			p.argsRetries = 0
			s.procEvent(now, kExec, p, args, time.Time{}) // same comm, the args it was missing
		}
	}
	if st.ppid != p.ppid {
		p.ppid = st.ppid
		s.procEvent(now, kReparent, p, "", time.Time{})
	}
	if st.state != p.state {
		report := s.allStates || stateClass(st.state) != stateClass(p.state)
		p.state = st.state
		if report {
			s.procEvent(now, kState, p, "", time.Time{})
		}
	}
	return true
}

// discover reads a process seen for the first time.
func (s *Sampler) discover(now time.Time, pid int) (proc, bool) {
	p := proc{pid: pid, fd: -1, dir: s.fs.root + "/" + strconv.Itoa(pid)}
	p.statPath = p.dir + "/stat"
	if s.fs.real {
		fd, err := syscall.Open(p.statPath, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err == nil {
			p.fd = fd
		} // else EMFILE or gone: fall back to path reads, or drop below
	}
	st, err := s.readStat(&p)
	if err != nil {
		if p.fd >= 0 {
			syscall.Close(p.fd)
		}
		if err != errGone {
			s.warn(now, fmt.Sprintf("read %s/stat: %v", p.dir, err))
		}
		return proc{}, false
	}
	p.ppid, p.state, p.start, p.comm = st.ppid, st.state, st.start, string(st.comm)
	args := s.fs.readArgs(p.dir)
	p.argsRetries = retriesFor(args, st.state)
	s.procEvent(now, kStart, &p, args, s.fs.born(st.start))
	return p, true
}

// retriesFor says how often to re-read an empty cmdline: never for
// zombies (theirs is always empty).
func retriesFor(args string, state byte) uint8 {
	if args != "" || state == 'Z' {
		return 0
	}
	return argsRetryLimit
}

func (s *Sampler) exit(now time.Time, p *proc) {
	if p.fd >= 0 {
		syscall.Close(p.fd)
		p.fd = -1
	}
	s.procEvent(now, kExit, p, "", time.Time{})
}

// stateClass folds the state letters that change all the time into one.
func stateClass(c byte) byte {
	switch c {
	case 'R', 'S', 'D', 'I', 'W', 'K', 'P':
		return 'R'
	case 't':
		return 'T'
	}
	return c
}

func (s *Sampler) procEvent(now time.Time, kind string, p *proc, args string, born time.Time) {
	e := &s.enc
	e.begin(now, kind)
	e.int("pid", int64(p.pid))
	e.int("ppid", int64(p.ppid))
	e.str("comm", p.comm)
	e.str("args", args)
	if kind == kStart || kind == kState {
		e.buf = append(e.buf, `,"state":"`...)
		e.buf = append(e.buf, p.state)
		e.buf = append(e.buf, '"')
	}
	e.time("born", born)
	e.end()
}

func (s *Sampler) sampleSockets(now time.Time) {
	var err error
	s.nextLis, err = s.sockets.listeners(s.nextLis[:0])
	if err != nil {
		if msg := err.Error(); msg != s.sockErr {
			s.sockErr = msg
			s.warn(now, msg)
		}
		return // keep the previous set: no spurious unlisten
	}
	s.sockErr = ""
	slices.SortFunc(s.nextLis, compareListener)
	s.nextLis = slices.CompactFunc(s.nextLis, func(a, b listener) bool { return compareListener(a, b) == 0 })

	var added []listener
	i, j := 0, 0
	for i < len(s.lis) || j < len(s.nextLis) {
		var c int
		switch {
		case i == len(s.lis):
			c = 1
		case j == len(s.nextLis):
			c = -1
		default:
			c = compareListener(s.lis[i], s.nextLis[j])
		}
		switch {
		case c < 0:
			s.listenEvent(now, kUnlisten, s.lis[i], s.lisOwner[s.lis[i].inode])
			delete(s.lisOwner, s.lis[i].inode)
			i++
		case c > 0:
			added = append(added, s.nextLis[j])
			j++
		default:
			i++
			j++
		}
	}
	if len(added) > 0 {
		want := make(map[uint64]int, len(added))
		for _, l := range added {
			want[l.inode] = 0
		}
		s.fs.socketOwners(s.pids, want)
		for _, l := range added {
			s.lisOwner[l.inode] = want[l.inode]
			s.listenEvent(now, kListen, l, want[l.inode])
		}
	}
	s.lis, s.nextLis = s.nextLis, s.lis
}

func (s *Sampler) listenEvent(now time.Time, kind string, l listener, pid int) {
	e := &s.enc
	e.begin(now, kind)
	e.int("pid", int64(pid))
	if pid != 0 {
		if k, ok := slices.BinarySearchFunc(s.procs, pid, func(p proc, pid int) int { return p.pid - pid }); ok {
			e.str("comm", s.procs[k].comm)
		}
	}
	e.str("addr", l.addrString())
	e.int("port", int64(l.port))
	e.end()
}

func (s *Sampler) warn(now time.Time, text string) {
	s.enc.begin(now, kWarn)
	s.enc.str("text", text)
	s.enc.end()
}

// Tick appends the heartbeat: table sizes from the last snapshot, the
// snapshots since the previous tick, and the agent's CPU time so far.
func (s *Sampler) Tick(now time.Time, cpu time.Duration) {
	e := &s.enc
	e.begin(now, kTick)
	e.count("procs", int64(len(s.procs)))
	e.count("zombies", int64(s.zombies))
	e.count("sessions", int64(s.sessions))
	e.count("samples", int64(s.samples))
	e.count("cpu", int64(cpu))
	e.end()
	s.samples = 0
}

// Output returns the encoded events since the last Reset.
func (s *Sampler) Output() []byte { return s.enc.buf }

// Reset empties the output buffer (keeping its memory).
func (s *Sampler) Reset() { s.enc.buf = s.enc.buf[:0] }
