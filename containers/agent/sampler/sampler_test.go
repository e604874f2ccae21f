package sampler

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xrdp-harness/xrdp-harness/containers/agent"
	"github.com/xrdp-harness/xrdp-harness/harness"
)

// fakeProc is a writable copy of testdata/proc.
type fakeProc struct {
	t    *testing.T
	root string
}

func newFakeProc(t *testing.T) *fakeProc {
	t.Helper()
	root := filepath.Join(t.TempDir(), "proc")
	if err := os.CopyFS(root, os.DirFS("testdata/proc")); err != nil {
		t.Fatal(err)
	}
	// CopyFS copies the fd symlinks as symlinks (Go 1.25+, fs.ReadLinkFS).
	return &fakeProc{t: t, root: root}
}

func (f *fakeProc) write(rel, content string) {
	f.t.Helper()
	p := filepath.Join(f.root, rel)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

// stat writes /proc/PID/stat with the fields the sampler reads.
func (f *fakeProc) stat(pid int, comm string, state byte, ppid int, start uint64) {
	f.write(fmt.Sprintf("%d/stat", pid), fmt.Sprintf(
		"%d (%s) %c %d %d %d 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 %d 10000000 500 18446744073709551615 1 1 0\n",
		pid, comm, state, ppid, pid, pid, start))
}

func (f *fakeProc) remove(rel string) {
	f.t.Helper()
	if err := os.RemoveAll(filepath.Join(f.root, rel)); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fakeProc) symlink(target, rel string) {
	f.t.Helper()
	p := filepath.Join(f.root, rel)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.Symlink(target, p); err != nil {
		f.t.Fatal(err)
	}
}

// sample takes one snapshot and decodes its events with agent.Decode, so
// these tests also hold the wire format to what the harness decodes.
func sample(t *testing.T, s *Sampler, now time.Time) []agent.Event {
	t.Helper()
	if err := s.Sample(now); err != nil {
		t.Fatalf("Sample: %v", err)
	}
	return decodeAll(t, s)
}

func decodeAll(t *testing.T, s *Sampler) []agent.Event {
	t.Helper()
	var evs []agent.Event
	for _, line := range bytes.SplitAfter(s.Output(), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		ev, err := agent.Decode(line)
		if err != nil {
			t.Fatalf("Decode(%s): %v", line, err)
		}
		evs = append(evs, ev)
	}
	s.Reset()
	return evs
}

// procEvents renders process events compactly for comparison.
func procEvents(evs []agent.Event) []string {
	var out []string
	for _, ev := range evs {
		if p := ev.Proc; p != nil {
			switch p.Kind {
			case harness.Listen, harness.Unlisten:
				out = append(out, fmt.Sprintf("%s %s:%d pid=%d %s", p.Kind, p.Addr, p.Port, p.PID, p.Comm))
			default:
				out = append(out, fmt.Sprintf("%s %d ppid=%d %s %s [%s]", p.Kind, p.PID, p.PPID, p.Comm, p.State, p.Args))
			}
		}
	}
	return out
}

func expectEvents(t *testing.T, got []agent.Event, want ...string) {
	t.Helper()
	g := procEvents(got)
	if strings.Join(g, "\n") != strings.Join(want, "\n") {
		t.Fatalf("events:\n  %s\nwant:\n  %s", strings.Join(g, "\n  "), strings.Join(want, "\n  "))
	}
}

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func TestFirstSnapshotReportsEverything(t *testing.T) {
	f := newFakeProc(t)
	s, err := New(Options{Root: f.root})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.SocketSource() != "procfs" {
		t.Fatalf("socket source for a synthetic tree = %q, want procfs", s.SocketSource())
	}
	evs := sample(t, s, t0)
	expectEvents(t, evs,
		"start 1 ppid=0 tini S [tini -- sleep infinity]",
		"start 7 ppid=1 sleep S [sleep infinity]",
		"start 249 ppid=1 xrdp-sesman S [xrdp-sesman]",
		"start 250 ppid=1 xrdp S [xrdp]",
		"start 277 ppid=249 xrdp-sesman S [xrdp-sesman]",
		"start 278 ppid=277 sleep S [sleep infinity]",
		"start 279 ppid=277 Xvnc S [Xvnc :10 -auth .Xauthority -geometry 1024x768 -rfbauth /home/u1/.vnc/sesman_passwd-u1@host:10 -localhost]",
		"start 300 ppid=249 weird) name (x R [a b c]",
		// listeners come in socket inode order
		"listen 0.0.0.0:3350 pid=249 xrdp-sesman",
		"listen 0.0.0.0:3389 pid=250 xrdp",
		"listen 127.0.0.1:5910 pid=279 Xvnc",
		"listen ::1:5910 pid=279 Xvnc",
	)
	for _, ev := range evs {
		if ev.Proc != nil && !ev.Proc.Time.Equal(t0) {
			t.Fatalf("event time %v, want the snapshot time %v", ev.Proc.Time, t0)
		}
		if ev.Proc != nil && ev.Proc.PID == 279 && ev.Proc.Kind == harness.ProcStart {
			// btime 1700000000 + 1002 ticks of 10ms
			if want := time.Unix(1700000000, 0).Add(10020 * time.Millisecond); !ev.Proc.Born.Equal(want) {
				t.Fatalf("born = %v, want %v", ev.Proc.Born, want)
			}
		}
	}

	s.Tick(t0, 5*time.Millisecond)
	tick := decodeAll(t, s)
	if len(tick) != 1 || tick[0].Tick == nil {
		t.Fatalf("Tick wrote %+v", tick)
	}
	want := harness.Tick{Time: t0, Procs: 8, Zombies: 0, Sessions: 1, Samples: 1, CPU: 5 * time.Millisecond}
	if *tick[0].Tick != want {
		t.Fatalf("tick = %+v, want %+v", *tick[0].Tick, want)
	}

	// Nothing changed: nothing to say.
	expectEvents(t, sample(t, s, t0.Add(100*time.Millisecond)))
}

func TestChanges(t *testing.T) {
	f := newFakeProc(t)
	s, err := New(Options{Root: f.root})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := t0
	step := func() []agent.Event { now = now.Add(100 * time.Millisecond); return sample(t, s, now) }
	sample(t, s, now)

	t.Run("zombie", func(t *testing.T) {
		// reconnectwm.sh exited and sesman did not reap it.
		f.stat(300, "reconnectwm.sh", 'Z', 249, 1500)
		f.write("300/cmdline", "")
		expectEvents(t, step(),
			"exec 300 ppid=249 reconnectwm.sh  []",
			"state 300 ppid=249 reconnectwm.sh Z []",
		)
		s.Tick(now, 0)
		if tk := decodeAll(t, s)[0].Tick; tk.Zombies != 1 {
			t.Fatalf("tick zombies = %d, want 1", tk.Zombies)
		}
	})

	t.Run("running and sleeping flips are not reported, stopping is", func(t *testing.T) {
		f.stat(249, "xrdp-sesman", 'R', 1, 200)
		f.stat(250, "xrdp", 'D', 1, 201)
		expectEvents(t, step())
		f.stat(249, "xrdp-sesman", 'T', 1, 200) // SIGSTOP
		expectEvents(t, step(), "state 249 ppid=1 xrdp-sesman T []")
		f.stat(249, "xrdp-sesman", 'S', 1, 200) // SIGCONT
		expectEvents(t, step(), "state 249 ppid=1 xrdp-sesman S []")
	})

	t.Run("exit and reparent", func(t *testing.T) {
		// The session's sesman child dies: its children go to init.
		f.remove("277")
		f.stat(278, "sleep", 'S', 1, 1001)
		f.stat(279, "Xvnc", 'S', 1, 1002)
		expectEvents(t, step(),
			"exit 277 ppid=249 xrdp-sesman  []",
			"reparent 278 ppid=1 sleep  []",
			"reparent 279 ppid=1 Xvnc  []",
		)
	})

	t.Run("a listener appears and goes", func(t *testing.T) {
		// A squatter takes 6018, the port of display 118.
		f.stat(400, "xrdp-harness-ag", 'S', 1, 3000)
		f.write("400/cmdline", "xrdp-harness-agent\x00listen\x00:6018\x00")
		f.symlink("socket:[6018]", "400/fd/3")
		tcp, _ := os.ReadFile(filepath.Join(f.root, "net/tcp"))
		f.write("net/tcp", string(tcp)+"   4: 00000000:1782 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 6018 1 0000000000000000 100 0 0 10 0\n")
		expectEvents(t, step(),
			"start 400 ppid=1 xrdp-harness-ag S [xrdp-harness-agent listen :6018]",
			"listen 0.0.0.0:6018 pid=400 xrdp-harness-ag",
		)
		f.write("net/tcp", string(tcp))
		expectEvents(t, step(), "unlisten 0.0.0.0:6018 pid=400 xrdp-harness-ag")
	})

	t.Run("pid reuse is an exit and a start", func(t *testing.T) {
		f.stat(7, "bash", 'S', 1, 5000)
		f.write("7/cmdline", "bash\x00")
		expectEvents(t, step(),
			"exit 7 ppid=1 sleep  []",
			"start 7 ppid=1 bash S [bash]",
		)
	})

	t.Run("a process caught mid-exec gets its args once its cmdline exists", func(t *testing.T) {
		// comm already says Xvnc, cmdline is still empty (the new program's
		// memory is not set up yet): without a re-read, ":D" is never seen.
		f.stat(600, "Xvnc", 'R', 249, 6000)
		f.write("600/cmdline", "")
		expectEvents(t, step(), "start 600 ppid=249 Xvnc R []")
		expectEvents(t, step())
		f.write("600/cmdline", "Xvnc\x00:12\x00-localhost\x00")
		expectEvents(t, step(), "exec 600 ppid=249 Xvnc  [Xvnc :12 -localhost]")
		expectEvents(t, step())
	})

	t.Run("a process that vanishes between listing and reading is skipped", func(t *testing.T) {
		f.write("500/cmdline", "ghost\x00") // no stat file: gone before we read it
		expectEvents(t, step())
	})
}

func TestAllStates(t *testing.T) {
	f := newFakeProc(t)
	s, err := New(Options{Root: f.root, AllStates: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sample(t, s, t0)
	f.stat(249, "xrdp-sesman", 'R', 1, 200)
	expectEvents(t, sample(t, s, t0.Add(time.Second)), "state 249 ppid=1 xrdp-sesman R []")
}

func TestBadProcTree(t *testing.T) {
	if _, err := New(Options{Root: filepath.Join(t.TempDir(), "nope")}); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("New on a missing root: err = %v, want it to name the path", err)
	}
	f := newFakeProc(t)
	f.write("stat", "cpu 1 2\n")
	if _, err := New(Options{Root: f.root}); err == nil || !strings.Contains(err.Error(), "btime") {
		t.Fatalf("New without btime: err = %v", err)
	}
}

func TestParseStat(t *testing.T) {
	tests := []struct {
		in      string
		want    stat
		wantErr string
	}{
		{in: "42 (a b) S 7 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 12345 0 0\n", want: stat{comm: []byte("a b"), state: 'S', ppid: 7, start: 12345}},
		{in: "42 ((x)) Z 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9", want: stat{comm: []byte("(x)"), state: 'Z', ppid: 1, start: 9}},
		{in: "42 (x) S 7 42", wantErr: "fields after state"},
		{in: "42 x S 7", wantErr: "malformed"},
		{in: "42 (x) S -1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9", wantErr: "bad ppid"},
	}
	for _, tt := range tests {
		got, err := parseStat([]byte(tt.in))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseStat(%q) err = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || string(got.comm) != string(tt.want.comm) || got.state != tt.want.state || got.ppid != tt.want.ppid || got.start != tt.want.start {
			t.Errorf("parseStat(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func FuzzParseStat(f *testing.F) {
	f.Add([]byte("42 (a b) S 7 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 12345 0 0\n"))
	f.Add([]byte("1 () R 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0"))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := parseStat(b)
		if err == nil && !bytes.Contains(b, st.comm) {
			t.Fatalf("comm %q not from the input", st.comm)
		}
	})
}

func FuzzParseProcNet(f *testing.F) {
	tcp, _ := os.ReadFile("testdata/proc/net/tcp")
	tcp6, _ := os.ReadFile("testdata/proc/net/tcp6")
	f.Add(tcp, false)
	f.Add(tcp6, true)
	f.Fuzz(func(t *testing.T, b []byte, v6 bool) {
		ls, err := parseProcNet(b, v6, nil)
		if err == nil {
			for _, l := range ls {
				_ = l.addrString()
			}
		}
	})
}
