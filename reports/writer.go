package reports

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// Writer renders a Suite in one format. Implementations never modify the
// Suite and write the same bytes for the same Suite.
type Writer interface {
	Write(w io.Writer, s Suite) error
}

// WriterFunc adapts a function to Writer.
type WriterFunc func(w io.Writer, s Suite) error

// Write calls f.
func (f WriterFunc) Write(w io.Writer, s Suite) error { return f(w, s) }

var (
	_ Writer = JSON{}
	_ Writer = JUnit{}
	_ Writer = Markdown{}
	_ Writer = HTML{}
	_ Writer = WriterFunc(nil)
)

// Format is one report format: its name (what --format takes), other
// names accepted for it, the extension of its file, and its writer with
// default settings.
type Format struct {
	Name    string
	Aliases []string
	Ext     string
	Writer  Writer
}

// FormatTable is the catalog of report formats; Formats, Ext and WriterFor
// read it, and the CLI builds its --format help and checks from it.
func FormatTable() []Format {
	return []Format{
		{Name: "json", Ext: ".json", Writer: JSON{}},
		{Name: "junit", Aliases: []string{"xml"}, Ext: ".xml", Writer: JUnit{}},
		{Name: "markdown", Aliases: []string{"md"}, Ext: ".md", Writer: Markdown{}},
		{Name: "html", Ext: ".html", Writer: HTML{}},
	}
}

// Formats are the names WriterFor knows (without aliases), in table order.
func Formats() []string {
	var out []string
	for _, f := range FormatTable() {
		out = append(out, f.Name)
	}
	return out
}

// LookupFormat finds a format by name or alias (case and spaces ignored).
func LookupFormat(name string) (Format, bool) {
	name = strings.ToLower(strings.TrimSpace(name))
	for _, f := range FormatTable() {
		if f.Name == name || slices.Contains(f.Aliases, name) {
			return f, true
		}
	}
	return Format{}, false
}

// Ext is the file extension of a format (".json", ".xml", ".md", ".html");
// "" for an unknown one.
func Ext(format string) string {
	f, _ := LookupFormat(format)
	return f.Ext
}

// WriterFor returns the writer of a format (by name or alias), with default
// settings.
func WriterFor(format string) (Writer, error) {
	f, ok := LookupFormat(format)
	if !ok {
		return nil, fmt.Errorf("reports: unknown format %q (want one of %s)", format, strings.Join(Formats(), ", "))
	}
	return f.Writer, nil
}
