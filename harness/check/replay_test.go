package check

import (
	"slices"
	"testing"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

func pids(ps []Proc) []int {
	out := make([]int, len(ps))
	for i, p := range ps {
		out[i] = p.PID
	}
	return out
}

func TestReplayerSessions(t *testing.T) {
	b := newBuilder().lab(0).session(1, 100, 10).session(2, 200, 11)
	b.proc(3, 300, 10, "reconnectwm.sh", "/bin/sh /etc/xrdp/reconnectwm.sh").zombie(4, 300)
	b.endSession(5, 100, 10)
	p := NewReplayer(b.record(), "t1")

	tab := p.At(at(2.5))
	m, ok := tab.MainSesman()
	if !ok || m.PID != 10 {
		t.Fatalf("main sesman = %v %v, want 10", m.PID, ok)
	}
	if got := pids(tab.SessionChildren()); !slices.Equal(got, []int{100, 200}) {
		t.Errorf("session children = %v, want [100 200]", got)
	}
	if d, ok := tab.SessionDisplay(200); !ok || d != 11 {
		t.Errorf("display of 200 = %d %v, want 11", d, ok)
	}
	if c, ok := tab.Chansrv(100); !ok || c.PID != 102 {
		t.Errorf("chansrv of 100 = %d %v, want 102", c.PID, ok)
	}
	if w, ok := tab.WindowManager(100); !ok || w.PID != 103 {
		t.Errorf("window manager of 100 = %d %v, want 103", w.PID, ok)
	}
	if x, ok := tab.Xvnc(11); !ok || x.PID != 201 || x.VNCPort != 5911 {
		t.Errorf("Xvnc :11 = %+v %v, want pid 201 port 5911", x, ok)
	}
	if tab.XvncCount() != 2 || tab.SessionCount() != 2 {
		t.Errorf("xvnc %d sessions %d, want 2 and 2", tab.XvncCount(), tab.SessionCount())
	}
	if got := tab.Listeners(5910); len(got) != 1 || got[0].PID != 101 {
		t.Errorf("listeners of 5910 = %+v", got)
	}

	tab = p.At(at(4.5))
	z := tab.Zombies()
	if len(z) != 1 || z[0].PID != 300 || !z[0].ZombieSince.Equal(at(4)) || tab.ZombieCount() != 1 {
		t.Fatalf("zombies = %+v, want reconnectwm.sh since 4s", z)
	}
	if z[0].Age != 500*time.Millisecond || z[0].Parent.PID != 10 || !z[0].ParentMain {
		t.Errorf("zombie age %v parent %d main %v, want 0.5s under the main sesman", z[0].Age, z[0].Parent.PID, z[0].ParentMain)
	}
	if z := p.At(at(4.9)).Zombies(); len(z) != 1 || z[0].Age != 900*time.Millisecond {
		t.Errorf("at 4.9s: zombies %+v, want one aged 0.9s", z)
	}
	// A reconnect script forked by the main sesman is not a session.
	if tab.SessionCount() != 2 {
		t.Errorf("sessions = %d, want 2", tab.SessionCount())
	}

	tab = p.At(at(6))
	if got := pids(tab.SessionChildren()); !slices.Equal(got, []int{200}) {
		t.Errorf("after end: session children = %v, want [200]", got)
	}
	if _, ok := tab.Xvnc(10); ok || tab.XvncCount() != 1 || len(tab.Listeners(5910)) != 0 {
		t.Errorf("after end: display 10 still served")
	}

	// Going back in time replays from the start.
	tab = p.At(at(1.5))
	if tab.XvncCount() != 1 || tab.ZombieCount() != 0 {
		t.Errorf("rewound: xvnc %d zombies %d, want 1 and 0", tab.XvncCount(), tab.ZombieCount())
	}
}

func TestReplayerRestartedSesman(t *testing.T) {
	// The main sesman dies, its session is orphaned to tini, a new daemon
	// starts: the new one is main, the orphan still counts as a session.
	b := newBuilder().lab(0).session(1, 100, 10)
	b.unlisten(5, 3350).exit(5, 10).reparent(5, 100, 1)
	b.proc(6, 30, 1, "xrdp-sesman", "xrdp-sesman").listen(6, 3350, 30)
	p := NewReplayer(b.record(), "t1")

	tab := p.At(at(5.5))
	if m, ok := tab.MainSesman(); ok && m.PID == 100 {
		t.Errorf("orphaned session taken for the main sesman")
	}
	tab = p.At(at(7))
	m, ok := tab.MainSesman()
	if !ok || m.PID != 30 {
		t.Fatalf("main = %d %v, want 30", m.PID, ok)
	}
	if n := len(tab.SessionChildren()); n != 0 {
		t.Errorf("new sesman has %d session children, want 0", n)
	}
	if tab.SessionCount() != 1 {
		t.Errorf("sessions = %d, want the orphan", tab.SessionCount())
	}
}

func TestReplayerExec(t *testing.T) {
	// sesman's session child forks its X server and window manager; both
	// are xrdp-sesman until they exec, the window manager only once the X
	// server answers.
	b := newBuilder().lab(0).proc(1, 100, 10, "xrdp-sesman", "xrdp-sesman").
		proc(1, 101, 100, "xrdp-sesman", "xrdp-sesman").proc(1, 103, 100, "xrdp-sesman", "xrdp-sesman")
	b.ev(harness.ProcEvent{Time: at(2), Kind: harness.ProcExec, PID: 101, Comm: "Xvnc", Args: "Xvnc :10 -nolisten tcp"})
	b.ev(harness.ProcEvent{Time: at(3), Kind: harness.ProcExec, PID: 103, Comm: "sleep", Args: "sleep infinity"})
	b.proc(4, 50, 1, "xrdp-sesman", "xrdp-sesman") // an orphan seen late
	p := NewReplayer(b.record(), "t1")
	for _, tc := range []struct {
		s              float64
		sessions, xvnc int
		children       []int
	}{{1.5, 1, 0, []int{100}}, {2.5, 1, 1, []int{100}}, {3.5, 1, 1, []int{100}}, {4.5, 2, 1, []int{100}}} {
		tab := p.At(at(tc.s))
		if tab.SessionCount() != tc.sessions || tab.XvncCount() != tc.xvnc || !slices.Equal(pids(tab.SessionChildren()), tc.children) {
			t.Errorf("at %vs: sessions %d xvnc %d children %v, want %d %d %v", tc.s, tab.SessionCount(), tab.XvncCount(),
				pids(tab.SessionChildren()), tc.sessions, tc.xvnc, tc.children)
		}
	}
	tab := p.At(at(3.5))
	if w, ok := tab.WindowManager(100); !ok || w.Comm != "sleep" {
		t.Errorf("window manager = %+v %v", w, ok)
	}
	if d, ok := tab.SessionDisplay(100); !ok || d != 10 {
		t.Errorf("display = %d %v", d, ok)
	}
}

func TestReplayerDisplayFromSesmanLog(t *testing.T) {
	// The sampler read an empty cmdline for pid 201 and 202; sesman logged
	// 201's command line under its pid, nothing for 202.
	b := newBuilder().lab(0).proc(1, 200, 10, "xrdp-sesman", "xrdp-sesman").
		proc(1, 201, 200, "Xvnc", "").proc(1, 202, 200, "Xvnc", "")
	b.log(1.1, harness.LogSesman, "[20261125-03:20:01] [INFO ] [pid:201 tid:7] Starting X server on display 12: "+
		"Xvnc :12 -auth .Xauthority -rfbport 6012 -nolisten tcp")
	b.log(1.1, harness.LogSesman, "[20261125-03:20:01] [INFO ] Starting X server on display 13: Xvnc :13")
	tab := NewReplayer(b.record(), "t1").At(at(2))
	if x, ok := tab.Xvnc(12); !ok || x.PID != 201 || x.VNCPort != 6012 {
		t.Errorf("Xvnc :12 = %+v %v, want pid 201 on 6012", x, ok)
	}
	x, _ := tab.Proc(202)
	if !x.IsXvnc() || x.Display != -1 || tab.XvncCount() != 2 {
		t.Errorf("pid 202 = %+v (xvnc count %d), want an X server of unknown display", x, tab.XvncCount())
	}
}

func TestReplayerMainWithoutSocketPids(t *testing.T) {
	// Without socket owners, the candidate without X children is main.
	b := newBuilder()
	b.proc(0, 100, 1, "xrdp-sesman", "xrdp-sesman").
		proc(0, 101, 100, "Xvnc", "Xvnc :10").
		proc(0, 30, 1, "xrdp-sesman", "xrdp-sesman")
	tab := NewReplayer(b.record(), "t1").At(at(1))
	if m, ok := tab.MainSesman(); !ok || m.PID != 30 {
		t.Errorf("main = %d %v, want 30", m.PID, ok)
	}
}

func TestReplayerEdgeCases(t *testing.T) {
	b := newBuilder()
	// Out of order, another target interleaved, unknown pids.
	b.proc(2, 5, 1, "sleep", "sleep 1").proc(1, 4, 1, "Xtigervnc", "/usr/bin/Xtigervnc :118 -rfbport 6018")
	b.on("t2").proc(1.5, 4, 1, "bash", "bash")
	b.on("t1").exit(3, 77).zombie(3, 78).ev(harness.ProcEvent{Time: at(3), Kind: harness.Unlisten, Port: 1})
	p := NewReplayer(b.record(), "t1")
	var order []int
	for ch := range p.Changes() {
		order = append(order, ch.Event.PID)
	}
	if !slices.Equal(order, []int{4, 5, 77, 78, 0}) {
		t.Errorf("replay order %v, want time order of t1 only", order)
	}
	if p.Anomalies() != 3 {
		t.Errorf("anomalies = %d, want 3", p.Anomalies())
	}
	x, ok := p.Table().Xvnc(118)
	if !ok || x.VNCPort != 6018 || x.Comm != "Xtigervnc" {
		t.Errorf("Xtigervnc :118 = %+v %v", x, ok)
	}
	// A reused pid replaces the old process.
	b2 := newBuilder().proc(0, 5, 1, "sleep", "sleep").zombie(1, 5).proc(2, 5, 1, "bash", "bash")
	p2 := NewReplayer(b2.record(), "t1")
	var last Change
	for ch := range p2.Changes() {
		last = ch
	}
	if last.Prev.Comm != "sleep" || p2.Table().ZombieCount() != 0 {
		t.Errorf("reused pid: prev %q zombies %d", last.Prev.Comm, p2.Table().ZombieCount())
	}
	if NewReplayer(nil, "x").Table().Len() != 0 {
		t.Errorf("nil record: non-empty table")
	}
}

func TestParseXvnc(t *testing.T) {
	for _, tc := range []struct {
		comm, args string
		d, port    int
		ok         bool
	}{
		{"Xvnc", "Xvnc :10 -geometry 1024x768", 10, 5910, true},
		{"Xvnc", "/usr/bin/Xvnc :118 -rfbport 6018 -localhost", 118, 6018, true},
		{"", "Xvnc :12", 12, 5912, true},
		{"Xtigervnc", "/usr/bin/Xtigervnc :3", 3, 5903, true},
		{"Xvnc", "Xvnc -version", -1, 0, true},
		{"Xvnc", "", -1, 0, true}, // cmdline read empty right after exec
		{"Xorg", "Xorg :10", -1, 0, false},
		{"sh", "sh -c Xvnc :10", -1, 0, false},
	} {
		d, port, ok := parseXvnc(tc.comm, tc.args)
		if d != tc.d || port != tc.port || ok != tc.ok {
			t.Errorf("parseXvnc(%q, %q) = %d %d %v, want %d %d %v", tc.comm, tc.args, d, port, ok, tc.d, tc.port, tc.ok)
		}
	}
}

func TestCoverage(t *testing.T) {
	b := newBuilder().ticks(0, 10).ticks(15, 20).end(21)
	c := NewCoverage(b.record(), "t1", 0)
	for _, tc := range []struct {
		s    float64
		want bool
	}{{0, true}, {5, true}, {10, true}, {12, false}, {15, true}, {20.5, true}, {-1, false}} {
		if got := c.Watched(at(tc.s)); got != tc.want {
			t.Errorf("Watched(%v) = %v, want %v", tc.s, got, tc.want)
		}
	}
	if !c.WatchedIn(at(11), at(16)) || c.WatchedIn(at(11), at(14)) {
		t.Errorf("WatchedIn wrong around the gap")
	}
	if !c.WatchedAll(at(1), at(9)) || c.WatchedAll(at(9), at(16)) {
		t.Errorf("WatchedAll wrong around the gap")
	}
	if bl := c.Blind(); len(bl) != 1 || !bl[0].From.Equal(at(10)) || !bl[0].To.Equal(at(15)) {
		t.Errorf("blind = %+v, want 10s..15s", bl)
	}
	if len(c.LongBlind(5e9)) != 0 || len(c.LongBlind(4e9)) != 1 {
		t.Errorf("LongBlind threshold wrong")
	}
	// A sampler that stops long before the end leaves a blind tail.
	c = NewCoverage(newBuilder().ticks(0, 10).end(30).record(), "t1", 0)
	if c.Watched(at(20)) || len(c.Blind()) != 1 {
		t.Errorf("tail: watched at 20s or blind %v", c.Blind())
	}
	if NewCoverage(newBuilder().record(), "t1", 0).HasTicks() {
		t.Errorf("no ticks reported as ticks")
	}
}

// TestSessionProcessFromRecord: the per-session process name comes from the
// Record's TargetInfo (containers.Features). A lone xrdp-sesexec is a
// session (never the main sesman) on 0.10 and in older Records; on a 0.9
// target, where sesman forks itself, that name is no sesman at all.
func TestSessionProcessFromRecord(t *testing.T) {
	for _, tc := range []struct {
		session   string
		isSesman  bool
		mainIsPID int
	}{{"", true, 10}, {"xrdp-sesexec", true, 10}, {"xrdp-sesman", false, 10}} {
		b := newBuilder()
		b.info().SessionProcess = tc.session
		b.lab(0).proc(0.5, 20, 1, "xrdp-sesexec", "/usr/lib/xrdp/xrdp-sesexec").ticks(0, 1)
		tab := NewReplayer(b.record(), "t1").At(at(1))
		p, ok := tab.Proc(20)
		if !ok || p.IsSesman() != tc.isSesman {
			t.Errorf("session %q: pid 20 found %v, sesman %v; want %v", tc.session, ok, p.IsSesman(), tc.isSesman)
		}
		if m, ok := tab.MainSesman(); !ok || m.PID != tc.mainIsPID {
			t.Errorf("session %q: main sesman %+v", tc.session, m)
		}
	}
}
