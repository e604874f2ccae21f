package xrdpconf

import (
	"slices"
	"strings"

	"github.com/xrdp-harness/xrdp-harness/containers/agent/ini"
	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Change is one difference between the operator's file and the file the
// server ran with: what the harness layered on top.
type Change = harness.ConfigChange

// Diff lists, key by key as xrdp reads them, how final differs from the
// operator's file: keys changed, added or removed. A repeated key ([Xvnc]
// param) compares as its list of values.
func Diff(file string, operator, final []byte) []Change {
	op, fin := ini.Parse(operator), ini.Parse(final)
	var out []Change
	for _, name := range sectionNames(op, fin) {
		os, _ := op.Section(name)
		fs, _ := fin.Section(name)
		for _, key := range keyNames(os, fs) {
			ov, oline := values(os, key)
			fv, _ := values(fs, key)
			if slices.Equal(ov, fv) {
				continue
			}
			c := Change{File: file, Section: name, Key: key, Operator: strings.Join(ov, " | "), OperatorSet: len(ov) > 0, Line: oline,
				Harness: strings.Join(fv, " | "), Removed: len(fv) == 0}
			out = append(out, c)
		}
	}
	return out
}

// sectionNames lists the section names of both files, operator's order
// first, without regard to case.
func sectionNames(files ...*ini.File) []string {
	var names []string
	for _, f := range files {
		for _, s := range f.Sections {
			if !slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, s.Name) }) {
				names = append(names, s.Name)
			}
		}
	}
	return names
}

func keyNames(secs ...*ini.Section) []string {
	var names []string
	for _, s := range secs {
		if s == nil {
			continue
		}
		for _, e := range s.Entries {
			if !slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, e.Key) }) {
				names = append(names, e.Key)
			}
		}
	}
	return names
}

// values of key in s, and the line of the last one.
func values(s *ini.Section, key string) ([]string, int) {
	if s == nil {
		return nil, 0
	}
	var v []string
	line := 0
	for _, e := range s.Entries {
		if strings.EqualFold(e.Key, key) {
			v = append(v, e.Value)
			line = e.Line
		}
	}
	return v, line
}
