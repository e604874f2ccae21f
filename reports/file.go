package reports

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// WriteFile writes the suite in one format to dir/report<ext>: into a new
// temporary file of dir (created exclusively under a random name, so a
// planted file or symlink is never opened), then renamed over the report
// (rename replaces a symlink there, it does not follow it). A reader never
// sees half a report.
func WriteFile(dir, format string, s Suite) error {
	w, err := WriterFor(format)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, "report"+Ext(format))
	fh, err := os.CreateTemp(dir, ".report-*.tmp")
	if err != nil {
		return fmt.Errorf("reports: write %s: %w", path, err)
	}
	tmp := fh.Name()
	werr := w.Write(fh, s)
	cerr := fh.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("reports: write %s: %w", path, err)
	}
	// CreateTemp makes 0600; a report is for everyone who can read dir.
	if err := os.Chmod(tmp, 0o644); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("reports: write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("reports: write %s: %w", path, err)
	}
	return nil
}
