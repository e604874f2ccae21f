package lint

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is an xrdp release number such as 0.9.21.1. A harness version
// label ("0.9.21.1+sigchld-reap-one", "0.9.22.1@/path/x.tar.gz") keeps its
// label for reports; the rules compare the release number only.
type Version struct {
	Label string
	parts []int
}

// ParseVersion reads a release number, with an optional +build or @source
// suffix.
func ParseVersion(s string) (Version, error) {
	num := s
	if i := strings.IndexAny(num, "+@"); i >= 0 {
		num = num[:i]
	}
	fields := strings.Split(num, ".")
	if len(fields) < 2 || len(fields) > 4 {
		return Version{}, fmt.Errorf("version %q: want an xrdp release number such as 0.9.21.1 or 0.10.1", s)
	}
	v := Version{Label: s}
	for _, f := range fields {
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 {
			return Version{}, fmt.Errorf("version %q: want an xrdp release number such as 0.9.21.1 or 0.10.1", s)
		}
		v.parts = append(v.parts, n)
	}
	return v, nil
}

// MustVersion is ParseVersion for constants.
func MustVersion(s string) Version {
	v, err := ParseVersion(s)
	if err != nil {
		panic(err)
	}
	return v
}

func (v Version) String() string { return v.Label }

// Compare orders release numbers (0.9.9 < 0.9.10); missing parts are 0.
func (v Version) Compare(w Version) int {
	for i := 0; i < max(len(v.parts), len(w.parts)); i++ {
		a, b := part(v.parts, i), part(w.parts, i)
		if a != b {
			if a < b {
				return -1
			}
			return 1
		}
	}
	return 0
}

func part(p []int, i int) int {
	if i < len(p) {
		return p[i]
	}
	return 0
}

// Less reports v < w.
func (v Version) Less(w Version) bool { return v.Compare(w) < 0 }

// v010 is the first release of the new sesman (SCP over a UNIX socket,
// MaxDisplayNumber, the bitmask Policy).
var v010 = MustVersion("0.10.0")

// newSesman reports the 0.10 sesman architecture.
func (v Version) newSesman() bool { return !v.Less(v010) }
