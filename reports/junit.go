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
// it: one <testsuite> per scenario, one <testcase> per scenario × version
// named "scenario @ version" with classname "xrdp-harness.scenario". A
// testcase's outcome is its run measured against its expectation (Judge),
// so it always agrees with the exit status: a run that is not as expected
// is a <failure> (invalid where valid was expected, with the evidence, key
// metrics and what to do; or a FROM side on which no scenario showed the
// defect, "not-reproduced"); a run that could not be judged (an error, a
// partial run, an unknown verdict) is an <error>. A FROM side that showed
// the defect passes, and its <system-out> says it was reproduced as
// expected. No testcase is <skipped>. An interrupted or in-progress Suite
// adds a testsuite with one <error>. The layout follows
// testdata/junit.xsd.
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
	Time     string       `xml:"time,attr"`
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
	dur        time.Duration
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
	SystemOut *junitText   `xml:"system-out,omitempty"`
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
	judged := Judge(v.Suite)
	out := junitSuites{Name: v.Suite.Name, Time: junitSecs(v.Suite.Ended.Sub(v.Suite.Started))}
	if v.Suite.Started.IsZero() || v.Suite.Ended.IsZero() {
		out.Time = junitSecs(0)
	}
	// One testsuite per scenario, in the order the runs are sorted.
	index := map[string]int{}
	for i, rv := range v.Runs {
		sc := rv.Run.Scenario
		k, ok := index[sc]
		if !ok {
			k = len(out.Suites)
			index[sc] = k
			ts := junitSuite{Name: sc, Stamp: junitStamp(rv.Run.Started),
				Properties: []junitProperty{{Name: "scenario", Value: sc}}}
			if d := rv.Run.Description; d != "" {
				ts.Properties = append(ts.Properties, junitProperty{Name: "description", Value: d})
			}
			out.Suites = append(out.Suites, ts)
		}
		ts := &out.Suites[k]
		ts.Cases = append(ts.Cases, junitRunCase(rv, judged.Runs[i]))
		ts.dur += rv.Run.Duration()
	}
	for i := range out.Suites {
		out.Suites[i].Time = junitSecs(out.Suites[i].dur)
	}
	if v.Suite.InProgress {
		out.Suites = append(out.Suites, junitSuite{
			Name: v.Suite.Name + " (in progress)", Tests: 1, Errors: 1, Time: junitSecs(0),
			Cases: []junitCase{{Name: "in progress", Classname: "suite", Time: junitSecs(0),
				Error: &junitResult{Message: "the suite is still running: this file holds the runs finished so far",
					Type: "in-progress"}}},
		})
	}
	if v.Suite.Interrupted {
		out.Suites = append(out.Suites, junitSuite{
			Name: v.Suite.Name + " (interrupted)", Tests: 1, Errors: 1, Time: junitSecs(0),
			Cases: []junitCase{{Name: "interrupted", Classname: "suite", Time: junitSecs(0),
				Error: &junitResult{Message: "the suite was interrupted: runs after the last one listed did not run",
					Type: "interrupted"}}},
		})
	}
	for i := range out.Suites {
		ts := &out.Suites[i]
		ts.Tests, ts.Failures, ts.Errors, ts.Skipped = len(ts.Cases), 0, 0, 0
		for _, c := range ts.Cases {
			switch {
			case c.Failure != nil:
				ts.Failures++
			case c.Error != nil:
				ts.Errors++
			case c.Skipped != nil:
				ts.Skipped++
			}
		}
		out.Tests += ts.Tests
		out.Failures += ts.Failures
		out.Errors += ts.Errors
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

// junitRunCase is one run as one testcase, its outcome from rj.
func junitRunCase(rv runView, rj RunJudgement) junitCase {
	r := rv.Run
	c := junitCase{Name: r.Label(), Classname: "xrdp-harness." + r.Scenario, Time: junitSecs(r.Duration())}
	switch rj.Status {
	case Fail:
		if rv.Outcome == harness.Invalid {
			c.Failure = &junitResult{Message: truncate(oneLine(rj.Why), 500), Type: "invalid", Body: invalidBody(rv)}
		} else {
			c.Failure = &junitResult{Message: truncate(oneLine(rj.Why), 500), Type: "not-reproduced",
				Body: "the FROM side of an upgrade comparison is expected to show the defect the upgrade fixes; " +
					"no scenario showed it on " + r.Version + ", so the comparison proves nothing.\n"}
		}
	case Error:
		typ := "unknown"
		switch {
		case r.Err != "":
			typ = "run-error"
		case r.Partial:
			typ = "partial"
		}
		c.Error = &junitResult{Message: truncate(oneLine(rj.Why), 500), Type: typ, Body: errorBody(rv)}
	}
	var out strings.Builder
	fmt.Fprintf(&out, "%s: %s\n", rj.Status, rj.Why)
	if rj.Expect == ExpectDefect {
		fmt.Fprintf(&out, "expected: the defect (%s is the FROM side of an upgrade comparison)\n", r.Version)
	}
	fmt.Fprintf(&out, "validity: %s\n", rv.Outcome)
	for _, p := range [][2]string{{"version", r.Version}, {"flavour", r.Flavour}, {"image", r.Image}} {
		if p[1] != "" {
			fmt.Fprintf(&out, "%s: %s\n", p[0], p[1])
		}
	}
	if rv.Ops != "" {
		out.WriteString(rv.Ops + "\n")
	}
	for _, m := range rv.Key {
		fmt.Fprintf(&out, "%s: %s\n", m.Name, m.Value)
	}
	for _, vv := range rv.Verdicts {
		fmt.Fprintf(&out, "checker %s: %s: %s\n", vv.Name, vv.V.Valid, oneLine(vv.V.Summary))
	}
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
	if rj.Expect == ExpectDefect && rj.Status == Pass && rv.Outcome == harness.Invalid {
		// The evidence of the reproduced defect, as a failure would show it.
		out.WriteString("\n" + invalidBody(rv))
	}
	c.SystemOut = &junitText{Text: xmlSafe(out.String())}
	for _, res := range []*junitResult{c.Failure, c.Error} {
		if res != nil {
			res.Body = xmlSafe(res.Body)
		}
	}
	return c
}

// invalidBody lists every invalid verdict of the run with its evidence.
func invalidBody(rv runView) string {
	var b strings.Builder
	for _, vv := range rv.Verdicts {
		if vv.V.Valid == harness.Invalid {
			fmt.Fprintf(&b, "== %s\n%s\n", vv.Name, failureBody(vv))
		}
	}
	return b.String()
}

// errorBody says why the run could not be judged: its error or abort,
// the unknown verdicts and the notes.
func errorBody(rv runView) string {
	var b strings.Builder
	if rv.Run.Err != "" {
		b.WriteString(rv.Run.Err + "\n")
	}
	if rv.Run.Record != nil && rv.Run.Record.Abort != "" {
		b.WriteString("stopped: " + oneLine(rv.Run.Record.Abort) + "\n")
	}
	for _, vv := range rv.Verdicts {
		if vv.V.Valid != harness.Valid && vv.V.Valid != harness.Invalid {
			fmt.Fprintf(&b, "%s: unknown: %s\n", vv.Name, oneLine(vv.V.Summary))
		}
	}
	b.WriteString(notesBody(rv))
	return b.String()
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
