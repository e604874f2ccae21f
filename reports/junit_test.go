package reports

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

func TestJUnitGolden(t *testing.T) {
	golden(t, "suite.junit.golden", render(t, JUnit{}, fixtureSuite()))
}

// wellFormed walks every token of an XML document.
func wellFormed(t *testing.T, doc []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("junit is not well-formed XML: %v", err)
		}
	}
}

// The parsed shape CI tools read.
type parsedSuites struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Suites   []struct {
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Skipped  int          `xml:"skipped,attr"`
		Time     string       `xml:"time,attr"`
		Cases    []parsedCase `xml:"testcase"`
	} `xml:"testsuite"`
}

type parsedCase struct {
	Name      string `xml:"name,attr"`
	Classname string `xml:"classname,attr"`
	Time      string `xml:"time,attr"`
	Failure   *struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Body    string `xml:",chardata"`
	} `xml:"failure"`
	Error *struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
	} `xml:"error"`
	Skipped *struct {
		Message string `xml:"message,attr"`
	} `xml:"skipped"`
	SystemOut string `xml:"system-out"`
}

func parseJUnit(t *testing.T, doc []byte) (parsedSuites, map[string]parsedCase) {
	t.Helper()
	wellFormed(t, doc)
	var p parsedSuites
	if err := xml.Unmarshal(doc, &p); err != nil {
		t.Fatal(err)
	}
	cases := map[string]parsedCase{}
	tests, fails, errs := 0, 0, 0
	for _, s := range p.Suites {
		f, e, k := 0, 0, 0
		for _, c := range s.Cases {
			cases[c.Name] = c
			if c.Failure != nil {
				f++
			}
			if c.Error != nil {
				e++
			}
			if c.Skipped != nil {
				k++
			}
		}
		if s.Tests != len(s.Cases) || s.Failures != f || s.Errors != e || s.Skipped != k {
			t.Errorf("%s: counts %d/%d/%d/%d do not match its cases %d/%d/%d/%d", s.Name,
				s.Tests, s.Failures, s.Errors, s.Skipped, len(s.Cases), f, e, k)
		}
		if k > 0 {
			t.Errorf("%s: %d skipped testcases: an unknown verdict is an error, never a skip", s.Name, k)
		}
		tests, fails, errs = tests+s.Tests, fails+s.Failures, errs+s.Errors
	}
	if p.Tests != tests || p.Failures != fails || p.Errors != errs {
		t.Errorf("testsuites totals %d/%d/%d, sum of suites %d/%d/%d", p.Tests, p.Failures, p.Errors, tests, fails, errs)
	}
	return p, cases
}

func TestJUnitStructure(t *testing.T) {
	s := fixtureSuite()
	p, cases := parseJUnit(t, render(t, JUnit{}, s))
	// One testcase per scenario × version, plus the interrupted marker.
	if len(cases) != len(s.Runs)+1 {
		t.Fatalf("got %d testcases, want %d runs + the interrupted marker", len(cases), len(s.Runs))
	}
	scenarios := map[string]bool{}
	for _, r := range s.Runs {
		scenarios[r.Scenario] = true
	}
	if len(p.Suites) != len(scenarios)+1 {
		t.Errorf("got %d testsuites, want one per scenario (%d) + the interrupted marker", len(p.Suites), len(scenarios))
	}

	// The FROM side of 0.9.17 → 0.9.22.1 showed the defect: a pass that
	// says so, with the evidence in its output.
	old := cases["reconnect-storm @ 0.9.17"]
	if old.Failure != nil || old.Error != nil {
		t.Fatalf("the expected defect on the FROM side is not a pass: %+v", old)
	}
	if old.Classname != "xrdp-harness.reconnect-storm" || old.Time != "60.000" {
		t.Errorf("classname %q time %q", old.Classname, old.Time)
	}
	for _, want := range []string{"defect reproduced as expected", "fixed on 0.9.22.1", "+12.4s  pid 311 [reconnectwm.sh] <defunct>",
		"what to do: Known SIGCHLD", "<script>alert('x')</script>"} {
		if !strings.Contains(old.SystemOut, want) {
			t.Errorf("FROM output lacks %q:\n%s", want, old.SystemOut)
		}
	}
	// A version that must be valid and is not: a failure with the evidence.
	hd := cases["high-display @ 0.9.22.1"]
	if hd.Failure == nil || hd.Failure.Type != "invalid" || !strings.Contains(hd.Failure.Body, "== port-conflicts") {
		t.Errorf("invalid TO side: %+v", hd)
	}
	// Could not judge: errors, never skips.
	if c := cases["freeze-sesman @ 0.9.22.1"]; c.Error == nil {
		t.Errorf("a partial run must be an error: %+v", c)
	}
	boot := cases["reconnect-storm @ 0.9.24"]
	if boot.Error == nil || boot.Error.Type != "run-error" || !strings.Contains(boot.Error.Message, "Unable to locate package") {
		t.Errorf("a run that never started must be an errored testcase: %+v", boot)
	}
	// The log line is text (CDATA), never an element.
	d := xml.NewDecoder(bytes.NewReader(render(t, JUnit{}, s)))
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "script" {
			t.Fatal("a log line became a <script> element")
		}
	}
}

// The JUnit outcome agrees with the judgement the exit status comes from:
// a failing testcase for every Fail, an error for every Error.
func TestJUnitAgreesWithJudge(t *testing.T) {
	for name, s := range map[string]Suite{
		"fixture": fixtureSuite(),
		"proof missing": suiteOf([][2]string{{"old", "new"}}, judgedRun("storm", "old", harness.Valid),
			judgedRun("storm", "new", harness.Valid)),
		"proven": suiteOf([][2]string{{"old", "new"}}, judgedRun("storm", "old", harness.Invalid),
			judgedRun("storm", "new", harness.Valid)),
	} {
		t.Run(name, func(t *testing.T) {
			p, cases := parseJUnit(t, render(t, JUnit{}, s))
			j := Judge(s)
			for i, r := range s.Runs {
				c := cases[r.Label()]
				got := Pass
				if c.Failure != nil {
					got = Fail
				} else if c.Error != nil {
					got = Error
				}
				if got != j.Runs[i].Status {
					t.Errorf("%s: junit %s, judgement %s", r.Label(), got, j.Runs[i].Status)
				}
			}
			if (p.Failures > 0) != (j.Status == Fail) && !s.Interrupted {
				t.Errorf("suite: %d failures, judgement %s", p.Failures, j.Status)
			}
		})
	}
	c := func() parsedCase {
		_, cases := parseJUnit(t, render(t, JUnit{}, suiteOf([][2]string{{"old", "new"}},
			judgedRun("storm", "old", harness.Valid), judgedRun("storm", "new", harness.Valid))))
		return cases["storm @ old"]
	}()
	if c.Failure == nil || c.Failure.Type != "not-reproduced" {
		t.Errorf("a FROM side that did not show the defect must fail: %+v", c)
	}
}

// TestJUnitSchema validates the reports against testdata/junit.xsd with
// xmllint (Debian's libxml2-utils; ci/install-deps.sh installs it).
func TestJUnitSchema(t *testing.T) {
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Fatal("xmllint not found: install libxml2-utils (ci/install-deps.sh does)")
	}
	dir := t.TempDir()
	suites := map[string]Suite{"fixture": fixtureSuite(), "empty": {Name: "empty"},
		"in-progress": func() Suite { s := fixtureSuite(); s.Interrupted, s.InProgress = false, true; return s }()}
	for name, s := range suites {
		f := filepath.Join(dir, name+".xml")
		if err := os.WriteFile(f, render(t, JUnit{}, s), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(xmllint, "--noout", "--schema", "testdata/junit.xsd", f).CombinedOutput()
		if err != nil {
			t.Errorf("%s does not validate against testdata/junit.xsd: %v\n%s", name, err, out)
		}
	}
	// The schema is not a rubber stamp: a testcase without a name fails.
	bad := filepath.Join(dir, "bad.xml")
	os.WriteFile(bad, []byte(`<testsuites><testsuite name="s" tests="1" failures="0" errors="0"><testcase/></testsuite></testsuites>`), 0o644)
	if out, err := exec.Command(xmllint, "--noout", "--schema", "testdata/junit.xsd", bad).CombinedOutput(); err == nil {
		t.Errorf("a testcase without a name validates:\n%s", out)
	}
}

// Control characters from a log line are not allowed in XML 1.0; they must
// not make the document unreadable.
func TestJUnitControlCharacters(t *testing.T) {
	s := fixtureSuite()
	s.Interrupted = false
	for i := range s.Runs {
		for j := range s.Runs[i].Verdicts {
			s.Runs[i].Verdicts[j].Valid = "invalid"
			s.Runs[i].Verdicts[j].Summary = "bell \x07 escape \x1b[31m nul \x00 end \xff"
			s.Runs[i].Verdicts[j].Evidence = append(s.Runs[i].Verdicts[j].Evidence,
				ev(1, "cdata end ]]> and \x1b[0m reset"))
		}
		s.Runs[i].Err = "err with \x00"
	}
	wellFormed(t, render(t, JUnit{}, s))
}
