package scenarios

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xrdp-harness/xrdp-harness/containers/xrdpconf"
	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/harness/lint"
	"github.com/xrdp-harness/xrdp-harness/reports"
)

// proveDir writes an operator config directory with one sesman.ini.
func proveDir(t *testing.T, sesman string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "sesman.ini"), []byte(sesman), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func mustVersions(t *testing.T, labels ...string) []Version {
	t.Helper()
	var out []Version
	for _, l := range labels {
		v, err := ParseVersion(l, nil)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func allBuildable(Version) bool { return true }

// lintDir lints dir as lint --config does.
func lintDir(t *testing.T, dir string, users int, versions ...string) []lint.Finding {
	t.Helper()
	d, err := xrdpconf.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var vs []lint.Version
	for _, v := range versions {
		vs = append(vs, lint.MustVersion(v))
	}
	return lint.Lint(lint.Config{Sesman: d.Ini("sesman.ini"), Xrdp: d.Ini("xrdp.ini"), Users: users}, vs)
}

// The proof runs with the operator's directory as target.config (laid
// down as run --config does), and its note names the directory, its files
// and each setting the scenario puts on top with the operator's own value.
func TestProofRunsWithOperatorConfig(t *testing.T) {
	dir := proveDir(t, "[Globals]\nListenAddress=127.0.0.1\nListenPort=3350\n[Sessions]\nX11DisplayOffset=95\nMaxSessions=10\nPolicy=Default\n")
	fs := lintDir(t, dir, 0, "0.9.21.1")
	plan, err := planProofs(fs, ProveOptions{Versions: mustVersions(t, "0.9.21.1"), ConfigDir: dir}, allBuildable)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan) != 1 {
		t.Fatalf("plan %+v, want one run (display-port-clash)", plan)
	}
	pr := plan[0]
	if pr.spec.Name != "high-display" || pr.spec.Target.Config != dir || pr.on.Label != "0.9.21.1" || pr.skip != "" {
		t.Fatalf("run %s with config %q on %s (skip %q)", pr.spec.Name, pr.spec.Target.Config, pr.on.Label, pr.skip)
	}
	for _, want := range []string{"ran with --config " + dir + " (sesman.ini)", "X11DisplayOffset=118 (yours: 95, line 5)", "MaxDisplayNumber=400"} {
		if !strings.Contains(pr.note, want) {
			t.Errorf("note %q lacks %q", pr.note, want)
		}
	}
	if strings.Contains(pr.note, "MaxSessions=10 (yours") {
		t.Errorf("note %q: the operator's MaxSessions equals the scenario's", pr.note)
	}
	// The operator's directory reaches the container as WithConfigDir.
	if _, err := pr.spec.Options(); err != nil {
		t.Fatalf("options of the proof: %v", err)
	}
	// Without a directory the note says the packaged config.
	plan, err = planProofs(fs, ProveOptions{Versions: mustVersions(t, "0.9.21.1")}, allBuildable)
	if err != nil || len(plan) != 1 || plan[0].spec.Target.Config != "" || !strings.HasPrefix(plan[0].note, "ran with the version's packaged config") {
		t.Fatalf("without --config: %+v, %v", plan, err)
	}
}

func TestProofBadConfigDir(t *testing.T) {
	_, err := planProofs(nil, ProveOptions{ConfigDir: filepath.Join(t.TempDir(), "missing")}, allBuildable)
	if err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("err %v, want one naming the directory", err)
	}
}

// proofCases: for each rule with a proof, a config that triggers it, the
// scenario it must run and the build it runs on (want ""), or why it is
// not proved (a near miss that names no scenario: scenario "").
var proofCases = []struct {
	name      string
	sesman    string
	users     int
	version   string
	buildable bool
	rule      string
	scenario  string // "" : the finding has no proof
	on        string // the build the proof runs on
	skip      string // part of the skip reason, "" when it runs
}{
	{"display 118: the operator's offset, kept", "[Sessions]\nX11DisplayOffset=118\nMaxSessions=10\n", 0, "0.9.21.1", true, "display-port-clash", "high-display", "0.9.21.1", ""},
	{"display 150: the operator's offset, kept", "[Sessions]\nX11DisplayOffset=150\nMaxSessions=10\n", 0, "0.9.21.1", true, "display-port-clash", "high-display", "0.9.21.1", ""},
	{"display 95+10 reaches 100: the scenario's 118", "[Sessions]\nX11DisplayOffset=95\nMaxSessions=10\n", 0, "0.9.21.1", true, "display-port-clash", "high-display", "0.9.21.1", ""},
	{"MaxSessions 5 for 10 users", "[Sessions]\nMaxSessions=5\n", 10, "0.9.21.1", true, "max-sessions", "max-sessions-refused", "0.9.21.1", ""},
	{"0.9 MaxSessions unset: the operator's 0 refuses every login, kept", "[Sessions]\nX11DisplayOffset=10\n", 0, "0.9.21.1", true, "max-sessions", "max-sessions-refused", "0.9.21.1", ""},
	{"MaxSessions 1: the operator's value, kept", "[Sessions]\nMaxSessions=1\n", 10, "0.9.21.1", true, "max-sessions", "max-sessions-refused", "0.9.21.1", ""},
	{"MaxSessions 5 for 10 users on 0.10", "[Sessions]\nMaxSessions=5\n", 10, "0.10.1", true, "max-sessions", "max-sessions-refused", "0.10.1", ""},
	{"ListenAddress 0.0.0.0", "[Globals]\nListenAddress=0.0.0.0\n[Sessions]\nMaxSessions=50\n", 0, "0.9.24", true, "listen-address-chansrv", "chansrv-tcp", "0.9.24", ""},
	{"UBC on 0.9", "[Sessions]\nMaxSessions=50\nPolicy=UBC\n", 0, "0.9.21.1", true, "policy-reconnect-leak", "reconnect-leak", "0.9.21.1", ""},
	{"Separate on 0.10", "[Sessions]\nMaxSessions=50\nPolicy=Separate\n", 0, "0.10.1", true, "policy-reconnect-leak", "reconnect-leak", "0.10.1", ""},
	{"UBI: no proof (no reconnect from another address)", "[Sessions]\nMaxSessions=50\nPolicy=UBI\n", 0, "0.9.21.1", true, "policy-reconnect-leak", "", "", ""},
	{"0.9.17 not buildable: the defect build", "[Sessions]\nMaxSessions=50\n", 0, "0.9.17", false, "sigchld-reaping", "reconnect-storm", DefectBuild, ""},
	{"0.9.17 from a tarball: itself", "[Sessions]\nMaxSessions=50\n", 0, "0.9.17@/srv/xrdp-0.9.17.tar.gz", true, "sigchld-reaping", "reconnect-storm", "0.9.17", ""},
	{"the defect build itself", "[Sessions]\nMaxSessions=50\n", 0, DefectBuild, true, "sigchld-reaping", "reconnect-storm", DefectBuild, ""},
	{"display 118 on a version not built here", "[Sessions]\nX11DisplayOffset=118\nMaxSessions=10\n", 0, "0.9.17", false, "display-port-clash", "high-display", "0.9.17", "cannot be built here"},
}

func TestProofMapping(t *testing.T) {
	for _, tc := range proofCases {
		t.Run(tc.name, func(t *testing.T) {
			dir := proveDir(t, tc.sesman)
			d, err := xrdpconf.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			lv := lint.MustVersion(tc.version)
			fs := lint.Lint(lint.Config{Sesman: d.Ini("sesman.ini"), Users: tc.users}, []lint.Version{lv})
			fi := slices.IndexFunc(fs, func(f lint.Finding) bool { return f.Rule == tc.rule })
			if fi < 0 {
				t.Fatalf("no %s finding in %+v", tc.rule, fs)
			}
			if fs[fi].Scenario != tc.scenario {
				t.Fatalf("%s names scenario %q, want %q", tc.rule, fs[fi].Scenario, tc.scenario)
			}
			vs := mustVersions(t, tc.version)
			plan, err := planProofs(fs, ProveOptions{Versions: vs, ConfigDir: dir}, func(Version) bool { return tc.buildable })
			if err != nil {
				t.Fatal(err)
			}
			var mine []proofRun
			for _, pr := range plan {
				if pr.finding == fi {
					mine = append(mine, pr)
				}
			}
			if tc.scenario == "" {
				if len(mine) != 0 {
					t.Fatalf("a finding without a scenario planned %+v", mine)
				}
				return
			}
			if len(mine) != 1 {
				t.Fatalf("planned %d runs for %s, want 1", len(mine), tc.rule)
			}
			pr := mine[0]
			if pr.label != tc.version || pr.spec.Name != tc.scenario || pr.spec.Target.Config != dir {
				t.Fatalf("proof for %s: %s with config %q", pr.label, pr.spec.Name, pr.spec.Target.Config)
			}
			if tc.skip != "" {
				if !strings.Contains(pr.skip, tc.skip) {
					t.Fatalf("skip %q, want %q", pr.skip, tc.skip)
				}
				return
			}
			if pr.skip != "" || pr.on.Label != tc.on {
				t.Fatalf("runs on %s (skip %q), want %s", pr.on.Label, pr.skip, tc.on)
			}
			if !pr.spec.AppliesTo(pr.on.Image.Version) {
				t.Fatalf("%s does not run on %s", pr.spec.Name, pr.on.Label)
			}
			// The max-sessions proof keeps the operator's limit when it already
			// refuses one of the scenario's 3 users, else sets its own 2.
			if tc.rule == "max-sessions" {
				kept := strings.Contains(tc.name, "kept")
				if kept != (pr.spec.Target.MaxSessions == 0) || kept == strings.Contains(strings.Split(pr.note, "; yours kept")[0], "MaxSessions=2") || kept != strings.Contains(pr.note, "yours kept: sesman.ini [Sessions] MaxSessions") {
					t.Fatalf("MaxSessions %d, note %q: want the operator's kept=%v", pr.spec.Target.MaxSessions, pr.note, kept)
				}
			}
			if tc.rule == "display-port-clash" {
				kept := strings.Contains(tc.name, "kept")
				if kept != (pr.spec.Target.DisplayOffset == 0) || kept == strings.Contains(strings.Split(pr.note, "; yours kept")[0], "X11DisplayOffset=") || kept != strings.Contains(pr.note, "yours kept: sesman.ini [Sessions] X11DisplayOffset=") {
					t.Fatalf("DisplayOffset %d, note %q: want the operator's kept=%v", pr.spec.Target.DisplayOffset, pr.note, kept)
				}
			}
			if !tc.buildable && !strings.Contains(pr.note, "proved on "+tc.on) {
				t.Fatalf("note %q does not say the stand-in", pr.note)
			}
			if _, _, err := pr.spec.Plan(pr.on.Image.Version); err != nil {
				t.Fatalf("plan %s on %s: %v", pr.spec.Name, pr.on.Label, err)
			}
		})
	}
}

// Every scenario and stand-in the lint catalog names exists, and every
// rule with a proof has a case above.
func TestLintCatalogProofs(t *testing.T) {
	for _, r := range lint.Rules() {
		if r.Scenario != "" {
			if _, err := Builtin(r.Scenario); err != nil {
				t.Errorf("rule %s: %v", r.ID, err)
			}
		}
		if r.StandIn != "" {
			v, err := ParseVersion(r.StandIn, nil)
			if err != nil || v.Image.Source == nil {
				t.Errorf("rule %s: stand-in %s is not a build the harness makes: %+v %v", r.ID, r.StandIn, v, err)
			}
		}
	}
	for _, rule := range []string{"display-port-clash", "max-sessions", "listen-address-chansrv", "policy-reconnect-leak", "sigchld-reaping"} {
		if !slices.ContainsFunc(proofCases, func(c struct {
			name      string
			sesman    string
			users     int
			version   string
			buildable bool
			rule      string
			scenario  string
			on        string
			skip      string
		}) bool {
			return c.rule == rule && c.scenario != ""
		}) {
			t.Errorf("rule %s: no proof case", rule)
		}
	}
}

// Every proof scenario has a signature naming checkers of the catalog, and
// judgeProof confirms a trap only by it.
func TestProofSignatures(t *testing.T) {
	for _, r := range lint.Rules() {
		if r.Scenario == "" {
			continue
		}
		if _, ok := proofSignatures[r.Scenario]; !ok {
			t.Errorf("rule %s: scenario %s has no signature", r.ID, r.Scenario)
		}
	}
	if _, ok := proofSignatures["reconnect-leak"]; !ok {
		t.Error("reconnect-leak (policy-reconnect-leak's per-finding scenario) has no signature")
	}
	for name, sig := range proofSignatures {
		for _, c := range sig.Checkers {
			if !knownChecker(c) {
				t.Errorf("%s: signature checker %q is not in the catalog", name, c)
			}
		}
	}
	run := func(vs ...harness.Verdict) []reports.Run {
		return []reports.Run{{Scenario: "max-sessions-refused", Version: "0.9.21.1", Verdicts: vs}}
	}
	limit := harness.Verdict{Checker: "sesman-errors", Valid: harness.Invalid, Summary: "1 sesman failure (session-limit ×1) on xrdp 0.9.21.1"}
	xfail := harness.Verdict{Checker: "sesman-errors", Valid: harness.Invalid, Summary: "3 sesman failures (x-timeout ×3)"}
	lat := harness.Verdict{Checker: "login-latency", Valid: harness.Invalid, Summary: "no successful login, 3/3 failed (100.0%): error rate above 0.0%"}
	ok := harness.Verdict{Checker: "zombies", Valid: harness.Valid}
	for _, tc := range []struct {
		name string
		runs []reports.Run
		want bool
		msg  string
	}{
		{"the trap's checker", run(limit, lat, ok), true, "invalid: sesman-errors"},
		{"invalid, but by something else", run(xfail, lat, ok), false, `not by the trap (want sesman-errors saying "session-limit")`},
		{"valid", run(ok), false, "the trap did not show"},
	} {
		got, msg := judgeProof("max-sessions-refused", tc.runs)
		if got != tc.want || !strings.Contains(msg, tc.msg) {
			t.Errorf("%s: %v %q, want %v containing %q", tc.name, got, msg, tc.want, tc.msg)
		}
	}
}
