package reports

import (
	"fmt"
	"io"
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

// Formats are the names WriterFor knows.
func Formats() []string { return []string{"json", "junit", "markdown", "html"} }

// Ext is the usual file extension of a format (".json", ".xml", ".md",
// ".html"); "" for an unknown one.
func Ext(format string) string {
	switch strings.ToLower(strings.TrimSpace(format)) {
	case "json":
		return ".json"
	case "junit", "xml":
		return ".xml"
	case "markdown", "md":
		return ".md"
	case "html":
		return ".html"
	}
	return ""
}

// WriterFor returns the writer of a format, with default settings: "json",
// "junit" (also "xml"), "markdown" (also "md"), "html".
func WriterFor(format string) (Writer, error) {
	switch strings.ToLower(strings.TrimSpace(format)) {
	case "json":
		return JSON{}, nil
	case "junit", "xml":
		return JUnit{}, nil
	case "markdown", "md":
		return Markdown{}, nil
	case "html":
		return HTML{}, nil
	}
	return nil, fmt.Errorf("reports: unknown format %q (want json, junit, markdown or html)", format)
}
