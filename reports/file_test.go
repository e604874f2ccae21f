package reports

import (
	"os"
	"path/filepath"
	"testing"
)

// A symlink planted in the out dir (at the report's name or the old fixed
// temp name) must not make the harness write through it.
func TestWriteFileDoesNotFollowSymlinks(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"report.md", "report.md.tmp", ".report-1.tmp"} {
		if err := os.Symlink(victim, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := WriteFile(dir, "markdown", Suite{Name: "s"}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Fatalf("symlink target overwritten: %q", b)
	}
	fi, err := os.Lstat(filepath.Join(dir, "report.md"))
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o644 {
		t.Fatalf("report.md: %v %v", fi, err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".report-*.tmp"))
	if len(left) != 1 { // only the planted one
		t.Errorf("temp files left: %v", left)
	}
}
