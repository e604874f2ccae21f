package containers

import (
	"fmt"
	"sort"
	"strings"
)

// Mirrors says where Debian packages come from. The zero value means
// Debian's own redirector, reachable from hosts and containers alike.
type Mirrors struct {
	Debian   string // default http://deb.debian.org/debian
	Security string // default http://deb.debian.org/debian-security
}

func (m Mirrors) withDefaults() Mirrors {
	if m.Debian == "" {
		m.Debian = "http://deb.debian.org/debian"
	}
	if m.Security == "" {
		m.Security = "http://deb.debian.org/debian-security"
	}
	return m
}

// DebianRelease is one xrdp version as Debian packages it.
type DebianRelease struct {
	Version string // upstream xrdp version the package must carry, e.g. "0.9.21.1"
	Suite   string // suite of the base system: bookworm, trixie, sid
	Release string // apt target release for xrdp itself: bookworm, bookworm-backports, ...
	// Security adds the suite's security archive (stable suites only).
	Security bool
	Note     string
}

// Catalog lists the xrdp versions the harness can install from Debian and
// the versions a run uses when none are named.
type Catalog struct {
	Debian   []DebianRelease
	Defaults []string
}

// DefaultCatalog is what Debian's mirror serves (checked 2026-11): the
// versions xrdp-notes.md lists. A version that leaves a suite makes the image
// build fail at its check-version step, naming what the mirror has instead.
func DefaultCatalog() Catalog {
	return Catalog{
		Debian: []DebianRelease{
			{Version: "0.9.21.1", Suite: "bookworm", Release: "bookworm", Security: true,
				Note: "Debian 12; SIGCHLD reaping fixed (fix first released in 0.9.19)"},
			{Version: "0.9.24", Suite: "bookworm", Release: "bookworm-backports", Security: true,
				Note: "bookworm-backports; 0.9.22.1 sesman behaviour plus an auth check"},
			{Version: "0.10.1", Suite: "trixie", Release: "trixie", Security: true,
				Note: "Debian 13; new sesman architecture, SCP is not v0"},
			{Version: "0.10.6.1", Suite: "sid", Release: "sid",
				Note: "unstable: moves without notice"},
		},
		Defaults: []string{"0.9.21.1", "0.9.24", "0.10.1"},
	}
}

// Lookup finds the Debian release of an upstream version.
func (c Catalog) Lookup(version string) (DebianRelease, error) {
	for _, r := range c.Debian {
		if r.Version == version {
			return r, nil
		}
	}
	known := make([]string, 0, len(c.Debian))
	for _, r := range c.Debian {
		known = append(known, r.Version)
	}
	sort.Strings(known)
	return DebianRelease{}, fmt.Errorf("containers: resolve version %q: Debian packages are known for %s only; "+
		"for any other release build from source: %s@/path/to/xrdp-%s.tar.gz (or an https URL with #sha256=<hex>)",
		version, strings.Join(known, ", "), version, version)
}

// sourcesList renders /etc/apt/sources.list for a release.
func (r DebianRelease) sourcesList(m Mirrors) string {
	m = m.withDefaults()
	var b strings.Builder
	fmt.Fprintf(&b, "deb %s %s main\n", m.Debian, r.Suite)
	if r.Security {
		fmt.Fprintf(&b, "deb %s %s-security main\n", m.Security, r.Suite)
	}
	if r.Release != r.Suite {
		fmt.Fprintf(&b, "deb %s %s main\n", m.Debian, r.Release)
	}
	return b.String()
}
