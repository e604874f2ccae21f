package reports

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden with the current output")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run go test -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		gotPath := path + ".got"
		_ = os.WriteFile(gotPath, got, 0o644)
		t.Errorf("%s differs from the golden file; output written to %s (diff them, then run go test -update if the change is intended)", name, gotPath)
	}
}

func render(t *testing.T, w Writer, s Suite) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := w.Write(&b, s); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
