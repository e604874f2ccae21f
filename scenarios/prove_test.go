package scenarios

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xrdp-harness/xrdp-harness/containers/xrdpconf"
	"github.com/xrdp-harness/xrdp-harness/harness/lint"
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
