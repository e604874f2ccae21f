package reports

import (
	"bytes"
	"os"
	"testing"
)

// testdata/report-v1.json was written by schema version 1 (the fixture
// suite, events left out) and is never regenerated: every later version
// must read it, or raise SchemaVersion so the error names the version that
// wrote it.
func TestReadsSchemaV1(t *testing.T) {
	const path = "testdata/report-v1.json"
	if *update {
		s := fixtureSuite()
		s.Harness = "v0.0.0 (schema 1 fixture)"
		var b bytes.Buffer
		if err := (JSON{OmitEvents: true}).Write(&b, s); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(path); err != nil { // written once, never rewritten
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	s, err := ReadJSON(fh)
	if SchemaVersion != 1 {
		if err == nil {
			t.Fatalf("schema is %d now, yet a version 1 report reads without an error naming its version", SchemaVersion)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if s.Schema != 1 || len(s.Runs) != len(fixtureSuite().Runs) || len(s.Comparisons) != 1 {
		t.Errorf("read schema %d, %d runs, %d comparisons", s.Schema, len(s.Runs), len(s.Comparisons))
	}
	for _, f := range Formats() {
		w, err := WriterFor(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(&bytes.Buffer{}, s); err != nil {
			t.Errorf("%s of a version 1 report: %v", f, err)
		}
	}
}
