package scenarios

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestTargetConfig(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "prod")
	if err := os.Mkdir(conf, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(conf, "sesman.ini"), []byte("[Sessions]\nMaxSessions=12\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "s.yaml")
	yaml := "name: s\ntarget:\n  config: prod\nload:\n  - {kind: burst, n: 1}\n"
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if s.Target.Config != conf {
		t.Fatalf("target.config %q, want it relative to the scenario file: %q", s.Target.Config, conf)
	}
	if _, _, err := s.Plan("0.9.21.1"); err != nil {
		t.Fatalf("plan: %v", err)
	}
	s.Target.Config = filepath.Join(dir, "missing")
	if _, _, err := s.Plan("0.9.21.1"); err == nil || !strings.Contains(err.Error(), "target.config") || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("plan with a missing config dir: %v", err)
	}
}

func TestLintConfigs(t *testing.T) {
	conf := t.TempDir()
	if err := os.WriteFile(filepath.Join(conf, "sesman.ini"), []byte("[Globals]\nListenAddress=127.0.0.1\n[Sessions]\nMaxSessions=5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	a := Spec{Name: "a", Target: TargetSpec{Config: conf, Users: 8}}
	b := Spec{Name: "b", Target: TargetSpec{Config: conf}, Versions: []string{"0.10."}}
	plain := Spec{Name: "plain"}
	v1, _ := ParseVersion("0.9.21.1", nil)
	v2, _ := ParseVersion("0.10.1", nil)
	got, err := LintConfigs([]Spec{a, b, plain}, []Version{v1, v2})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || strings.Join(got[0].Scenarios, ",") != "a,b" || strings.Join(got[0].Versions, ",") != "0.9.21.1,0.10.1" {
		t.Fatalf("configs %+v", got)
	}
	var rules []string
	for _, f := range got[0].Findings {
		rules = append(rules, f.Rule+"@"+strings.Join(f.Versions, ","))
	}
	// b names no users: 10 by default, the most of the dir's scenarios.
	if !slices.Contains(rules, "max-sessions@0.9.21.1,0.10.1") {
		t.Fatalf("findings %v, want max-sessions on both versions", rules)
	}
}
