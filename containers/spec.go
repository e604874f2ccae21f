package containers

import (
	"fmt"
	"regexp"
	"strings"
)

// Flavours of xrdp image.
const (
	FlavourDebian = "debian" // the Debian package of a suite
	FlavourSource = "source" // built from an upstream release tarball
)

// Source is an upstream xrdp release tarball to build from, and how to
// build it. Debian's xrdp_<v>.orig.tar.gz is such a tarball.
type Source struct {
	// Tarball is a local path or an https URL of a .tar.gz release.
	Tarball string
	// SHA256 of the tarball, hex. Required for URLs; checked when given for
	// a local path.
	SHA256 string
	// Patches are local files applied in order with `patch -p1`.
	Patches []string
	// ConfigureFlags are added to ./configure (after --prefix=/usr
	// --sysconfdir=/etc --localstatedir=/var).
	ConfigureFlags []string
	// CFLAGS are appended to the harness's "-O2 -g
	// -Wno-error=deprecated-declarations" (which lets 0.9.x releases before
	// 0.9.19 build against OpenSSL 3).
	CFLAGS string
	// Autoreconf runs ./bootstrap before configure (for patches that touch
	// configure.ac or Makefile.am).
	Autoreconf bool
}

// ImageSpec names an xrdp image: an upstream version, and the tarball when
// it is built from source.
type ImageSpec struct {
	Version string
	Source  *Source // nil: the Debian package of Version
}

// Flavour is FlavourSource when a tarball is given, FlavourDebian otherwise.
func (s ImageSpec) Flavour() string {
	if s.Source != nil {
		return FlavourSource
	}
	return FlavourDebian
}

func (s ImageSpec) String() string {
	if s.Source == nil {
		return s.Version
	}
	return s.Version + "@" + s.Source.Tarball
}

var versionRE = regexp.MustCompile(`^[0-9]+\.[0-9]+(\.[0-9]+){0,2}$`)

// ParseImageSpec reads the version syntax of the CLI and scenario files:
//
//	0.9.21.1                                   Debian package
//	0.9.22.1@/path/xrdp-0.9.22.1.tar.gz         source build from a local tarball
//	0.9.22.1@https://host/x.tar.gz#sha256=HEX   source build from a URL
//	@/path/xrdp_0.9.21.1.orig.tar.gz            version read from the tarball
func ParseImageSpec(s string) (ImageSpec, error) {
	s = strings.TrimSpace(s)
	version, tarball, hasSource := strings.Cut(s, "@")
	if version != "" && !versionRE.MatchString(version) {
		return ImageSpec{}, fmt.Errorf("containers: parse version %q: want an xrdp release number such as 0.9.21.1, "+
			"optionally followed by @tarball", version)
	}
	if !hasSource {
		if version == "" {
			return ImageSpec{}, fmt.Errorf("containers: parse version: empty; name a release such as 0.9.21.1")
		}
		return ImageSpec{Version: version}, nil
	}
	if tarball == "" {
		return ImageSpec{}, fmt.Errorf("containers: parse version %q: nothing after @; give a tarball path or https URL", s)
	}
	src := &Source{Tarball: tarball}
	if u, sum, ok := strings.Cut(tarball, "#sha256="); ok {
		src.Tarball, src.SHA256 = u, strings.ToLower(sum)
	}
	return ImageSpec{Version: version, Source: src}, nil
}
