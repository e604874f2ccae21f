package xrdpconf

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/xrdp-harness/xrdp-harness/containers/agent/ini"
)

// Drift is what one version does differently with the operator's files,
// read from that version's own packaged files (containers.Builder.Defaults),
// never from a hand-written list.
type Drift struct {
	From, To string // version labels; From "" when there is no previous version
	// Unknown are the operator's sections and keys that To's packaged file
	// neither sets nor documents in a comment: a key To does not know (or a
	// typo) is silently ignored.
	Unknown []Key `json:"unknown"`
	// Defaults are the packaged values that differ between From and To, in
	// the files the operator gives.
	// Operator set means the operator's file sets the key, so their value
	// still wins; otherwise To's new default applies to them.
	Defaults []DefaultChange `json:"defaults"`
}

// Key is one section or key of an operator file ("" Key: the section).
type Key struct {
	File    string `json:"file"`
	Section string `json:"section"`
	Key     string `json:"key,omitempty"`
	Line    int    `json:"line"`
}

func (k Key) String() string {
	if k.Key == "" {
		return fmt.Sprintf("%s [%s] (line %d)", k.File, k.Section, k.Line)
	}
	return fmt.Sprintf("%s [%s] %s (line %d)", k.File, k.Section, k.Key, k.Line)
}

// DefaultChange is one packaged value that differs between two versions.
type DefaultChange struct {
	File    string `json:"file"`
	Section string `json:"section"`
	Key     string `json:"key"`
	From    string `json:"from"` // "" with FromSet false: not set in From's file
	FromSet bool   `json:"fromSet"`
	To      string `json:"to"`
	ToSet   bool   `json:"toSet"`
	// Operator is the operator's value when their file sets the key.
	Operator    string `json:"operator,omitempty"`
	OperatorSet bool   `json:"operatorSet"`
}

func (c DefaultChange) String() string {
	v := func(s string, set bool) string {
		if !set {
			return "unset"
		}
		return fmt.Sprintf("%q", s)
	}
	s := fmt.Sprintf("%s [%s] %s: %s → %s", c.File, c.Section, c.Key, v(c.From, c.FromSet), v(c.To, c.ToSet))
	if c.OperatorSet {
		return s + fmt.Sprintf(" (yours: %q, which still applies)", c.Operator)
	}
	return s + " (you do not set it: the new default applies)"
}

// freeKeys are sections whose keys are the operator's own names
// (environment variables), not settings a version knows.
var freeKeys = []string{"SessionVariables"}

// Compare computes the drift of the operator's ini files from version from
// to version to, given each version's packaged files (nil from: no previous
// version, only Unknown is computed).
func Compare(d *Dir, fromLabel string, from map[string][]byte, toLabel string, to map[string][]byte) Drift {
	dr := Drift{From: fromLabel, To: toLabel, Unknown: []Key{}, Defaults: []DefaultChange{}}
	for _, f := range d.Files {
		if !f.IsIni() || strings.HasPrefix(f.Name, "km-") {
			continue
		}
		pkg, ok := to[f.Name]
		if !ok {
			dr.Unknown = append(dr.Unknown, Key{File: f.Name, Line: 0})
			continue
		}
		dr.Unknown = append(dr.Unknown, unknown(f, pkg)...)
	}
	if from == nil {
		return dr
	}
	// Only the files the operator gives: a file they leave to the package
	// follows the package anyway.
	for _, name := range []string{"sesman.ini", "xrdp.ini"} {
		f, ok := d.File(name)
		if !ok {
			continue
		}
		a, b := ini.Parse(from[name]), ini.Parse(to[name])
		op := ini.Parse(f.Data)
		for _, sec := range sectionNames(a, b) {
			if slices.Contains(freeKeys, sec) {
				continue
			}
			as, _ := a.Section(sec)
			bs, _ := b.Section(sec)
			for _, key := range keyNames(as, bs) {
				av, _ := values(as, key)
				bv, _ := values(bs, key)
				if slices.Equal(av, bv) {
					continue
				}
				c := DefaultChange{File: name, Section: sec, Key: key, From: strings.Join(av, " | "), FromSet: len(av) > 0,
					To: strings.Join(bv, " | "), ToSet: len(bv) > 0}
				if os, ok := op.Section(sec); ok {
					if ov, _ := values(os, key); len(ov) > 0 {
						c.Operator, c.OperatorSet = strings.Join(ov, " | "), true
					}
				}
				dr.Defaults = append(dr.Defaults, c)
			}
		}
	}
	return dr
}

// unknown lists the operator's sections and keys that the packaged file
// neither has nor documents. xrdp.ini sections that define a session type
// (they have lib=) are the operator's own names and are not checked.
func unknown(f File, pkg []byte) []Key {
	known := documented(pkg)
	var out []Key
	for _, s := range ini.Parse(f.Data).Sections {
		if _, ok := s.Get("lib"); ok && f.Name == "xrdp.ini" {
			continue
		}
		keys, ok := known[strings.ToLower(s.Name)]
		if !ok {
			out = append(out, Key{File: f.Name, Section: s.Name, Line: s.Line})
			continue
		}
		if slices.Contains(freeKeys, s.Name) {
			continue
		}
		for _, e := range s.Entries {
			if !keys[strings.ToLower(e.Key)] {
				out = append(out, Key{File: f.Name, Section: s.Name, Key: e.Key, Line: e.Line})
			}
		}
	}
	return out
}

// commentedKey matches a documented key in a comment: "#MaxDisplayNumber=63",
// "; LogLevel=INFO".
var commentedKey = regexp.MustCompile(`^[#;]+\s*([A-Za-z_][A-Za-z0-9_.]*)\s*=`)

// documented maps each section (lowercase) of a packaged file to the keys
// it sets or shows in a comment.
func documented(pkg []byte) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	var cur map[string]bool
	for _, line := range strings.Split(string(pkg), "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "[") {
			if i := strings.IndexByte(t, ']'); i > 0 {
				name := strings.ToLower(strings.TrimSpace(t[1:i]))
				if out[name] == nil {
					out[name] = map[string]bool{}
				}
				cur = out[name]
			}
			continue
		}
		if cur == nil {
			continue
		}
		if m := commentedKey.FindStringSubmatch(t); m != nil {
			cur[strings.ToLower(m[1])] = true
			continue
		}
		if k, _, ok := strings.Cut(t, "="); ok && !strings.HasPrefix(t, "#") && !strings.HasPrefix(t, ";") {
			cur[strings.ToLower(strings.TrimSpace(k))] = true
		}
	}
	return out
}
