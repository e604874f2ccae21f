// Package reports turns judged runs into what people and CI read: JSON (the
// whole suite, re-readable), JUnit XML (CI test results), Markdown (a job
// summary or a pull-request comment), one self-contained HTML file with
// charts, and live progress bars while runs are under way. With cmd/ it is
// the only place in xrdp-harness that prints.
//
// The model is small and serialisable: a Run is one scenario on one xrdp
// version (its Record, the checkers' Verdicts, optional Capacity figures), a
// Suite is the runs of one invocation plus the upgrade Comparisons asked for.
// Writers are values whose zero value is ready to use; they never mutate the
// Suite and render the same bytes for the same Suite (runs sorted by
// scenario and version, metrics by name; no map order, no clock).
//
// A caller (the CLI, a scenario suite) does:
//
//	run := reports.NewRun(rec, verdicts, err)        // after harness.Run + checkers
//	suite.Runs = append(suite.Runs, run)
//	suite.Comparisons = append(suite.Comparisons, reports.Compare(suite, "0.9.17", "0.9.22.1"))
//	reports.HTML{}.Write(f, suite)
//
// What to do about an invalid verdict comes from an advice table (advice.go),
// plain data keyed by checker name, evidence pattern and version range.
package reports
