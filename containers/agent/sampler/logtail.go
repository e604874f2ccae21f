package sampler

import (
	"bytes"
	"fmt"
	"syscall"
	"time"
)

// maxLine bounds a log line held while waiting for its newline.
const maxLine = 64 << 10

// tail follows one log file like tail -F: it starts at the end (or at the
// start with fromStart, and always at the start of a file that appears or
// replaces the old one later), survives truncation and rotation, and
// reports each complete line.
type tail struct {
	src, path string
	fromStart bool

	fd       int
	off      int64
	ino, dev uint64
	opened   bool // the first open attempt was made
	partial  []byte
	buf      []byte
	lastErr  string
}

func newTail(src, path string, fromStart bool) *tail {
	return &tail{src: src, path: path, fromStart: fromStart, fd: -1, buf: make([]byte, 32<<10)}
}

func (t *tail) close() {
	if t.fd >= 0 {
		syscall.Close(t.fd)
		t.fd = -1
	}
}

// poll reads what was appended since the last poll and emits its lines.
func (t *tail) poll(now time.Time, s *Sampler) {
	if t.fd < 0 && !t.open(now, s) {
		return
	}
	t.drain(now, s)

	var st syscall.Stat_t
	if err := syscall.Fstat(t.fd, &st); err == nil && st.Size < t.off {
		// Truncated in place (copytruncate): what is there now is new.
		t.flush(now, s)
		t.off = 0
		t.drain(now, s)
	}
	err := syscall.Stat(t.path, &st)
	if err == nil && st.Ino == t.ino && st.Dev == t.dev {
		return
	}
	// Rotated or removed: finish the old file, then follow the new one
	// from its start.
	t.drain(now, s)
	t.flush(now, s)
	t.close()
	if err == nil && t.open(now, s) {
		t.drain(now, s)
	}
}

func (t *tail) open(now time.Time, s *Sampler) bool {
	first := !t.opened
	t.opened = true
	fd, err := syscall.Open(t.path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		if err != syscall.ENOENT {
			t.warnOnce(now, s, fmt.Sprintf("open log %s: %v", t.path, err))
		}
		return false
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		syscall.Close(fd)
		t.warnOnce(now, s, fmt.Sprintf("stat log %s: %v", t.path, err))
		return false
	}
	t.fd, t.ino, t.dev, t.off, t.lastErr = fd, st.Ino, st.Dev, 0, ""
	if first && !t.fromStart {
		t.off = st.Size
	}
	return true
}

func (t *tail) drain(now time.Time, s *Sampler) {
	for {
		n, err := syscall.Pread(t.fd, t.buf, t.off)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			t.warnOnce(now, s, fmt.Sprintf("read log %s: %v", t.path, err))
			return
		}
		if n <= 0 {
			return
		}
		t.off += int64(n)
		b := t.buf[:n]
		for len(b) > 0 {
			i := bytes.IndexByte(b, '\n')
			if i < 0 {
				t.partial = append(t.partial, b...)
				if len(t.partial) >= maxLine {
					t.flush(now, s)
				}
				break
			}
			line := b[:i]
			if len(t.partial) > 0 {
				t.partial = append(t.partial, line...)
				line = t.partial
			}
			s.logLine(now, t.src, bytes.TrimSuffix(line, []byte("\r")))
			t.partial = t.partial[:0]
			b = b[i+1:]
		}
	}
}

// flush reports a held partial line (before rotation or when too long).
func (t *tail) flush(now time.Time, s *Sampler) {
	if len(t.partial) > 0 {
		s.logLine(now, t.src, bytes.TrimSuffix(t.partial, []byte("\r")))
		t.partial = t.partial[:0]
	}
}

func (t *tail) warnOnce(now time.Time, s *Sampler, msg string) {
	if msg != t.lastErr {
		t.lastErr = msg
		s.warn(now, msg)
	}
}

func (s *Sampler) logLine(now time.Time, src string, text []byte) {
	e := &s.enc
	e.begin(now, kLog)
	e.str("src", src)
	e.key("text")
	quote(e, text) // an empty line is still a line
	e.end()
}
