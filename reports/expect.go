package reports

import (
	"fmt"
	"slices"
	"strings"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Expectation is what a run is expected to show. A version on the FROM side
// of a comparison is the one being upgraded from: it is expected to show
// the defect the upgrade fixes. Every other run is expected to be valid.
type Expectation string

const (
	ExpectValid  Expectation = "valid"
	ExpectDefect Expectation = "defect" // the FROM side of a comparison
)

// Status is whether a run met its expectation, as CI reads it: pass, fail
// (a defect where none was expected, or a FROM side whose defect did not
// show), or error (the run could not be judged: it erred, stopped early or
// a checker answered unknown).
type Status string

const (
	Pass  Status = "pass"
	Fail  Status = "fail"
	Error Status = "error"
)

// RunJudgement is one run measured against its expectation.
type RunJudgement struct {
	Expect Expectation
	Status Status
	// Why says in one line why the status is what it is.
	Why string
}

// Judgement is the suite measured against its expectations: one entry per
// run, in the order of Suite.Runs, and the suite's headline.
type Judgement struct {
	Runs     []RunJudgement
	Status   Status
	Headline string
}

// Judge measures every run of s against its expectation. A FROM-side run
// that is invalid passes (the defect was reproduced as expected). A
// FROM-side run that is valid passes when another scenario showed the
// defect on that version (this scenario does not exercise it) and fails
// when none did: the upgrade's proof is missing. Unknown is an error on
// either side. The suite fails when a run fails, else errs when one errs.
func Judge(s Suite) Judgement {
	from, to := comparisonSides(s)
	// reproduced: FROM versions on which some run showed the defect.
	reproduced := map[string]bool{}
	for _, r := range s.Runs {
		if v := sideOf(r, from); v != "" && !isTo(r, to) && r.Outcome() == harness.Invalid {
			reproduced[v] = true
		}
	}
	j := Judgement{Status: Pass}
	for _, r := range s.Runs {
		j.Runs = append(j.Runs, judgeRun(r, sideOf(r, from), isTo(r, to), reproduced, s))
	}
	var failed, erred []string
	for i, rj := range j.Runs {
		switch rj.Status {
		case Fail:
			failed = append(failed, s.Runs[i].Label()+": "+rj.Why)
		case Error:
			erred = append(erred, s.Runs[i].Label()+": "+rj.Why)
		}
	}
	switch {
	case len(failed) > 0:
		j.Status = Fail
	case len(erred) > 0:
		j.Status = Error
	}
	j.Headline = headline(s, j, failed, erred, from, reproduced)
	return j
}

func judgeRun(r Run, fromV string, onTo bool, reproduced map[string]bool, s Suite) RunJudgement {
	out := r.Outcome()
	if fromV == "" || onTo {
		switch out {
		case harness.Valid:
			return RunJudgement{ExpectValid, Pass, "valid"}
		case harness.Invalid:
			return RunJudgement{ExpectValid, Fail, "invalid: " + strings.Join(invalidCheckers(r), ", ")}
		}
		return RunJudgement{ExpectValid, Error, unknownWhy(r)}
	}
	switch out {
	case harness.Invalid:
		why := "defect reproduced as expected (" + strings.Join(invalidCheckers(r), ", ") + ")"
		if fixed := fixedOn(s, r.Scenario, fromV); len(fixed) > 0 {
			why += "; fixed on " + strings.Join(fixed, ", ")
		}
		return RunJudgement{ExpectDefect, Pass, why}
	case harness.Valid:
		if reproduced[fromV] {
			return RunJudgement{ExpectDefect, Pass, "valid: this scenario does not exercise the defect (other scenarios show it on " + fromV + ")"}
		}
		return RunJudgement{ExpectDefect, Fail, "the defect did not show on " + fromV + " in any scenario: the upgrade proof is missing"}
	}
	return RunJudgement{ExpectDefect, Error, unknownWhy(r)}
}

func headline(s Suite, j Judgement, failed, erred []string, from []string, reproduced map[string]bool) string {
	var h string
	first := func(l []string) string {
		if len(l) > 1 {
			return fmt.Sprintf("%s (and %d more)", l[0], len(l)-1)
		}
		return l[0]
	}
	switch {
	case len(s.Runs) == 0:
		h = "nothing was judged: no run finished"
	case len(failed) > 0:
		h = "not as expected: " + first(failed)
	case len(erred) > 0:
		h = "could not judge: " + first(erred)
	case len(s.Comparisons) > 0:
		var tos []string
		for _, c := range s.Comparisons {
			if !slices.Contains(tos, c.To) {
				tos = append(tos, c.To)
			}
		}
		var shown []string
		for _, f := range from {
			if reproduced[f] {
				shown = append(shown, f)
			}
		}
		h = "upgrade proven: the defect shows on " + strings.Join(shown, ", ") + " (FROM) and is fixed on " + strings.Join(tos, ", ") + " (TO)"
	default:
		h = fmt.Sprintf("all %d runs valid", len(s.Runs))
	}
	switch {
	case s.Interrupted:
		h += " — interrupted: partial report"
	case s.InProgress:
		h += " — in progress: more runs follow"
	}
	return h
}

// comparisonSides lists the FROM and TO versions of the suite's comparisons,
// in their order.
func comparisonSides(s Suite) (from, to []string) {
	for _, c := range s.Comparisons {
		if !slices.Contains(from, c.From) {
			from = append(from, c.From)
		}
		if !slices.Contains(to, c.To) {
			to = append(to, c.To)
		}
	}
	return from, to
}

// sideOf is the FROM version r runs on, "" when it is none.
func sideOf(r Run, from []string) string {
	for _, v := range from {
		if matchVersion(r, v) {
			return v
		}
	}
	return ""
}

// isTo reports whether r runs on a TO version: a version that is also
// upgraded to must be valid, whatever else it is compared with.
func isTo(r Run, to []string) bool {
	for _, v := range to {
		if matchVersion(r, v) {
			return true
		}
	}
	return false
}

// fixedOn lists the TO versions of comparisons from fromV on which the
// scenario's defect is fixed.
func fixedOn(s Suite, scenario, fromV string) []string {
	var out []string
	for _, c := range s.Comparisons {
		if c.From != fromV {
			continue
		}
		for _, row := range c.Rows {
			if row.Scenario == scenario && row.Change == Fixed {
				out = append(out, c.To)
			}
		}
	}
	return out
}

func invalidCheckers(r Run) []string {
	var out []string
	for _, v := range r.Verdicts {
		if v.Valid == harness.Invalid && !slices.Contains(out, v.Checker) {
			out = append(out, v.Checker)
		}
	}
	return out
}

func unknownWhy(r Run) string {
	switch {
	case r.Err != "":
		return "could not run: " + oneLine(r.Err)
	case r.Partial:
		why := "stopped before its plan ended"
		if r.Record != nil && r.Record.Abort != "" {
			why += ": " + oneLine(r.Record.Abort)
		}
		return why
	case len(r.Verdicts) == 0:
		return "not judged: no verdict"
	}
	var unk []string
	for _, v := range r.Verdicts {
		if v.Valid != harness.Valid && v.Valid != harness.Invalid {
			unk = append(unk, v.Checker+": "+oneLine(v.Summary))
		}
	}
	return "unknown: " + strings.Join(unk, "; ")
}
