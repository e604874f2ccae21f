package reports_test

import (
	"fmt"
	"os"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/reports"
)

// A pre-upgrade check: the same scenario on the installed and the candidate
// version, compared.
func ExampleCompare() {
	start := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
	run := func(version string, zombies float64, v harness.Validity) reports.Run {
		rec := &harness.Record{Scenario: "reconnect-storm", Started: start, Ended: start.Add(time.Minute),
			Targets: []harness.TargetInfo{{Name: "xrdp-" + version, Version: version, Flavour: "debian"}}}
		return reports.NewRun(rec, []harness.Verdict{{Checker: "zombies", Target: "xrdp-" + version, Valid: v,
			Summary: "…", Metrics: map[string]float64{"zombies_max": zombies}}}, nil)
	}
	s := reports.Suite{Name: "upgrade", Runs: []reports.Run{run("0.9.17", 40, harness.Invalid), run("0.9.22.1", 1, harness.Valid)}}
	c := reports.Compare(s, "0.9.17", "0.9.22.1")
	for _, row := range c.Rows {
		d, _ := row.Metrics[0].Delta()
		fmt.Printf("%s: %s → %s (%s), %s %+.0f\n", row.Scenario, row.From, row.To, row.Change, row.Metrics[0].Name, d)
	}
	// Output:
	// reconnect-storm: invalid → valid (fixed), zombies_max -39
}

// How the CLI drives a run with live progress and writes the reports.
func ExampleProgress() {
	p, err := reports.NewProgress(os.Stderr) // bars on a terminal, plain lines in CI
	if err != nil {
		panic(err)
	}
	defer p.Wait() // also on Ctrl-C: unfinished runs show as stopped

	tr := p.Track("reconnect-storm @ 0.9.17", 200)
	// rec, err := harness.Run(ctx, plan, harness.WithProgress(tr.C()))
	var rec *harness.Record
	var runErr error
	tr.Finish(rec, runErr)
}
