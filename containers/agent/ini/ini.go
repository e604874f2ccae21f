package ini

import (
	"bytes"
	"fmt"
	"os"
	"strings"
)

// line is one line of the file with its ending ("\n", "\r\n" or "" for a
// last line without one).
type line struct {
	text, eol string
}

func split(src []byte) []line {
	var lines []line
	for len(src) > 0 {
		i := bytes.IndexByte(src, '\n')
		if i < 0 {
			lines = append(lines, line{text: string(src)})
			break
		}
		text, eol := string(src[:i]), "\n"
		if strings.HasSuffix(text, "\r") {
			text, eol = text[:len(text)-1], "\r\n"
		}
		lines = append(lines, line{text: text, eol: eol})
		src = src[i+1:]
	}
	return lines
}

func join(lines []line) []byte {
	var b bytes.Buffer
	for _, l := range lines {
		b.WriteString(l.text)
		b.WriteString(l.eol)
	}
	return b.Bytes()
}

// sectionName returns the name of a "[name]" line.
func sectionName(text string) (string, bool) {
	t := strings.TrimSpace(text)
	if !strings.HasPrefix(t, "[") {
		return "", false
	}
	end := strings.IndexByte(t, ']')
	if end < 0 {
		return "", false
	}
	return strings.TrimSpace(t[1:end]), true
}

// keyOf returns the key of a "key=value" line; comments have none.
func keyOf(text string) (string, bool) {
	t := strings.TrimSpace(text)
	if t == "" || t[0] == ';' || t[0] == '#' || t[0] == '[' {
		return "", false
	}
	i := strings.IndexByte(t, '=')
	if i < 0 {
		return "", false
	}
	return strings.TrimSpace(t[:i]), true
}

// section locates [name]: the index of its header line and the index one
// past its last line (the next header or the end). start is -1 when absent.
func section(lines []line, name string) (start, end int) {
	start = -1
	for i, l := range lines {
		s, ok := sectionName(l.text)
		if !ok {
			continue
		}
		if start >= 0 {
			return start, i
		}
		if strings.EqualFold(s, name) {
			start = i
		}
	}
	return start, len(lines)
}

// Check applies the rules Set and Add apply to a setting, so that a host
// can refuse a bad override before any container is built.
func Check(section, key, value string) error {
	if err := check(section, key, value); err != nil {
		return fmt.Errorf("ini: %w", err)
	}
	return nil
}

func check(section, key, value string) error {
	switch {
	case strings.TrimSpace(section) == "" || strings.ContainsAny(section, "[]\r\n"):
		return fmt.Errorf("section name %q is empty or contains [, ] or a line break", section)
	case strings.TrimSpace(key) == "" || strings.ContainsAny(key, "=\r\n") || strings.ContainsAny(key[:1], ";#["):
		return fmt.Errorf("key %q is empty, contains = or a line break, or starts like a comment or section", key)
	case strings.ContainsAny(value, "\r\n"):
		return fmt.Errorf("value for %s contains a line break", key)
	}
	return nil
}

// Set makes key=value the setting of key in [section]: an existing line for
// the key is replaced, otherwise the line is added after the section's last
// non-blank line; a missing section is appended to the file. A key that
// appears more than once in the section (a list such as [Xvnc] param) is an
// error, because which line to change is a guess: use Add for lists.
func Set(src []byte, section, key, value string) ([]byte, error) {
	return wrap(edit(src, section, key, value, false))
}

// Add appends key=value to [section] even when the key is already there,
// for xrdp's repeated keys ([Xvnc] param=...). A missing section is
// appended to the file.
func Add(src []byte, section, key, value string) ([]byte, error) {
	return wrap(edit(src, section, key, value, true))
}

func wrap(b []byte, err error) ([]byte, error) {
	if err != nil {
		return nil, fmt.Errorf("ini: %w", err)
	}
	return b, nil
}

func edit(src []byte, sect, key, value string, add bool) ([]byte, error) {
	if err := check(sect, key, value); err != nil {
		return nil, err
	}
	lines := split(src)
	eol := "\n"
	if len(lines) > 0 && lines[0].eol == "\r\n" {
		eol = "\r\n"
	}
	kv := line{text: strings.TrimSpace(key) + "=" + value, eol: eol}

	start, end := section(lines, sect)
	if start < 0 {
		if n := len(lines); n > 0 {
			if lines[n-1].eol == "" {
				lines[n-1].eol = eol
			}
			if strings.TrimSpace(lines[n-1].text) != "" {
				lines = append(lines, line{eol: eol})
			}
		}
		lines = append(lines, line{text: "[" + strings.TrimSpace(sect) + "]", eol: eol}, kv)
		return join(lines), nil
	}

	if !add {
		var found []int
		for i := start + 1; i < end; i++ {
			if k, ok := keyOf(lines[i].text); ok && strings.EqualFold(k, strings.TrimSpace(key)) {
				found = append(found, i)
			}
		}
		switch len(found) {
		case 1:
			kv.eol = lines[found[0]].eol
			lines[found[0]] = kv
			return join(lines), nil
		case 0:
		default:
			return nil, fmt.Errorf("key %s appears %d times in [%s] (lines %d and %d): set one by hand or use add", key, len(found), sect, found[0]+1, found[1]+1)
		}
	}

	at := start + 1 // after the last non-blank line of the section
	for i := end - 1; i > start; i-- {
		if strings.TrimSpace(lines[i].text) != "" {
			at = i + 1
			break
		}
	}
	if lines[at-1].eol == "" { // the file ends without a newline
		lines[at-1].eol = eol
		kv.eol = ""
	}
	lines = append(lines[:at], append([]line{kv}, lines[at:]...)...)
	return join(lines), nil
}

// SetFile applies Set to the file at path, rewriting it in place (same
// inode, mode and owner).
func SetFile(path, section, key, value string) error {
	return editFile(path, section, key, value, false)
}

// AddFile applies Add to the file at path, rewriting it in place.
func AddFile(path, section, key, value string) error {
	return editFile(path, section, key, value, true)
}

func editFile(path, section, key, value string, add bool) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("ini: edit %s: %w", path, err)
	}
	out, err := edit(src, section, key, value, add)
	if err != nil {
		return fmt.Errorf("ini: edit %s: %w", path, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("ini: edit %s: %w", path, err)
	}
	if err := os.WriteFile(path, out, fi.Mode().Perm()); err != nil {
		return fmt.Errorf("ini: edit %s: %w", path, err)
	}
	return nil
}

// Get returns the value of key in [section] (both matched without regard
// to case, as xrdp's file_read_section does) and whether it is set; for a
// key given more than once it returns the first.
func Get(src []byte, sect, key string) (string, bool) {
	lines := split(src)
	start, end := section(lines, sect)
	if start < 0 {
		return "", false
	}
	for _, l := range lines[start+1 : end] {
		k, ok := keyOf(l.text)
		if !ok || !strings.EqualFold(k, key) {
			continue
		}
		_, v, _ := strings.Cut(l.text, "=")
		return strings.TrimSpace(v), true
	}
	return "", false
}
