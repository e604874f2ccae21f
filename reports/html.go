package reports

import (
	"errors"
	"io"
)

// HTML writes one self-contained HTML file (work in progress).
type HTML struct{}

// Write renders s.
func (h HTML) Write(w io.Writer, s Suite) error {
	return errors.New("reports: write html: not implemented yet")
}
