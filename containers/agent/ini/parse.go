package ini

import (
	"fmt"
	"strings"
)

// xrdp's reader limits (common/file.c at v0.9.21.1 and v0.10.1): a line of
// 2048 bytes or more ends the read (FILE_MAX_LINE_BYTES), and only the first
// 32 KiB of a file are read ("32 K file size limit").
const (
	MaxLineBytes = 2048
	MaxFileBytes = 32 * 1024
)

// File is an ini file as xrdp reads it: its sections in order (a name may
// appear twice; xrdp uses the first), each with its entries in order.
type File struct {
	Sections []Section
	// Ignored lists the lines xrdp never reads, with the reason (too long,
	// past the size limit, outside any section).
	Ignored []Problem
}

// Section is one [name] block.
type Section struct {
	Name    string
	Line    int // 1-based line of the header
	Entries []Entry
}

// Entry is one key=value line. Value is what xrdp sees: cut at the first
// '#' or ';' (xrdp treats both as a comment start anywhere in a line) and
// trimmed.
type Entry struct {
	Key, Value string
	Line       int
}

// Problem is a line xrdp does not read as written.
type Problem struct {
	Line   int
	Reason string
}

func (p Problem) String() string { return fmt.Sprintf("line %d: %s", p.Line, p.Reason) }

// Parse reads src the way xrdp's common/file.c does. It never fails: what
// xrdp would skip is listed in Ignored.
func Parse(src []byte) *File {
	f := &File{}
	limit := len(src)
	if limit > MaxFileBytes {
		limit = MaxFileBytes
	}
	var cur *Section
	offset := 0
	lines := split(src)
	for i, l := range lines {
		n := i + 1
		start := offset
		offset += len(l.text) + len(l.eol)
		if start >= limit {
			f.Ignored = append(f.Ignored, Problem{n, fmt.Sprintf("past the first %d bytes of the file, which is all xrdp reads", MaxFileBytes)})
			continue
		}
		if len(l.text) >= MaxLineBytes {
			f.Ignored = append(f.Ignored, Problem{n, fmt.Sprintf("%d bytes long: xrdp stops reading the file at a line of %d bytes or more", len(l.text), MaxLineBytes)})
			for j := n + 1; j <= len(lines); j++ {
				f.Ignored = append(f.Ignored, Problem{j, "after a line xrdp cannot read"})
			}
			break
		}
		text := l.text
		if j := strings.IndexAny(text, "#;"); j >= 0 {
			text = text[:j]
		}
		if name, ok := sectionName(text); ok {
			f.Sections = append(f.Sections, Section{Name: name, Line: n})
			cur = &f.Sections[len(f.Sections)-1]
			continue
		}
		t := strings.TrimSpace(text)
		if t == "" {
			continue
		}
		if cur == nil {
			f.Ignored = append(f.Ignored, Problem{n, "outside any [section]"})
			continue
		}
		k, v, _ := strings.Cut(t, "=")
		cur.Entries = append(cur.Entries, Entry{Key: strings.TrimSpace(k), Value: strings.TrimSpace(v), Line: n})
	}
	return f
}

// Section returns the first section named name (without regard to case),
// the one xrdp reads.
func (f *File) Section(name string) (*Section, bool) {
	if f == nil {
		return nil, false
	}
	for i := range f.Sections {
		if strings.EqualFold(f.Sections[i].Name, name) {
			return &f.Sections[i], true
		}
	}
	return nil, false
}

// Get returns the entry of key in [section] as xrdp's config readers see
// it: they assign each matching line in turn, so the last one wins.
func (f *File) Get(section, key string) (Entry, bool) {
	s, ok := f.Section(section)
	if !ok {
		return Entry{}, false
	}
	return s.Get(key)
}

// Get returns the last entry of key in the section.
func (s *Section) Get(key string) (Entry, bool) {
	for i := len(s.Entries) - 1; i >= 0; i-- {
		if strings.EqualFold(s.Entries[i].Key, key) {
			return s.Entries[i], true
		}
	}
	return Entry{}, false
}
