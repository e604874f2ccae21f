package lint

import (
	"strings"
	"testing"

	"github.com/xrdp-harness/xrdp-harness/containers/agent/ini"
)

// sesman builds a sesman.ini from [Section] key=value lines.
func sesman(lines ...string) *ini.File { return ini.Parse([]byte(strings.Join(lines, "\n") + "\n")) }

var (
	v0917   = MustVersion("0.9.17")
	v0919   = MustVersion("0.9.19")
	v09211  = MustVersion("0.9.21.1")
	v0101   = MustVersion("0.10.1")
	xvncIni = ini.Parse([]byte("[Globals]\nport=3389\n[Xvnc]\nname=Xvnc\nlib=libvnc.so\nip=127.0.0.1\nport=-1\n"))
	xorgIni = ini.Parse([]byte("[Xorg]\nname=Xorg\nlib=libxup.so\nip=127.0.0.1\nport=-1\ncode=20\n"))
	remote  = ini.Parse([]byte("[Xvnc]\nlib=libvnc.so\nip=192.0.2.5\nport=-1\n"))
)

// ruleCases: for every rule, configs that must trigger it (want > 0) and
// near misses that must not (want 0). TestEveryRuleHasCases walks the
// catalog so a new rule cannot land untested.
var ruleCases = []struct {
	rule    string
	name    string
	cfg     Config
	version Version
	want    Severity // 0: no finding
	msg     string   // part of the message when found
}{
	{"display-port-clash", "offset+MaxSessions reaches 100", Config{Sesman: sesman("[Sessions]", "X11DisplayOffset=60", "MaxSessions=40")}, v09211, Warning, "up to 100"},
	{"display-port-clash", "near miss: 60+39 = 99", Config{Sesman: sesman("[Sessions]", "X11DisplayOffset=60", "MaxSessions=39")}, v09211, 0, ""},
	{"display-port-clash", "offset 118: every display", Config{Sesman: sesman("[Sessions]", "X11DisplayOffset=118", "MaxSessions=10")}, v09211, Error, "every display"},
	{"display-port-clash", "0.10 with MaxDisplayNumber 400", Config{Sesman: sesman("[Sessions]", "X11DisplayOffset=118", "MaxSessions=10", "MaxDisplayNumber=400")}, v0101, Error, "every display"},
	{"display-port-clash", "near miss: 0.10 caps at the default 63", Config{Sesman: sesman("[Sessions]", "X11DisplayOffset=60", "MaxSessions=40")}, v0101, 0, ""},
	{"display-port-clash", "near miss: packaged file", Config{}, v09211, 0, ""},

	{"max-display-number", "10+55 needs display 64", Config{Sesman: sesman("[Sessions]", "X11DisplayOffset=10", "MaxSessions=55")}, v0101, Error, "needs displays up to 64"},
	{"max-display-number", "near miss: 10+54 needs 63", Config{Sesman: sesman("[Sessions]", "X11DisplayOffset=10", "MaxSessions=54")}, v0101, 0, ""},
	{"max-display-number", "offset above the cap", Config{Sesman: sesman("[Sessions]", "X11DisplayOffset=118", "MaxSessions=10")}, v0101, Error, "no session can start"},
	{"max-display-number", "near miss: 0.9 has no cap", Config{Sesman: sesman("[Sessions]", "X11DisplayOffset=10", "MaxSessions=55")}, v09211, 0, ""},
	{"max-display-number", "near miss: cap raised", Config{Sesman: sesman("[Sessions]", "X11DisplayOffset=10", "MaxSessions=100", "MaxDisplayNumber=109")}, v0101, 0, ""},

	{"max-sessions", "below the users", Config{Sesman: sesman("[Sessions]", "MaxSessions=5"), Users: 10}, v09211, Error, "below the 10 users"},
	{"max-sessions", "near miss: equal to the users", Config{Sesman: sesman("[Sessions]", "MaxSessions=10"), Users: 10}, v09211, 0, ""},
	{"max-sessions", "0.9 unset refuses every login", Config{Sesman: sesman("[Sessions]", "X11DisplayOffset=10")}, v09211, Error, "refuses every login"},
	{"max-sessions", "near miss: 0.10 unset is no limit", Config{Sesman: sesman("[Sessions]", "X11DisplayOffset=10"), Users: 100}, v0101, 0, ""},
	{"max-sessions", "near miss: users unknown", Config{Sesman: sesman("[Sessions]", "MaxSessions=5")}, v09211, 0, ""},

	{"listen-address-chansrv", "0.0.0.0", Config{Sesman: sesman("[Globals]", "ListenAddress=0.0.0.0")}, v09211, Warning, "7200+D"},
	{"listen-address-chansrv", "localhost is not 127.0.0.1 to chansrv", Config{Sesman: sesman("[Globals]", "ListenAddress=localhost"), Xrdp: xvncIni}, v09211, Warning, `"localhost"`},
	{"listen-address-chansrv", "unset in a given file", Config{Sesman: sesman("[Globals]", "ListenPort=3350")}, v09211, Warning, `"0.0.0.0"`},
	{"listen-address-chansrv", "near miss: 127.0.0.1 with a comment", Config{Sesman: sesman("[Globals]", "ListenAddress=127.0.0.1 ; loopback")}, v09211, 0, ""},
	{"listen-address-chansrv", "near miss: sessions on a remote sesman", Config{Sesman: sesman("[Globals]", "ListenAddress=0.0.0.0"), Xrdp: remote}, v09211, 0, ""},
	{"listen-address-chansrv", "near miss: 0.10", Config{Sesman: sesman("[Globals]", "ListenAddress=0.0.0.0")}, v0101, 0, ""},

	{"scp-port-ignored", "TCP port on 0.10", Config{Sesman: sesman("[Globals]", "ListenPort=3350")}, v0101, Warning, "Ignoring obsolete SCP port value"},
	{"scp-port-ignored", "near miss: socket name", Config{Sesman: sesman("[Globals]", "ListenPort=sesman.socket")}, v0101, 0, ""},
	{"scp-port-ignored", "near miss: 0.9 uses it", Config{Sesman: sesman("[Globals]", "ListenPort=3350")}, v09211, 0, ""},

	{"listen-address-obsolete", "set on 0.10", Config{Sesman: sesman("[Globals]", "ListenAddress=127.0.0.1")}, v0101, Info, "ignores ListenAddress"},
	{"listen-address-obsolete", "near miss: unset", Config{Sesman: sesman("[Globals]", "ListenPort=sesman.socket")}, v0101, 0, ""},

	{"policy-ignored", "Separate on 0.9", Config{Sesman: sesman("[Sessions]", "Policy=Separate")}, v09211, Warning, "silently becomes Default"},
	{"policy-ignored", "UBC on 0.10", Config{Sesman: sesman("[Sessions]", "Policy=UBC")}, v0101, Warning, "ignores C"},
	{"policy-ignored", "near miss: ubd in any case on 0.9", Config{Sesman: sesman("[Sessions]", "Policy=ubd")}, v09211, 0, ""},
	{"policy-ignored", "near miss: Separate on 0.10", Config{Sesman: sesman("[Sessions]", "Policy=Separate")}, v0101, 0, ""},

	{"policy-reconnect-leak", "UBC on 0.9", Config{Sesman: sesman("[Sessions]", "Policy=UBC", "KillDisconnected=false")}, v09211, Error, "every connection a new session"},
	{"policy-reconnect-leak", "Separate on 0.10, Xvnc ignores KillDisconnected", Config{Sesman: sesman("[Sessions]", "Policy=Separate", "KillDisconnected=true"), Xrdp: xvncIni}, v0101, Error, "Xvnc sessions ignore"},
	{"policy-reconnect-leak", "UBI on 0.9", Config{Sesman: sesman("[Sessions]", "Policy=UBI")}, v09211, Warning, "IP address"},
	{"policy-reconnect-leak", "near miss: Default", Config{Sesman: sesman("[Sessions]", "Policy=Default")}, v09211, 0, ""},
	{"policy-reconnect-leak", "near miss: Separate on 0.9 is Default", Config{Sesman: sesman("[Sessions]", "Policy=Separate")}, v09211, 0, ""},
	{"policy-reconnect-leak", "near miss: UBC with Xorg sessions killed", Config{Sesman: sesman("[Sessions]", "Policy=UBC", "KillDisconnected=yes"), Xrdp: xorgIni}, v09211, 0, ""},

	{"kill-disconnected-xvnc", "KillDisconnected with Xvnc", Config{Sesman: sesman("[Sessions]", "KillDisconnected=true", "DisconnectedTimeLimit=60")}, v09211, Warning, "Xvnc does not"},
	{"kill-disconnected-xvnc", "near miss: Xorg only", Config{Sesman: sesman("[Sessions]", "KillDisconnected=true"), Xrdp: xorgIni}, v09211, 0, ""},
	{"kill-disconnected-xvnc", "near miss: off", Config{Sesman: sesman("[Sessions]", "KillDisconnected=false", "DisconnectedTimeLimit=0")}, v0101, 0, ""},

	{"sigchld-reaping", "0.9.17", Config{}, v0917, Error, "one child per SIGCHLD"},
	{"sigchld-reaping", "near miss: 0.9.19", Config{}, v0919, 0, ""},
	{"sigchld-reaping", "the harness's defect build", Config{}, MustVersion(DefectBuild), Error, "one child per SIGCHLD"},
	{"sigchld-reaping", "near miss: stock 0.9.21.1", Config{}, v09211, 0, ""},

	{"unread-lines", "key before any section", Config{Sesman: sesman("MaxSessions=5", "[Sessions]", "MaxSessions=50")}, v09211, Error, "line 1: outside any [section]"},
	{"unread-lines", "near miss: comments before the first section", Config{Sesman: sesman("; MaxSessions=5", "[Sessions]", "MaxSessions=50")}, v09211, 0, ""},
}

func TestRules(t *testing.T) {
	rules := map[string]Rule{}
	for _, r := range Rules() {
		rules[r.ID] = r
	}
	for _, tc := range ruleCases {
		t.Run(tc.rule+"/"+tc.name, func(t *testing.T) {
			r, ok := rules[tc.rule]
			if !ok {
				t.Fatalf("no rule %s", tc.rule)
			}
			got := r.Check(tc.cfg, tc.version)
			if tc.want == 0 {
				if len(got) > 0 {
					t.Fatalf("near miss found %+v", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("got %d findings %+v, want 1", len(got), got)
			}
			f := got[0]
			if f.Severity != tc.want || !strings.Contains(f.Message, tc.msg) {
				t.Fatalf("finding %s %q, want %s containing %q", f.Severity, f.Message, tc.want, tc.msg)
			}
			if f.Setting == "" || f.Fix == "" || len(f.Evidence) == 0 {
				t.Fatalf("finding lacks setting, fix or evidence: %+v", f)
			}
		})
	}
}

func TestEveryRuleHasCases(t *testing.T) {
	for _, r := range Rules() {
		var hit, miss bool
		for _, tc := range ruleCases {
			if tc.rule == r.ID {
				hit = hit || tc.want != 0
				miss = miss || tc.want == 0
			}
		}
		if !hit || !miss {
			t.Errorf("rule %s: want a triggering case and a near miss in ruleCases (have %v, %v)", r.ID, hit, miss)
		}
	}
}

func TestLintMergesVersions(t *testing.T) {
	c := Config{Sesman: sesman("[Globals]", "ListenAddress=127.0.0.1", "ListenPort=3350", "[Sessions]", "X11DisplayOffset=118", "MaxSessions=10", "MaxDisplayNumber=400")}
	fs := Lint(c, []Version{v0917, v09211, MustVersion("0.9.24"), v0101})
	byRule := map[string]Finding{}
	for _, f := range fs {
		byRule[f.Rule] = f
	}
	clash := byRule["display-port-clash"]
	if got := strings.Join(clash.Versions, ","); got != "0.9.17,0.9.21.1,0.9.24,0.10.1" {
		t.Fatalf("display-port-clash versions %s, want all four", got)
	}
	if clash.Scenario != "high-display" {
		t.Fatalf("display-port-clash scenario %q", clash.Scenario)
	}
	if got := strings.Join(byRule["sigchld-reaping"].Versions, ","); got != "0.9.17" {
		t.Fatalf("sigchld-reaping versions %s, want 0.9.17", got)
	}
	if got := strings.Join(byRule["scp-port-ignored"].Versions, ","); got != "0.10.1" {
		t.Fatalf("scp-port-ignored versions %s", got)
	}
	for i := 1; i < len(fs); i++ {
		if fs[i].Severity > fs[i-1].Severity {
			t.Fatalf("findings not ordered by severity: %v before %v", fs[i-1].Severity, fs[i].Severity)
		}
	}
	if Max(fs) != Error || len(AtLeast(fs, Error)) == len(fs) {
		t.Fatalf("Max/AtLeast: %v, %d of %d", Max(fs), len(AtLeast(fs, Error)), len(fs))
	}
}

func TestVersion(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{{"0.9.9", "0.9.10", -1}, {"0.9.21.1", "0.9.21", 1}, {"0.10.1", "0.9.24", 1}, {"0.9.21.1+sigchld-reap-one", "0.9.21.1", 0}, {"0.9.22.1@/x.tar.gz", "0.9.22.1", 0}} {
		if got := MustVersion(tc.a).Compare(MustVersion(tc.b)); got != tc.want {
			t.Errorf("%s vs %s = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	for _, bad := range []string{"", "latest", "1", "0.x.1"} {
		if _, err := ParseVersion(bad); err == nil {
			t.Errorf("ParseVersion(%q) accepted", bad)
		}
	}
}
