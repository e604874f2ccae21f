package reports

import (
	"bytes"
	"strings"
	"testing"
)

func TestJSONSchemaVersion(t *testing.T) {
	s := fixtureSuite()
	s.Harness = "v1.2.3 0123abcd"
	var b bytes.Buffer
	if err := (JSON{}).Write(&b, s); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"schema": 1`) || !strings.Contains(b.String(), `"harness": "v1.2.3 0123abcd"`) {
		t.Errorf("report.json lacks its schema or harness version:\n%.300s", b.String())
	}
	back, err := ReadJSON(&b)
	if err != nil {
		t.Fatal(err)
	}
	if back.Schema != SchemaVersion || back.Harness != s.Harness || len(back.Runs) != len(s.Runs) {
		t.Errorf("read back schema %d harness %q runs %d", back.Schema, back.Harness, len(back.Runs))
	}
	// A report written before the field existed has the layout of 1.
	if _, err := ReadJSON(strings.NewReader(`{"name": "old", "runs": []}`)); err != nil {
		t.Errorf("a report without a schema version: %v", err)
	}
	_, err = ReadJSON(strings.NewReader(`{"schema": 7, "harness": "v9.0.0", "name": "future"}`))
	if err == nil || !strings.Contains(err.Error(), "schema version 7 (written by xrdp-harness v9.0.0)") {
		t.Errorf("a report of another schema: %v", err)
	}
}
