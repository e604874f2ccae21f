package reports

import (
	"strings"
	"testing"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// judgedRun is a run with one verdict of the given validity.
func judgedRun(scenario, version string, v harness.Validity) Run {
	r := Run{Scenario: scenario, Version: version,
		Verdicts: []harness.Verdict{{Checker: "zombies", Target: "xrdp-" + version, Valid: v, Summary: "synthetic " + string(v)}}}
	r.Validity = r.Outcome()
	return r
}

func suiteOf(compare [][2]string, runs ...Run) Suite {
	s := Suite{Name: "t", Runs: runs}
	for _, c := range compare {
		s.Comparisons = append(s.Comparisons, Compare(s, c[0], c[1]))
	}
	return s
}

func TestJudge(t *testing.T) {
	up := [][2]string{{"old", "new"}}
	cases := []struct {
		name     string
		s        Suite
		status   Status
		runs     []Status
		headline string
	}{
		{"defect on FROM, fixed on TO",
			suiteOf(up, judgedRun("storm", "old", harness.Invalid), judgedRun("storm", "new", harness.Valid)),
			Pass, []Status{Pass, Pass}, "upgrade proven: the defect shows on old (FROM) and is fixed on new (TO)"},
		{"FROM valid in a scenario that does not exercise it, shown by another",
			suiteOf(up, judgedRun("baseline", "old", harness.Valid), judgedRun("storm", "old", harness.Invalid),
				judgedRun("baseline", "new", harness.Valid), judgedRun("storm", "new", harness.Valid)),
			Pass, []Status{Pass, Pass, Pass, Pass}, "upgrade proven"},
		{"FROM shows nothing: the proof is missing",
			suiteOf(up, judgedRun("storm", "old", harness.Valid), judgedRun("storm", "new", harness.Valid)),
			Fail, []Status{Fail, Pass}, "the defect did not show on old in any scenario"},
		{"TO still broken",
			suiteOf(up, judgedRun("storm", "old", harness.Invalid), judgedRun("storm", "new", harness.Invalid)),
			Fail, []Status{Pass, Fail}, "not as expected: storm @ new: invalid: zombies"},
		{"unknown is an error on either side",
			suiteOf(up, judgedRun("storm", "old", harness.Unknown), judgedRun("storm", "new", harness.Valid)),
			Error, []Status{Error, Pass}, "could not judge: storm @ old: unknown: zombies"},
		{"a run that erred",
			suiteOf(nil, Run{Scenario: "storm", Version: "new", Err: "build xrdp: exit 1"}),
			Error, []Status{Error}, "could not run: build xrdp: exit 1"},
		{"fail wins over error",
			suiteOf(nil, judgedRun("a", "new", harness.Unknown), judgedRun("b", "new", harness.Invalid)),
			Fail, []Status{Error, Fail}, "not as expected: b @ new"},
		{"no comparison, all valid",
			suiteOf(nil, judgedRun("a", "new", harness.Valid)),
			Pass, []Status{Pass}, "all 1 runs valid"},
		{"a version both FROM and TO must be valid",
			suiteOf([][2]string{{"old", "mid"}, {"mid", "new"}}, judgedRun("a", "old", harness.Invalid),
				judgedRun("a", "mid", harness.Invalid), judgedRun("a", "new", harness.Valid)),
			Fail, []Status{Pass, Fail, Pass}, "a @ mid: invalid"},
		{"nothing ran", suiteOf(nil), Pass, nil, "nothing was judged"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j := Judge(c.s)
			if j.Status != c.status {
				t.Errorf("status %s, want %s (%s)", j.Status, c.status, j.Headline)
			}
			if len(j.Runs) != len(c.runs) {
				t.Fatalf("%d run judgements, want %d", len(j.Runs), len(c.runs))
			}
			for i, want := range c.runs {
				if j.Runs[i].Status != want {
					t.Errorf("run %s: %s (%s), want %s", c.s.Runs[i].Label(), j.Runs[i].Status, j.Runs[i].Why, want)
				}
			}
			if !strings.Contains(j.Headline, c.headline) {
				t.Errorf("headline %q, want it to contain %q", j.Headline, c.headline)
			}
		})
	}
}

func TestJudgeFromSideSaysReproduced(t *testing.T) {
	j := Judge(suiteOf([][2]string{{"old", "new"}}, judgedRun("storm", "old", harness.Invalid), judgedRun("storm", "new", harness.Valid)))
	got := j.Runs[0]
	if got.Expect != ExpectDefect || !strings.Contains(got.Why, "defect reproduced as expected (zombies); fixed on new") {
		t.Errorf("FROM judgement %+v", got)
	}
}

func TestMatrixColumnsInGivenOrder(t *testing.T) {
	s := suiteOf(nil, judgedRun("a", "0.9.24", harness.Valid), judgedRun("a", "0.10.1", harness.Valid),
		judgedRun("a", "0.9.21.1+sigchld-reap-one", harness.Invalid), judgedRun("a", "0.9.9", harness.Valid))
	s.Versions = []string{"0.9.21.1+sigchld-reap-one", "0.10.1", "0.9.24"}
	got := buildView(s, nil, 0).Matrix.Columns
	want := []string{"0.9.21.1+sigchld-reap-one", "0.10.1", "0.9.24", "0.9.9"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("columns %v, want %v (given order, then the rest)", got, want)
	}
	s.Versions = nil
	if got := buildView(s, nil, 0).Matrix.Columns; got[0] != "0.9.9" {
		t.Errorf("without a given order, columns are oldest first: %v", got)
	}
}
