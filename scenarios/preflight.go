package scenarios

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/xrdp-harness/xrdp-harness/containers"
)

// PreflightRequest is everything a run was asked for, as the user gave it.
type PreflightRequest struct {
	// Scenarios are built-in names or .yaml paths; nil means DefaultOrder.
	Scenarios []string
	// Versions use ParseVersion's syntax; nil means DefaultVersions.
	Versions []string
	// Build options for source builds (refused on packaged versions).
	Patches        []string
	ConfigureFlags []string
	CFLAGS         string
	Autoreconf     bool
	// Catalog knows the Debian-packaged versions (zero: DefaultCatalog).
	Catalog *containers.Catalog
	// ConfigDir is the operator's config directory (--config) for every
	// scenario; one whose own target.config names another is an error.
	ConfigDir string
	// CacheDir is the builder's cache (zero: containers.DefaultCacheDir):
	// a downloaded tarball found there is checked too.
	CacheDir string
}

// Preflighted is a run that passed Preflight: what RunSuite needs.
type Preflighted struct {
	Specs    []Spec
	Versions []Version
}

// DefaultVersions is the main job's matrix: the defect build (0.9.17's
// reaping on 0.9.21.1) and the catalog's default packaged versions.
func DefaultVersions(cat containers.Catalog) []string {
	return append([]string{DefectBuild}, cat.Defaults...)
}

// Preflight checks a whole run before any Docker call: every scenario
// parsed and validated, every version parsed (a tarball read, checked as
// an xrdp release and against its sha256), build options given only where
// a source build takes them, and every scenario × version plan built. It
// reports every problem at once; each names the field or flag, the value
// and what to give instead.
func Preflight(req PreflightRequest) (Preflighted, error) {
	var out Preflighted
	var errs []error
	cat := containers.DefaultCatalog()
	if req.Catalog != nil {
		cat = *req.Catalog
	}
	cacheDir := req.CacheDir
	if cacheDir == "" {
		cacheDir = containers.DefaultCacheDir()
	}

	names := req.Scenarios
	if names == nil {
		names = DefaultOrder
	}
	if len(names) == 0 {
		errs = append(errs, errors.New("--scenario: none given; name a built-in scenario ("+strings.Join(BuiltinNames(), ", ")+") or a .yaml file"))
	}
	seen := map[string]bool{}
	for _, n := range names {
		if strings.TrimSpace(n) == "" {
			errs = append(errs, fmt.Errorf("--scenario %q: empty; name a built-in scenario (%s) or a .yaml file", n, strings.Join(BuiltinNames(), ", ")))
			continue
		}
		s, err := Load(n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if seen[s.Name] {
			errs = append(errs, fmt.Errorf("--scenario %s: scenario %s is given twice", n, s.Name))
			continue
		}
		seen[s.Name] = true
		if req.ConfigDir != "" && s.Target.kind() != KindSSH { // an ssh host runs its own config
			switch {
			case s.Target.Config == "":
				s.Target.Config = req.ConfigDir
			case filepath.Clean(s.Target.Config) != filepath.Clean(req.ConfigDir):
				errs = append(errs, fmt.Errorf("--config %s: scenario %s has its own target.config %s; give one of them", req.ConfigDir, s.Name, s.Target.Config))
				continue
			}
		}
		out.Specs = append(out.Specs, s)
	}

	args := req.Versions
	if args == nil {
		args = DefaultVersions(cat)
	}
	if len(args) == 0 {
		errs = append(errs, errors.New("--version: none given; name a release such as 0.9.21.1 or VERSION@TARBALL"))
	}
	build := len(req.Patches) > 0 || len(req.ConfigureFlags) > 0 || req.CFLAGS != "" || req.Autoreconf
	labels := map[string]bool{}
	for _, a := range args {
		v, err := preflightVersion(a, req, cat, cacheDir)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if labels[v.Label] {
			errs = append(errs, fmt.Errorf("--version %s: version %s is given twice", a, v.Label))
			continue
		}
		labels[v.Label] = true
		out.Versions = append(out.Versions, v)
	}
	if build && len(args) > 0 && !anyUserSource(args) {
		errs = append(errs, errors.New("--patch, --configure-flag, --cflags and --autoreconf apply to source builds only, "+
			"and no version of this run is one; give a version as VERSION@TARBALL or drop those flags"))
	}

	for _, s := range out.Specs {
		matched := false
		for _, v := range out.Versions {
			if !s.AppliesTo(v.Image.Version) {
				continue
			}
			matched = true
			if _, _, err := s.Plan(v.Image.Version); err != nil {
				errs = append(errs, fmt.Errorf("%s @ %s: %w", s.Name, v.Label, err))
			}
		}
		if !matched && len(out.Versions) > 0 {
			var got []string
			for _, v := range out.Versions {
				got = append(got, v.Image.Version)
			}
			errs = append(errs, fmt.Errorf("scenario %s: versions %v match no version of this run (%s); add a matching --version or drop the scenario",
				s.Name, s.Versions, strings.Join(got, ", ")))
		}
	}
	return out, errors.Join(errs...)
}

// anyUserSource reports whether a version argument is a source build that
// takes the run's build flags (a named build brings its own recipe).
func anyUserSource(args []string) bool {
	for _, a := range args {
		if strings.Contains(a, "@") && !isNamedBuild(a) {
			return true
		}
	}
	return false
}

func isNamedBuild(label string) bool { _, ok := namedBuilds[label]; return ok }

// preflightVersion parses one --version and checks its image without
// Docker.
func preflightVersion(a string, req PreflightRequest, cat containers.Catalog, cacheDir string) (Version, error) {
	if strings.TrimSpace(a) == "" {
		return Version{}, fmt.Errorf("--version %q: empty; name a release such as 0.9.21.1 or VERSION@TARBALL", a)
	}
	var patches []string
	if strings.Contains(a, "@") {
		patches = req.Patches
	}
	v, err := ParseVersion(a, patches)
	if err != nil {
		return Version{}, fmt.Errorf("--version %s: %w", a, err)
	}
	if v.Image.Source == nil {
		if _, err := cat.Lookup(v.Image.Version); err != nil {
			return Version{}, fmt.Errorf("--version %s: %w", a, err)
		}
		return v, nil
	}
	if !isNamedBuild(v.Label) {
		src := *v.Image.Source
		src.ConfigureFlags = req.ConfigureFlags
		src.CFLAGS = req.CFLAGS
		src.Autoreconf = req.Autoreconf
		v.Image.Source = &src
	}
	got, err := containers.InspectSource(*v.Image.Source, v.Image.Version, cacheDir)
	if err != nil {
		return Version{}, fmt.Errorf("--version %s: %w", a, err)
	}
	if v.Image.Version == "" && got != "" {
		// "@/path/xrdp_0.9.21.1.orig.tar.gz": the tarball names its release,
		// which scenarios' versions lists match on.
		v.Image.Version = got
		if v.Label == "source" || strings.HasPrefix(v.Label, "source+") {
			v.Label = got + strings.TrimPrefix(v.Label, "source")
		}
	}
	return v, nil
}

// SplitList splits a comma-separated flag value, refusing empty items
// ("", " , ,"): an empty --version or --scenario must not mean the
// defaults.
func SplitList(v string) ([]string, error) {
	var out []string
	for _, s := range strings.Split(v, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			return nil, fmt.Errorf("%q has an empty item; give names separated by commas, or leave the flag out for the defaults", v)
		}
		out = append(out, s)
	}
	return out, nil
}
