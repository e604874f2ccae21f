package xrdpconf

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/xrdp-harness/xrdp-harness/containers/agent/ini"
)

// kmRE matches xrdp's keymap files (km-XXXXXXXX.ini).
var kmRE = regexp.MustCompile(`^km-[0-9a-fA-F]{8}\.ini$`)

// Accepted names the files a config directory may hold.
const Accepted = "sesman.ini, xrdp.ini, startwm.sh, reconnectwm.sh, km-XXXXXXXX.ini"

// maxFile bounds one file (xrdp reads 32 KiB of an ini; scripts are small).
const maxFile = 1 << 20

// File is one operator file, byte for byte.
type File struct {
	Name string // base name, e.g. sesman.ini
	Data []byte
}

// IsIni reports whether xrdp reads the file as ini.
func (f File) IsIni() bool { return strings.HasSuffix(f.Name, ".ini") }

// Dir is an operator's configuration directory.
type Dir struct {
	Path  string
	Files []File // sorted by name
}

// Load reads dir. Every problem is reported at once, each naming the file
// and the fix: a file xrdp does not take from /etc/xrdp here, a
// subdirectory, a symlink out of the directory, a file too large.
func Load(dir string) (*Dir, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("xrdpconf: read config dir: %w (want a directory with any of %s)", err, Accepted)
	}
	d := &Dir{Path: dir}
	var errs []error
	for _, e := range entries {
		name := e.Name()
		p := filepath.Join(dir, name)
		if !accepted(name) {
			if strings.HasPrefix(name, ".") {
				continue // editor and VCS leftovers
			}
			errs = append(errs, fmt.Errorf("%s: not a file the harness lays down; a config dir holds %s", p, Accepted))
			continue
		}
		fi, err := os.Stat(p) // follows a symlink: the content is what counts
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p, err))
			continue
		}
		if !fi.Mode().IsRegular() {
			errs = append(errs, fmt.Errorf("%s: not a regular file", p))
			continue
		}
		if fi.Size() > maxFile {
			errs = append(errs, fmt.Errorf("%s: %d bytes; want at most %d (xrdp reads only the first 32 KiB of an ini)", p, fi.Size(), maxFile))
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p, err))
			continue
		}
		d.Files = append(d.Files, File{Name: name, Data: data})
	}
	if len(errs) == 0 && len(d.Files) == 0 {
		errs = append(errs, fmt.Errorf("%s: no config files; want any of %s", dir, Accepted))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("xrdpconf: config dir %s: %w", dir, errors.Join(errs...))
	}
	slices.SortFunc(d.Files, func(a, b File) int { return strings.Compare(a.Name, b.Name) })
	return d, nil
}

func accepted(name string) bool {
	switch name {
	case "sesman.ini", "xrdp.ini", "startwm.sh", "reconnectwm.sh":
		return true
	}
	return kmRE.MatchString(name)
}

// File returns the named file, if the operator gave it.
func (d *Dir) File(name string) (File, bool) {
	if d == nil {
		return File{}, false
	}
	for _, f := range d.Files {
		if f.Name == name {
			return f, true
		}
	}
	return File{}, false
}

// Ini parses the named ini file as xrdp reads it; nil when not given.
func (d *Dir) Ini(name string) *ini.File {
	f, ok := d.File(name)
	if !ok {
		return nil
	}
	return ini.Parse(f.Data)
}

// Names lists the files given.
func (d *Dir) Names() []string {
	var n []string
	for _, f := range d.Files {
		n = append(n, f.Name)
	}
	return n
}
