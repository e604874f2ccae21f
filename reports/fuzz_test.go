package reports

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadJSON: any file given to `judge` is read or refused, never a panic,
// and what is read can be written again in every format.
func FuzzReadJSON(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	var buf bytes.Buffer
	if err := (JSON{}).Write(&buf, Suite{Name: "s", Runs: []Run{{Scenario: "x", Version: "0.9.21.1"}}}); err == nil {
		f.Add(buf.Bytes())
	}
	f.Add([]byte(`{"schema": 99}`))
	f.Add([]byte(`{"runs": [{"verdicts": [{"valid": "maybe"}]}]}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ReadJSON(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, fm := range Formats() {
			w, _ := WriterFor(fm)
			_ = w.Write(&bytes.Buffer{}, s)
		}
	})
}
