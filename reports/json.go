package reports

import (
	"encoding/json"
	"fmt"
	"io"
)

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

// ReadJSON reads a Suite written by JSON.
func ReadJSON(r io.Reader) (Suite, error) {
	var s Suite
	dec := json.NewDecoder(r)
	if err := dec.Decode(&s); err != nil {
		return Suite{}, fmt.Errorf("reports: read json: %w", err)
	}
	return s, nil
}
