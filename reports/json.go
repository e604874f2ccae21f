package reports

import (
	"encoding/json"
	"fmt"
	"io"
)

// SchemaVersion is the version of report.json's layout: raised when a
// field changes meaning or goes away (adding a field keeps it).
// docs/schema/report.schema.json describes it.
const SchemaVersion = 1

// JSON writes the whole Suite, Records included, as indented JSON that
// ReadJSON reads back (so reports can be rendered again later, and verdicts
// recomputed from the Records).
type JSON struct {
	// OmitEvents leaves out the Records' raw events (ops, process events,
	// ticks, log lines), which are most of a report's size; targets, fault
	// windows, notes, verdicts, metrics and Run.Events counts stay. Zero:
	// everything is written.
	OmitEvents bool
	// Compact writes one line without indentation. Zero: indented.
	Compact bool
}

// Write encodes s.
func (j JSON) Write(w io.Writer, s Suite) error {
	s = s.sorted()
	s.Schema = SchemaVersion
	if j.OmitEvents {
		for i := range s.Runs {
			if rec := s.Runs[i].Record; rec != nil {
				slim := *rec
				slim.Ops, slim.Procs, slim.Ticks, slim.Logs = nil, nil, nil, nil
				s.Runs[i].Record = &slim
			}
		}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // log lines stay readable; this is not embedded in HTML
	if !j.Compact {
		enc.SetIndent("", " ")
	}
	if err := enc.Encode(s); err != nil {
		return fmt.Errorf("reports: write json: %w", err)
	}
	return nil
}

// ReadJSON reads a Suite written by JSON. A report of another schema
// version is an error that names the version and the harness that wrote
// it.
func ReadJSON(r io.Reader) (Suite, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return Suite{}, fmt.Errorf("reports: read json: %w", err)
	}
	var head struct {
		Schema  int    `json:"schema"`
		Harness string `json:"harness"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return Suite{}, fmt.Errorf("reports: read json: %w", err)
	}
	if head.Schema != 0 && head.Schema != SchemaVersion {
		by := head.Harness
		if by == "" {
			by = "an unknown version"
		}
		return Suite{}, fmt.Errorf("reports: read json: schema version %d (written by xrdp-harness %s); this xrdp-harness reads schema version %d: use the version that wrote it", head.Schema, by, SchemaVersion)
	}
	var s Suite
	if err := json.Unmarshal(raw, &s); err != nil {
		return Suite{}, fmt.Errorf("reports: read json: %w", err)
	}
	return s, nil
}
