package sampler

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"syscall"
	"time"
)

// procSuperMagic is PROC_SUPER_MAGIC from <linux/magic.h>.
const procSuperMagic = 0x9fa0

// clkTck is USER_HZ, the unit of /proc/PID/stat starttime. It is 100 on
// every Linux architecture the harness runs on; sysconf is not reachable
// without cgo.
const clkTck = 100

// procfs reads a /proc tree. root is normally "/proc"; tests point it at a
// synthetic tree of plain files.
type procfs struct {
	root    string
	real    bool // root is a procfs: per-process fds may be held open
	dirfd   int
	loadfd  int // root/loadavg held open, or -1
	dirbuf  []byte
	readbuf []byte
	btime   time.Time // boot time, for process start times
}

func openProcfs(root string) (*procfs, error) {
	fd, err := syscall.Open(root, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("sampler: open %s: %w", root, err)
	}
	var st syscall.Statfs_t
	real := syscall.Fstatfs(fd, &st) == nil && st.Type == procSuperMagic
	p := &procfs{root: root, real: real, dirfd: fd, loadfd: -1, dirbuf: make([]byte, 32<<10), readbuf: make([]byte, 4096)}
	if lfd, err := syscall.Open(root+"/loadavg", syscall.O_RDONLY|syscall.O_CLOEXEC, 0); err == nil {
		p.loadfd = lfd
	}
	btime, err := p.bootTime()
	if err != nil {
		p.close()
		return nil, err
	}
	p.btime = btime
	if real {
		// btime is whole seconds; now minus uptime (10 ms resolution) puts
		// start times within ~10 ms instead of within a second.
		if b, err := readFile(root+"/uptime", p.readbuf); err == nil {
			if up, ok := parseUptime(b); ok {
				p.btime = time.Now().Add(-up).Round(time.Millisecond)
			}
		}
	}
	return p, nil
}

// parseUptime reads the first number of /proc/uptime ("1941.37 2193.56").
func parseUptime(b []byte) (time.Duration, bool) {
	f, _, _ := bytes.Cut(bytes.TrimSpace(b), []byte(" "))
	secs, err := strconv.ParseFloat(string(f), 64)
	if err != nil || secs <= 0 {
		return 0, false
	}
	return time.Duration(secs * float64(time.Second)), true
}

func (p *procfs) close() {
	syscall.Close(p.dirfd)
	if p.loadfd >= 0 {
		syscall.Close(p.loadfd)
	}
}

// lastPID reads the last pid the kernel handed out in this pid namespace
// (the last field of /proc/loadavg): when it has not moved, no process was
// created since the last look.
func (p *procfs) lastPID() (int, bool) {
	if p.loadfd < 0 {
		return 0, false
	}
	n, err := readFull(p.loadfd, p.readbuf[:128], true)
	if err != nil || n == 0 {
		return 0, false
	}
	b := bytes.TrimSpace(p.readbuf[:n])
	return atoi(b[bytes.LastIndexByte(b, ' ')+1:])
}

func (p *procfs) bootTime() (time.Time, error) {
	b, err := readFile(p.root+"/stat", p.readbuf)
	if err != nil {
		return time.Time{}, fmt.Errorf("sampler: read boot time: %w", err)
	}
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if v, ok := bytes.CutPrefix(line, []byte("btime ")); ok {
			n, err := strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64)
			if err != nil {
				return time.Time{}, fmt.Errorf("sampler: bad btime line %q in %s/stat", line, p.root)
			}
			return time.Unix(n, 0), nil
		}
	}
	return time.Time{}, fmt.Errorf("sampler: no btime line in %s/stat (/proc/stat is larger than %d bytes?)", p.root, len(p.readbuf))
}

// listPIDs appends the numeric entries of root to pids, in the order the
// directory lists them (ascending for a real /proc; tests sort).
func (p *procfs) listPIDs(pids []int) ([]int, error) {
	if _, err := syscall.Seek(p.dirfd, 0, 0); err != nil {
		return pids, fmt.Errorf("sampler: rewind %s: %w", p.root, err)
	}
	for {
		n, err := syscall.Getdents(p.dirfd, p.dirbuf)
		if err != nil {
			return pids, fmt.Errorf("sampler: list %s: %w", p.root, err)
		}
		if n <= 0 {
			return pids, nil
		}
		pids = parseDirents(p.dirbuf[:n], pids, 1)
	}
}

// parseDirents walks linux_dirent64 records (u64 ino, s64 off, u16
// reclen, u8 type, name NUL-terminated) and keeps names that are numbers of at least min.
func parseDirents(b []byte, pids []int, min int) []int {
	for len(b) >= 19 {
		reclen := int(b[16]) | int(b[17])<<8
		if reclen < 19 || reclen > len(b) {
			break
		}
		name := b[19:reclen]
		pid, ok := 0, len(name) > 0 && name[0] != 0
		for _, c := range name {
			if c == 0 {
				break
			}
			if c < '0' || c > '9' {
				ok = false
				break
			}
			pid = pid*10 + int(c-'0')
		}
		if ok && pid >= min {
			pids = append(pids, pid)
		}
		b = b[reclen:]
	}
	return pids
}

// stat is what the sampler needs from /proc/PID/stat.
type stat struct {
	comm  []byte // aliases the read buffer
	state byte
	ppid  int
	start uint64 // starttime in clock ticks since boot
}

var errGone = errors.New("process gone")

// parseStat parses "pid (comm) S ppid ... starttime ...". comm may hold
// spaces and parentheses, so fields are counted from the last ')'.
func parseStat(b []byte) (stat, error) {
	open := bytes.IndexByte(b, '(')
	end := bytes.LastIndexByte(b, ')')
	if open < 0 || end < open || end+4 > len(b) {
		return stat{}, fmt.Errorf("sampler: malformed stat %q", truncate(b, 64))
	}
	s := stat{comm: b[open+1 : end], state: b[end+2]}
	rest := b[end+4:] // after ") S "
	// Fields after state: ppid is #1, starttime #19.
	field := 1
	for field <= 19 {
		i := 0
		for i < len(rest) && rest[i] != ' ' && rest[i] != '\n' {
			i++
		}
		if i == 0 {
			return stat{}, fmt.Errorf("sampler: stat has %d fields after state, want 19+", field-1)
		}
		switch field {
		case 1:
			v, ok := atoi(rest[:i])
			if !ok {
				return stat{}, fmt.Errorf("sampler: bad ppid %q in stat", rest[:i])
			}
			s.ppid = v
		case 19:
			v, ok := atoi(rest[:i])
			if !ok {
				return stat{}, fmt.Errorf("sampler: bad starttime %q in stat", rest[:i])
			}
			s.start = uint64(v)
		}
		field++
		if i >= len(rest) {
			if field <= 19 {
				return stat{}, fmt.Errorf("sampler: stat has %d fields after state, want 19+", field-1)
			}
			break
		}
		rest = rest[i+1:]
	}
	return s, nil
}

func atoi(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// born converts a starttime in ticks to wall-clock time.
func (p *procfs) born(start uint64) time.Time {
	return p.btime.Add(time.Duration(start) * (time.Second / clkTck))
}

// readFile reads a small file into buf (no allocation) with open/read/close.
func readFile(path string, buf []byte) ([]byte, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	n, err := readFull(fd, buf, false)
	return buf[:n], err
}

// readFull fills buf from fd (from offset 0 with pread when pread is set).
// procfs files come out in one read as long as buf is large enough.
func readFull(fd int, buf []byte, pread bool) (int, error) {
	total := 0
	for total < len(buf) {
		var n int
		var err error
		if pread {
			n, err = syscall.Pread(fd, buf[total:], int64(total))
		} else {
			n, err = syscall.Read(fd, buf[total:])
		}
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return total, err
		}
		total += n
		// A short read is the end: procfs generates the whole file per
		// read, so asking again to see 0 would cost a second generation.
		if n == 0 || total < len(buf) {
			break
		}
	}
	return total, nil
}

// argsMax bounds ProcEvent.Args: enough to see "Xvnc :12 -auth ..." and
// a script's path, small enough to keep lines short.
const argsMax = 200

// readArgs reads /proc/PID/cmdline, NULs turned into spaces, cut at
// argsMax bytes on a UTF-8 boundary. Zombies and kernel threads have none.
func (p *procfs) readArgs(dir string) string {
	buf := p.readbuf[:argsMax+4]
	b, err := readFile(dir+"/cmdline", buf)
	if err != nil || len(b) == 0 {
		return ""
	}
	b = bytes.TrimRight(b, "\x00")
	if len(b) > argsMax {
		b = b[:argsMax]
		for len(b) > 0 && b[len(b)-1]&0xc0 == 0x80 { // inside a UTF-8 sequence
			b = b[:len(b)-1]
		}
		if len(b) > 0 && b[len(b)-1] >= 0xc0 { // a dangling lead byte
			b = b[:len(b)-1]
		}
	}
	out := make([]byte, len(b))
	for i, c := range b {
		if c == 0 {
			c = ' '
		}
		out[i] = c
	}
	return string(out)
}
