package scenarios

import (
	"os"
	"path/filepath"
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
