package reports

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
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
	Skipped  int `xml:"skipped,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Errors   int    `xml:"errors,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Time     string `xml:"time,attr"`
		Cases    []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Time      string `xml:"time,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Body    string `xml:",chardata"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
			} `xml:"error"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestJUnitStructure(t *testing.T) {
	doc := render(t, JUnit{}, fixtureSuite())
	wellFormed(t, doc)
	var p parsedSuites
	if err := xml.Unmarshal(doc, &p); err != nil {
		t.Fatal(err)
	}
	// 9 runs + the interrupted marker.
	if len(p.Suites) != 10 {
		t.Fatalf("got %d testsuites, want 10", len(p.Suites))
	}
	tests, fails, errs, skips := 0, 0, 0, 0
	byName := map[string]int{}
	for i, s := range p.Suites {
		byName[s.Name] = i
		f, e, k := 0, 0, 0
		for _, c := range s.Cases {
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
		tests, fails, errs, skips = tests+s.Tests, fails+s.Failures, errs+s.Errors, skips+s.Skipped
	}
	if p.Tests != tests || p.Failures != fails || p.Errors != errs || p.Skipped != skips {
		t.Errorf("testsuites totals %d/%d/%d/%d, sum of suites %d/%d/%d/%d", p.Tests, p.Failures, p.Errors, p.Skipped, tests, fails, errs, skips)
	}

	old := p.Suites[byName["reconnect-storm @ 0.9.17"]]
	if old.Time != "60.000" {
		t.Errorf("suite time %q, want 60.000", old.Time)
	}
	var zombies, vnc bool
	for _, c := range old.Cases {
		if c.Classname != "reconnect-storm.0_9_17" {
			t.Errorf("classname %q", c.Classname)
		}
		switch c.Name {
		case "zombies":
			zombies = true
			if c.Failure == nil {
				t.Fatal("zombies on 0.9.17 is not a failure")
			}
			if !strings.HasPrefix(c.Failure.Message, "40 zombies defunct") {
				t.Errorf("failure message %q", c.Failure.Message)
			}
			for _, want := range []string{"+12.4s  pid 311 [reconnectwm.sh] <defunct>", "zombies_max=42", "what to do: Known SIGCHLD"} {
				if !strings.Contains(c.Failure.Body, want) {
					t.Errorf("failure body lacks %q:\n%s", want, c.Failure.Body)
				}
			}
		case "vnc-errors":
			vnc = true
			if c.Failure == nil || !strings.Contains(c.Failure.Body, "<script>alert('x')</script>") {
				t.Error("the log line did not survive XML escaping intact")
			}
		}
	}
	if !zombies || !vnc {
		t.Error("zombies or vnc-errors testcase missing")
	}
	// The log line is text (CDATA), never an element.
	d := xml.NewDecoder(bytes.NewReader(doc))
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "script" {
			t.Fatal("a log line became a <script> element")
		}
	}

	partial := p.Suites[byName["freeze-sesman @ 0.9.22.1"]]
	if partial.Errors != 1 || partial.Skipped != 1 {
		t.Errorf("partial run: %d errors, %d skipped; want the run error and the unknown recovery-time", partial.Errors, partial.Skipped)
	}
	boot := p.Suites[byName["reconnect-storm @ 0.9.24"]]
	if len(boot.Cases) != 1 || boot.Cases[0].Error == nil || !strings.Contains(boot.Cases[0].Error.Message, "Unable to locate package") {
		t.Errorf("a run that never started must be one errored testcase: %+v", boot.Cases)
	}
	if _, ok := byName["nightly (interrupted)"]; !ok {
		t.Error("the interrupted suite has no marker testsuite")
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
