package scenarios

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/harness/lint"
	"github.com/xrdp-harness/xrdp-harness/reports"
)

// ProveOptions are the runs lint --prove makes.
type ProveOptions struct {
	Builder *containers.Builder
	// Versions are the run's versions; a finding is proved on those of them
	// it names.
	Versions []Version
	RunID    string
	// OnRun is called after each proof run (progress, partial reports).
	OnRun func(reports.Suite)
}

// Prove runs, for each finding that names a scenario (lint.Rule.Scenario),
// that built-in scenario on each version the finding affects, and marks
// the finding: confirmed on a version when the run there was invalid (the
// checkers saw the trap), not confirmed when it was valid or could not be
// judged (the detail says which). The scenario runs as written (its own
// target settings reach the trap); it shows that the version has the trap
// the finding says the operator's settings walk into. It returns the
// findings with their proofs and the suite of proof runs.
func Prove(ctx context.Context, findings []lint.Finding, o ProveOptions) ([]lint.Finding, reports.Suite, error) {
	out := slices.Clone(findings)
	suite := reports.Suite{Name: "xrdp-harness lint --prove"}
	for i, f := range out {
		if f.Scenario == "" {
			continue
		}
		spec, err := Builtin(f.Scenario)
		if err != nil {
			return out, suite, fmt.Errorf("scenarios: prove %s: %w", f.Rule, err)
		}
		for _, label := range f.Versions {
			vi := slices.IndexFunc(o.Versions, func(v Version) bool { return v.Label == label })
			if vi < 0 {
				continue
			}
			v := o.Versions[vi]
			p := lint.Proof{Version: label}
			if !spec.AppliesTo(v.Image.Version) {
				p.Detail = fmt.Sprintf("scenario %s does not run on %s", spec.Name, label)
				out[i].Proofs = append(out[i].Proofs, p)
				continue
			}
			s, err := RunSuite(ctx, SuiteOptions{Name: suite.Name, Scenarios: []Spec{spec}, Versions: []Version{v}, Builder: o.Builder, RunID: o.RunID})
			suite.Runs = append(suite.Runs, s.Runs...)
			if o.OnRun != nil {
				o.OnRun(suite)
			}
			if err != nil {
				return out, suite, err
			}
			p.Confirmed, p.Detail = judgeProof(spec.Name, s.Runs)
			out[i].Proofs = append(out[i].Proofs, p)
		}
	}
	return out, suite, nil
}

// judgeProof reads the proof run: invalid confirms the trap.
func judgeProof(scenario string, runs []reports.Run) (bool, string) {
	if len(runs) != 1 {
		return false, fmt.Sprintf("scenario %s made %d runs, want 1", scenario, len(runs))
	}
	r := runs[0]
	var bad []string
	for _, v := range r.Verdicts {
		if v.Valid == harness.Invalid {
			bad = append(bad, v.Checker+": "+v.Summary)
		}
	}
	switch r.Outcome() {
	case harness.Invalid:
		return true, fmt.Sprintf("%s invalid: %s", r.Label(), strings.Join(bad, "; "))
	case harness.Valid:
		return false, fmt.Sprintf("%s valid: the trap did not show", r.Label())
	default:
		why := r.Err
		if why == "" {
			why = "partial or unjudged run"
		}
		return false, fmt.Sprintf("%s unknown: %s", r.Label(), why)
	}
}
