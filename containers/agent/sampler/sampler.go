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
	mfd       int    // /proc/PID/statm held open (real procfs), or -1
	mhash     uint64 // hash of the last statm read; 0 = none yet
	dir       string // root/PID
	statPath  string // root/PID/stat, for trees where fds are not held
	// argsRetries counts samples left in which to re-read an empty
	// cmdline: a process caught mid-exec shows its new comm before its new
	// cmdline exists, so Xvnc would otherwise stay without ":D".
	argsRetries uint8
	// young counts the samples left in which stat is read every time
	// whatever the zombie signal says: a new process usually execs right
	// after its fork (sesman's child becoming reconnectwm.sh), and its
	// comm and args should not wait for the once-a-second read.
	young uint16
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
	// Interval paces the /proc/net fallback and the default FullEvery;
	// 0 = 100ms.
	Interval time.Duration
	// FullEvery reads every process's stat file at least every N samples;
	// in between, stat is read only for processes that may have become
	// zombies (see statDue). 1 reads stat every sample; 0 means once a
	// second's worth of samples (given Interval).
	FullEvery int
	// CgroupProcs is the cgroup.procs file whose absence of a pid marks a
	// zombie candidate: "" finds the one this process is in (real /proc
	// only), "none" does without (statm changes are the signal then).
	CgroupProcs string
}

// Sampler takes snapshots of a /proc tree and encodes what changed.
type Sampler struct {
	fs           *procfs
	sockets      socketSource
	socketsEvery int
	fullEvery    int
	allStates    bool

	procs, next []proc // sorted by pid; next is the reused spare
	pids        []int
	statbuf     []byte
	died        []int // pids that exited or became zombies in this sample

	cgPath  string // cgroup.procs, or "" when statm is the signal
	live    []int  // pids cgroup.procs listed in this sample, sorted
	liveOK  bool   // live was read in this sample
	listed  bool   // /proc was listed in this sample
	lastPID int    // last pid handed out, from /proc/loadavg
	cgBuf   []byte
	cgErr   string

	lis, nextLis []listener
	lisOwner     map[uint64]int
	sockErr      string

	res *resourceFiles // nil: not a real /proc, no cgroup to read

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
	s.fullEvery = opts.FullEvery
	if s.fullEvery <= 0 {
		s.fullEvery = max(1, int(time.Second/interval))
	}
	if fs.real {
		s.res = findResourceFiles("/sys/fs/cgroup", root)
	}
	switch opts.CgroupProcs {
	case "none":
	case "":
		if fs.real && s.fullEvery > 1 {
			s.cgPath = findCgroupProcs(root)
		}
	default:
		s.cgPath = opts.CgroupProcs
	}
	return s, nil
}

// Close releases the held file descriptors.
func (s *Sampler) Close() {
	for i := range s.procs {
		s.procs[i].closeFDs()
	}
	s.procs = nil
	s.sockets.close()
	s.fs.close()
}

// SocketSource says where listening sockets come from: "netlink" or
// "procfs".
func (s *Sampler) SocketSource() string { return s.sockets.name() }

// ZombieSignal says how zombie candidates are found between full reads:
// "cgroup" (cgroup.procs), "statm" (statm changes) or "stat" (every stat
// file every sample).
func (s *Sampler) ZombieSignal() string {
	switch {
	case s.fullEvery == 1:
		return "stat"
	case s.cgPath != "":
		return "cgroup"
	}
	return "statm"
}

// Sample takes one snapshot at now and appends the change events to the output
// buffer. The first snapshot reports everything present.
func (s *Sampler) Sample(now time.Time) error {
	var err error
	// cgroup.procs before /proc: a process that exits in between is
	// live here and caught in the next sample, never the reverse.
	s.liveOK = false
	if s.cgPath != "" {
		s.live, err = readPIDList(s.cgPath, &s.cgBuf, s.live[:0])
		if err != nil {
			if msg := fmt.Sprintf("read %s: %v (zombie candidates from statm meanwhile)", s.cgPath, err); msg != s.cgErr {
				s.cgErr = msg
				s.warn(now, msg)
			}
		} else {
			s.liveOK, s.cgErr = true, ""
		}
	}
	// With the cgroup's list of live processes, /proc itself is listed
	// only when the last pid handed out changed (a fork, even of a child
	// that died and became a zombie before this sample) and at the
	// full-read rate; otherwise new processes are in cgroup.procs, and
	// gone ones fail their stat read.
	lastPID, lastOK := s.fs.lastPID()
	s.listed = !s.liveOK || !lastOK || lastPID != s.lastPID || s.nsample%s.fullEvery == 0
	s.lastPID = lastPID
	if s.listed {
		s.pids, err = s.fs.listPIDs(s.pids[:0])
		if err != nil {
			return err
		}
		slices.Sort(s.pids)
	} else {
		s.pids = s.liveAndKnown(s.pids[:0])
	}
	s.next = s.next[:0]
	s.died = s.died[:0]
	i := 0
	for _, pid := range s.pids {
		for i < len(s.procs) && s.procs[i].pid < pid {
			s.exit(now, &s.procs[i])
			i++
		}
		if i < len(s.procs) && s.procs[i].pid == pid {
			p := s.procs[i]
			i++
			if s.refresh(now, &p, false) {
				s.next = append(s.next, p)
				continue
			}
			s.exit(now, &p) // gone, or the pid was reused
		}
		if p, ok := s.discover(now, pid); ok {
			s.next = append(s.next, p)
		}
	}
	for ; i < len(s.procs); i++ {
		s.exit(now, &s.procs[i])
	}
	s.procs, s.next = s.next, s.procs
	s.reparentOrphans(now)
	s.count()

	if s.nsample%s.socketsEvery == 0 {
		s.sampleSockets(now)
	}
	s.samples++
	s.nsample++
	return nil
}

// liveAndKnown is the sorted union of the cgroup's live pids and the known
// pids outside it (zombies, processes of other cgroups): the pids to look
// at in a sample that does not list /proc.
func (s *Sampler) liveAndKnown(dst []int) []int {
	i, j := 0, 0
	for i < len(s.live) || j < len(s.procs) {
		switch {
		case j == len(s.procs) || (i < len(s.live) && s.live[i] < s.procs[j].pid):
			dst = append(dst, s.live[i])
			i++
		case i == len(s.live) || s.procs[j].pid < s.live[i]:
			dst = append(dst, s.procs[j].pid)
			j++
		default:
			dst = append(dst, s.live[i])
			i++
			j++
		}
	}
	return dst
}

// reparentOrphans re-reads the children of processes that exited or
// became zombies in this sample: their parent changed, and their statm
// did not, so they would otherwise wait for their next full read.
func (s *Sampler) reparentOrphans(now time.Time) {
	if len(s.died) == 0 || s.fullEvery == 1 {
		return
	}
	for i := 0; i < len(s.procs); i++ {
		if !slices.Contains(s.died, s.procs[i].ppid) {
			continue
		}
		if !s.refresh(now, &s.procs[i], true) {
			s.exit(now, &s.procs[i])
			s.procs = slices.Delete(s.procs, i, i+1)
			i--
		}
	}
}

// count updates the tick's counters from the table.
func (s *Sampler) count() {
	s.zombies, s.sessions = 0, 0
	for i := range s.procs {
		switch p := &s.procs[i]; {
		case p.state == 'Z':
			s.zombies++
		case p.state != 'X' && p.state != 'x' && p.comm == "Xvnc":
			s.sessions++
		}
	}
}

func (p *proc) closeFDs() {
	if p.fd >= 0 {
		syscall.Close(p.fd)
		p.fd = -1
	}
	if p.mfd >= 0 {
		syscall.Close(p.mfd)
		p.mfd = -1
	}
}

// statDue says whether p's stat file must be read in this sample: on its
// turn for a full read (staggered by pid so the full reads spread over
// the samples), in its first second (when it is likely to exec), while
// its args are still being looked for, and when it
// may have become a zombie: it is missing from cgroup.procs (see
// cgroup.go), or, without a cgroup, its statm changed. statm (7 numbers
// about memory) costs about half as much to read as stat and changes when
// a process exits (its memory goes: zeros) or execs. Between full reads a
// stop (T) or an exec without exit is seen only at the process's next
// full read. gone reports a process that no longer exists.
func (s *Sampler) statDue(p *proc) (due, gone bool) {
	if p.young > 0 {
		p.young--
		return true, false
	}
	if s.fullEvery == 1 || p.argsRetries > 0 || (s.nsample+p.pid)%s.fullEvery == 0 {
		return true, false
	}
	if s.liveOK {
		// Not in the cgroup: a new zombie, or (when /proc was not listed)
		// maybe reaped already, which only its stat read can tell.
		_, alive := slices.BinarySearch(s.live, p.pid)
		return !alive && (p.state != 'Z' || !s.listed), false
	}
	h, ok, gone := s.readStatmHash(p)
	if gone {
		return false, true
	}
	changed := ok && h != p.mhash
	p.mhash = h
	return !ok || changed, false
}

// readStatmHash hashes /proc/PID/statm (FNV-1a); ok is false when it could
// not be read for a reason other than the process being gone.
func (s *Sampler) readStatmHash(p *proc) (h uint64, ok, gone bool) {
	var n int
	var err error
	buf := s.statbuf[:128]
	if p.mfd >= 0 {
		n, err = readFull(p.mfd, buf, true)
	} else {
		var b []byte
		b, err = readFile(p.dir+"/statm", buf)
		n = len(b)
	}
	if err != nil {
		if errors.Is(err, syscall.ESRCH) {
			return 0, false, true
		}
		return 0, false, false
	}
	h = 14695981039346656037
	for _, c := range buf[:n] {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h, true, false
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
// is gone or its pid now belongs to another process. Unless force is set,
// stat is only read when statDue says so.
func (s *Sampler) refresh(now time.Time, p *proc, force bool) bool {
	if !force {
		due, gone := s.statDue(p)
		if gone {
			return false
		}
		if !due {
			return true
		}
	}
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
		if st.state == 'Z' {
			s.died = append(s.died, p.pid) // its children were just reparented
		}
		p.state = st.state
		if report {
			s.procEvent(now, kState, p, "", time.Time{})
		}
	}
	return true
}

// discover reads a process seen for the first time.
func (s *Sampler) discover(now time.Time, pid int) (proc, bool) {
	p := proc{pid: pid, fd: -1, mfd: -1, dir: s.fs.root + "/" + strconv.Itoa(pid)}
	p.statPath = p.dir + "/stat"
	if s.fs.real {
		fd, err := syscall.Open(p.statPath, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err == nil {
			p.fd = fd
		} // else EMFILE or gone: fall back to path reads, or drop below
		if s.fullEvery > 1 && s.cgPath == "" {
			if fd, err := syscall.Open(p.dir+"/statm", syscall.O_RDONLY|syscall.O_CLOEXEC, 0); err == nil {
				p.mfd = fd
			}
		}
	}
	if s.fullEvery > 1 && s.cgPath == "" {
		p.mhash, _, _ = s.readStatmHash(&p)
	}
	st, err := s.readStat(&p)
	if err != nil {
		p.closeFDs()
		if err != errGone {
			s.warn(now, fmt.Sprintf("read %s/stat: %v", p.dir, err))
		}
		return proc{}, false
	}
	p.ppid, p.state, p.start, p.comm = st.ppid, st.state, st.start, string(st.comm)
	if s.nsample > 0 && s.fullEvery > 1 { // not for what the first snapshot finds
		p.young = uint16(min(s.fullEvery, 1<<16-1))
	}
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
	p.closeFDs()
	s.died = append(s.died, p.pid)
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
	if s.res != nil {
		r := s.res.read()
		e.int("cgCPU", r.CPUNanos)
		e.int("memWS", r.Memory)
		e.int("pids", r.Pids)
		e.int("netRx", r.NetRx)
		e.int("netTx", r.NetTx)
		if r.Periods > 0 {
			e.int("cgPeriods", r.Periods)
			e.int("cgThrottled", r.Throttled)
		}
	}
	e.end()
	s.samples = 0
}

// Output returns the encoded events since the last Reset.
func (s *Sampler) Output() []byte { return s.enc.buf }

// Reset empties the output buffer (keeping its memory).
func (s *Sampler) Reset() { s.enc.buf = s.enc.buf[:0] }
