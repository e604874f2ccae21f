package scenarios

import (
	"strings"
	"testing"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

func TestBuiltinsParseAndPlan(t *testing.T) {
	names := BuiltinNames()
	if len(names) < len(DefaultOrder) {
		t.Fatalf("built-ins %v lack defaults %v", names, DefaultOrder)
	}
	for _, n := range names {
		s, err := Builtin(n)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if s.Name != n {
			t.Errorf("%s.yaml is named %q", n, s.Name)
		}
		if s.Description == "" {
			t.Errorf("%s: no description", n)
		}
		plan, checkers, err := s.Plan("0.9.21.1")
		if err != nil {
			t.Fatalf("%s: plan: %v", n, err)
		}
		if len(plan.Load) == 0 || len(checkers) == 0 {
			t.Errorf("%s: plan has %d loads and %d checkers", n, len(plan.Load), len(checkers))
		}
		if errs := plan.Validate(); len(errs) > 0 {
			t.Errorf("%s: plan invalid: %v", n, errs)
		}
	}
}

func TestParseRejectsBadInput(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string // every one must appear in the error
	}{
		{"empty file", "", []string{"empty"}},
		{"typo in a field name", "name: x\nload:\n  - kind: burst\n    n: 1\n    hodl: 1s\n",
			[]string{"line 5", "hodl"}},
		{"bad duration", "name: x\nload:\n  - kind: burst\n    n: 1\n    hold: 5 seconds\n",
			[]string{"line 5", "duration", "1.5s"}},
		{"every problem at once", "name: Bad Name\ntarget:\n  users: 3\nload:\n  - kind: reconnect-storm\n    cycles: 0\n    users: 5\n  - kind: warp\nfaults:\n  - kind: meteor\nchecks:\n  maxErrorRate: 2\n  skip: [vibes]\n",
			[]string{"name \"Bad Name\"", "load[0].cycles 0", "load[0].users 5: the target has only 3", "load[1].kind \"warp\"",
				"faults[0].kind \"meteor\"", "freeze-sesman", "maxErrorRate 2", "skip[0] \"vibes\""}},
		{"no load", "name: x\n", []string{"load: empty"}},
		{"bad fault params", "name: x\nload:\n  - kind: burst\n    n: 1\nfaults:\n  - kind: latency\n    params: {delay: soon, color: red}\n  - kind: kill-xvnc\n    params: {display: \"-3\"}\n",
			[]string{`unknown param "color"`, "faults[1]: fault kill-xvnc: param display=\"-3\""}},
		{"two documents", "name: x\nload:\n  - kind: burst\n    n: 1\n---\nname: y\n", []string{"more than one YAML document"}},
		{"sequence steps are checked", "name: x\nload:\n  - kind: sequence\n    steps:\n      - kind: burst\n",
			[]string{"load[0].steps[0].n 0"}},
		{"bad ini override", "name: x\ntarget:\n  ini: [\"sesman.ini:MaxSessions\"]\nload:\n  - kind: burst\n    n: 1\n",
			[]string{"target.ini[0]", "file:section.key=value"}},
		// The agent's own rules (containers/agent/ini) refuse these inside
		// the container; the host must refuse them first.
		{"ini key like a comment", "name: x\ntarget:\n  ini: [\"sesman.ini:Sessions.#x=1\", \"sesman.ini:Sessions.;y=1\", \"sesman.ini:Sessions. =1\"]\nload:\n  - kind: burst\n    n: 1\n",
			[]string{"target.ini[0]", "target.ini[1]", "target.ini[2]", "starts like a comment"}},
		{"NaN rate", "name: x\nload:\n  - {kind: constant, rate: .nan, duration: 1s}\n", []string{"load[0]: rate NaN", "(0, 1000]"}},
		{"unbounded constant", "name: x\nload:\n  - {kind: constant, rate: 1000, duration: 2000h}\n",
			[]string{"load[0].duration 2000h0m0s: want 0..24h", "at most 100000"}},
		{"huge cycles", "name: x\nload:\n  - {kind: reconnect-storm, cycles: 1e12}\n", []string{"load[0].cycles 1000000000000: want 1..100000"}},
		{"NaN and infinite thresholds", "name: x\nload:\n  - {kind: burst, n: 1}\nchecks:\n  maxErrorRate: .nan\n  maxP99: -1s\n",
			[]string{"checks.maxErrorRate NaN", "checks.maxP99 -1s"}},
		{"bad target", "name: x\ntarget:\n  policy: Everyone\n  maxSessions: 99999\n  reconnectScript: {runTime: 2h}\n  resources: {cpus: .inf, memoryMB: 10, pids: -1}\n  capabilities: [ALL, SYS_ADMIN]\nload:\n  - {kind: burst, n: 1, bpp: 7}\n",
			[]string{"target.policy: policy \"Everyone\"", "target.maxSessions 99999", "target.reconnectScript", "target.resources.cpus: +Inf",
				"target.resources.memoryMB: 10: want at least 64", "target.resources.pids: -1", "target.capabilities[0]: capability \"ALL\"",
				"target.capabilities[1]", "load[0].bpp 7"}},
		{"bad desktop and knee", "name: x\ntarget:\n  desktop: gnome\n  command: startx\nload:\n  - {kind: capacity, step: 1, every: 1s, max: 2, threshold: 1s}\n",
			[]string{"target.desktop: desktop \"gnome\": unknown; one of minimal, xfce4, command",
				"load[0].threshold: a knee on response times needs responses; set target.workload"}},
		{"knee level cap below every", "name: x\ntarget:\n  workload: {think: 1s}\nload:\n  - {kind: capacity, step: 1, every: 30s, maxEvery: 10s, max: 2, threshold: 1s}\n",
			[]string{"load[0].maxEvery 10s: want every (30s) ≤ maxEvery ≤ 1h"}},
		{"negative level cycles", "name: x\ntarget:\n  workload: {think: 1s}\nload:\n  - {kind: capacity, step: 1, every: 30s, levelCycles: -2, max: 2, threshold: 1s}\n",
			[]string{"load[0].levelCycles -2: want 0..100"}},
		{"negative level total", "name: x\ntarget:\n  workload: {think: 1s}\nload:\n  - {kind: capacity, step: 1, every: 30s, minLevelCycles: -1, max: 2, threshold: 1s}\n",
			[]string{"load[0].minLevelCycles -1: want 0..10000"}},
		{"command desktop without a command", "name: x\ntarget:\n  desktop: command\n  workload: {think: -1s}\nload:\n  - {kind: burst, n: 1}\n",
			[]string{"target.desktop: desktop command \"\"", "target.workload.think: workload think time -1s"}},
		{"bad versions", "name: x\nversions: [\"\", \"zero\"]\nload:\n  - {kind: burst, n: 1}\n", []string{"versions[0] \"\"", "versions[1] \"zero\""}},
		{"NaN fault param", "name: x\nload:\n  - {kind: burst, n: 1}\nfaults:\n  - {kind: sigchld-loss, params: {probability: NaN}}\n",
			[]string{"probability=\"NaN\""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse(tc.name+".yaml", strings.NewReader(tc.yaml))
			if tc.want == nil {
				// Accepted by the parser; the plan must reject it.
				if err != nil {
					t.Fatalf("parse: %v", err)
				}
				if _, _, err := s.Plan("0.9.21.1"); err == nil || !strings.Contains(err.Error(), "file:section.key=value") {
					t.Fatalf("plan error %v, want the ini syntax named", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestDurationsAndDefaults(t *testing.T) {
	s, err := Parse("x.yaml", strings.NewReader("name: x\nload:\n  - kind: reconnect-storm\n    cycles: 2\n    hold: 1.5s\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Load[0].Hold.D() != 1500*time.Millisecond {
		t.Fatalf("hold %v", s.Load[0].Hold.D())
	}
	if got := s.ExpectedOps(); got != 2*defaultUsers*2 {
		t.Fatalf("expected ops %d", got)
	}
	plan, _, err := s.Plan("0.9.21.1")
	if err != nil {
		t.Fatal(err)
	}
	if plan.Settle != 5*time.Second {
		t.Fatalf("settle %v", plan.Settle)
	}
}

func TestAppliesTo(t *testing.T) {
	s := Spec{Versions: []string{"0.9.", "0.10.1"}}
	for v, want := range map[string]bool{"0.9.21.1": true, "0.9.24": true, "0.10.1": true, "0.10.6.1": false} {
		if s.AppliesTo(v) != want {
			t.Errorf("AppliesTo(%s) = %v", v, !want)
		}
	}
}

func TestParseVersion(t *testing.T) {
	v, err := ParseVersion("0.9.21.1@/x/xrdp_0.9.21.1.orig.tar.gz", []string{"p/sigchld-reap-one.patch"})
	if err != nil {
		t.Fatal(err)
	}
	if v.Label != "0.9.21.1+sigchld-reap-one" || v.Image.Source == nil || len(v.Image.Source.Patches) != 1 {
		t.Fatalf("got %+v", v)
	}
	if _, err := ParseVersion("0.9.21.1", []string{"x.patch"}); err == nil {
		t.Fatal("patch on a Debian package accepted")
	}
}

// The default suite asks each question once: the storm on every version
// (FROM and each TO), recovery and capacity on the upgrade target only.
func TestDefaultPlacement(t *testing.T) {
	versions := []string{DefectBuild, "0.9.21.1", "0.9.24", "0.10.1"}
	got := DefaultPlacement(versions, "0.9.24")
	if len(got) != len(DefaultSuite) {
		t.Fatalf("placement %v does not cover the default suite %v", got, DefaultOrder)
	}
	if on := got["reconnect-storm"]; len(on) != len(versions) {
		t.Errorf("reconnect-storm runs on %v, want every version", on)
	}
	for _, n := range []string{"sesman-freeze", "capacity"} {
		if on := got[n]; len(on) != 1 || on[0] != "0.9.24" {
			t.Errorf("%s runs on %v, want the upgrade target only", n, on)
		}
	}
	for _, d := range DefaultSuite {
		if _, err := Builtin(d.Scenario); err != nil {
			t.Errorf("default %s: %v", d.Scenario, err)
		}
		if d.Proves == "" {
			t.Errorf("default %s says nothing about what it proves", d.Scenario)
		}
	}
}

func TestCapacityLevelsWaitForWhatTheKneeJudges(t *testing.T) {
	for _, tc := range []struct {
		name, target, load string
		want               harness.ResponseSource
		maxEvery           time.Duration
	}{
		{"a workload: its cycles", "target:\n  workload: {think: 1s}\n", "probeEvery: 5s, maxEvery: 3m, levelCycles: 2, minLevelCycles: 6", harness.ServerSide, 3 * time.Minute},
		{"no workload, probes: the keystrokes", "", "probeEvery: 5s", harness.ClientSide, 4 * 20 * time.Second},
		{"nothing timed: every alone", "", "", "", 4 * 20 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			load := "{kind: capacity, step: 1, every: 20s, max: 2"
			if tc.load != "" {
				load += ", " + tc.load
			}
			s, err := Parse("x.yaml", strings.NewReader("name: x\n"+tc.target+"load:\n  - "+load+"}\n"))
			if err != nil {
				t.Fatal(err)
			}
			cp := s.capacityLoad()
			if cp == nil {
				t.Fatal("no capacity executor")
			}
			if end := cp.LevelEnd(); end.Source != tc.want || end.Min != 20*time.Second || end.Max != tc.maxEvery ||
				(tc.want == harness.ServerSide) != (end.PerSession == 2 && end.Total == 6) {
				t.Fatalf("level end %+v; want source %q, min 20s, max %v", end, tc.want, tc.maxEvery)
			}
		})
	}
}
