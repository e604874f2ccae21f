package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// JUnit writes JUnit XML as GitLab, Jenkins and GitHub test reporters read
// it: one <testsuite> per run named "scenario @ version", one <testcase> per
// verdict named checker (checker/target when the run had several targets)
// with classname "scenario.version". An invalid verdict is a <failure>
// whose message is the summary and whose body lists the evidence, the key
// metrics and what to do; an unknown verdict is <skipped>. Every suite also
// has a "run" testcase carrying the run's duration, an <error> when the run
// erred or stopped early, so CI shows runs that could not be judged. An
// interrupted Suite adds an "interrupted" testsuite with one <error>.
//
// The version's dots become underscores in classname: Jenkins splits a
// classname at its last dot into package and class.
type JUnit struct {
	// MaxEvidence caps the evidence lines of a failure. Zero: 50.
	MaxEvidence int
	// Advice is the "what to do" table. Nil: DefaultAdvice(); empty (not
	// nil): no advice.
	Advice []Advice
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Stamp    string       `xml:"timestamp,attr,omitempty"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Stamp      string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
	SystemOut  *junitText      `xml:"system-out,omitempty"`
}

// junitText is a CDATA element: evidence stays readable in the file.
type junitText struct {
	Text string `xml:",cdata"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string       `xml:"name,attr"`
	Classname string       `xml:"classname,attr"`
	Time      string       `xml:"time,attr"`
	Failure   *junitResult `xml:"failure,omitempty"`
	Error     *junitResult `xml:"error,omitempty"`
	Skipped   *junitResult `xml:"skipped,omitempty"`
}

type junitResult struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Body    string `xml:",cdata"`
}

// Write encodes s.
func (j JUnit) Write(w io.Writer, s Suite) error {
	advice := j.Advice
	if advice == nil {
		advice = DefaultAdvice()
	}
	maxEv := j.MaxEvidence
	if maxEv == 0 {
		maxEv = 50
	}
	v := buildView(s, advice, maxEv)
	out := junitSuites{Name: v.Suite.Name, Time: junitSecs(v.Suite.Ended.Sub(v.Suite.Started)), Stamp: junitStamp(v.Suite.Started)}
	if v.Suite.Started.IsZero() || v.Suite.Ended.IsZero() {
		out.Time = junitSecs(0)
	}
	for _, rv := range v.Runs {
		out.Suites = append(out.Suites, junitRunSuite(rv))
	}
	if v.Suite.Interrupted {
		out.Suites = append(out.Suites, junitSuite{
			Name: v.Suite.Name + " (interrupted)", Tests: 1, Errors: 1, Time: junitSecs(0),
			Cases: []junitCase{{Name: "interrupted", Classname: "suite", Time: junitSecs(0),
				Error: &junitResult{Message: "the suite was interrupted: runs after the last one listed did not run",
					Type: "interrupted"}}},
		})
	}
	for _, ts := range out.Suites {
		out.Tests += ts.Tests
		out.Failures += ts.Failures
		out.Errors += ts.Errors
		out.Skipped += ts.Skipped
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("reports: write junit: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("reports: write junit: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("reports: write junit: %w", err)
	}
	return nil
}

func junitRunSuite(rv runView) junitSuite {
	r := rv.Run
	class := r.Scenario + "." + strings.ReplaceAll(r.Version, ".", "_")
	ts := junitSuite{Name: r.Label(), Time: junitSecs(r.Duration()), Stamp: junitStamp(r.Started)}
	for _, p := range [][2]string{
		{"scenario", r.Scenario}, {"description", r.Description}, {"version", r.Version},
		{"flavour", r.Flavour}, {"image", r.Image}, {"validity", string(rv.Outcome)}, {"ops", rv.Ops},
	} {
		if p[1] != "" {
			ts.Properties = append(ts.Properties, junitProperty{Name: p[0], Value: p[1]})
		}
	}
	for _, m := range rv.Key {
		ts.Properties = append(ts.Properties, junitProperty{Name: m.Name, Value: m.Value})
	}

	run := junitCase{Name: "run", Classname: class, Time: junitSecs(r.Duration())}
	switch {
	case r.Err != "":
		run.Error = &junitResult{Message: truncate(oneLine(r.Err), 500), Type: "run-error", Body: notesBody(rv)}
	case r.Partial:
		msg := "the run stopped before its plan ended"
		if r.Record != nil && r.Record.Abort != "" {
			msg += ": " + oneLine(r.Record.Abort)
		}
		run.Error = &junitResult{Message: truncate(msg, 500), Type: "partial", Body: notesBody(rv)}
	}
	ts.Cases = append(ts.Cases, run)

	for _, vv := range rv.Verdicts {
		c := junitCase{Name: vv.Name, Classname: class, Time: junitSecs(0)}
		switch vv.V.Valid {
		case harness.Valid:
		case harness.Invalid:
			c.Failure = &junitResult{Message: truncate(oneLine(vv.V.Summary), 500), Type: "invalid",
				Body: failureBody(vv)}
		default:
			c.Skipped = &junitResult{Message: truncate(oneLine("unknown: "+vv.V.Summary), 500)}
		}
		ts.Cases = append(ts.Cases, c)
	}
	for _, c := range ts.Cases {
		ts.Tests++
		switch {
		case c.Failure != nil:
			ts.Failures++
		case c.Error != nil:
			ts.Errors++
		case c.Skipped != nil:
			ts.Skipped++
		}
	}
	var out strings.Builder
	for _, f := range rv.Faults {
		fmt.Fprintf(&out, "fault %s on %s: inject %s, heal %s", f.Name, f.Target, f.Inject, f.Heal)
		if f.Detail != "" {
			fmt.Fprintf(&out, " (%s)", f.Detail)
		}
		if f.Err != "" {
			fmt.Fprintf(&out, " error: %s", f.Err)
		}
		out.WriteByte('\n')
	}
	for _, n := range rv.Notes {
		fmt.Fprintf(&out, "note: %s\n", n)
	}
	if out.Len() > 0 {
		ts.SystemOut = &junitText{Text: xmlSafe(out.String())}
	}
	for i := range ts.Cases {
		for _, r := range []*junitResult{ts.Cases[i].Failure, ts.Cases[i].Error} {
			if r != nil {
				r.Body = xmlSafe(r.Body)
			}
		}
	}
	return ts
}

// failureBody is what CI shows under a failed testcase: the summary, the
// evidence with offsets from the run's start, metrics, and what to do.
func failureBody(vv verdictView) string {
	var b strings.Builder
	b.WriteString(oneLine(vv.V.Summary))
	b.WriteString("\n")
	if len(vv.Evidence) > 0 {
		b.WriteString("\nevidence (seconds after the run's start):\n")
		for _, e := range vv.Evidence {
			fmt.Fprintf(&b, "  %8s  %s\n", e.At, e.What)
		}
		if vv.Hidden > 0 {
			fmt.Fprintf(&b, "  … %d more in the JSON or HTML report\n", vv.Hidden)
		}
	}
	if len(vv.Metrics) > 0 {
		b.WriteString("\nmetrics:")
		for _, m := range vv.Metrics {
			fmt.Fprintf(&b, " %s=%s", m.Name, m.Value)
		}
		b.WriteString("\n")
	}
	if vv.Advice != "" {
		fmt.Fprintf(&b, "\nwhat to do: %s\n", vv.Advice)
	}
	return b.String()
}

func notesBody(rv runView) string {
	if len(rv.Notes) == 0 {
		return ""
	}
	return strings.Join(rv.Notes, "\n") + "\n"
}

// xmlSafe replaces what XML 1.0 cannot hold (control characters, invalid
// UTF-8) with U+FFFD: encoding/xml escapes attributes and character data
// that way but writes CDATA as it is.
func xmlSafe(s string) string {
	ok := func(r rune) bool {
		return r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0xD7FF) ||
			(r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
	}
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || !ok(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return strings.Map(func(r rune) rune {
		if !ok(r) {
			return '\uFFFD'
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

func junitSecs(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	return fmt.Sprintf("%.3f", d.Seconds())
}

// junitStamp is the ISO 8601 form without zone the JUnit schema wants
// (UTC).
func junitStamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05")
}
