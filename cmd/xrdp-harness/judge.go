package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/harness/check"
	"github.com/xrdp-harness/xrdp-harness/harness/fleet"
	"github.com/xrdp-harness/xrdp-harness/harness/knee"
	"github.com/xrdp-harness/xrdp-harness/reports"
	"github.com/xrdp-harness/xrdp-harness/scenarios"
)

// judgeFlags are the flags of `judge`.
type judgeFlags struct {
	scenarios listFlag
	checks    []string
	out       string
	formats   listFlag
}

func newJudgeCmd() *cobra.Command {
	var f judgeFlags
	cmd := &cobra.Command{
		Use:   "judge REPORT.json [flags]",
		Short: "judge the Records of a saved report.json again, without Docker",
		Long: `Reads a report.json, runs the checkers of each run's scenario again on its
saved Record (checkers are pure functions of the Record: no container is
started), recomputes the comparisons and rewrites every report format.
--check overrides a threshold of every scenario's checks (the names of the
scenario file's checks: section). A scenario that is not built in is found
with --scenario FILE. A report written with its raw events left out cannot be
judged again; a report of another schema version is refused with the version
that wrote it.

` + exitStatusHelp,
		Example: `  xrdp-harness judge out/report.json
  xrdp-harness judge out/report.json --check maxP99=3s --check maxErrorRate=0.01 --out rejudged/
  xrdp-harness judge saved/report.json --scenario ./my-storm.yaml --format junit`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError(cmd, fmt.Errorf("want one argument, the report.json to judge, got %d", len(args)))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return judgeReport(args[0], &f, cmd.OutOrStdout())
		},
	}
	fs := cmd.Flags()
	fs.Var(&f.scenarios, "scenario", "scenario file (or built-in name) for runs whose scenario is not built in; repeatable")
	fs.StringArrayVar(&f.checks, "check", nil, "threshold override KEY=VALUE, e.g. maxP99=3s, maxErrorRate=0.01, maxRecovery=20s, skip=zombies; repeatable")
	fs.StringVar(&f.out, "out", "", "directory for the rewritten reports (default: the report's own directory)")
	fs.Var(&f.formats, "format", "report formats, comma-separated: "+strings.Join(reports.Formats(), ", ")+" (default: all)")
	return cmd
}

func judgeReport(path string, f *judgeFlags, stdout io.Writer) error {
	fh, err := os.Open(path)
	if err != nil {
		return badInput(fmt.Errorf("open report: %w", err))
	}
	saved, err := reports.ReadJSON(fh)
	fh.Close()
	if err != nil {
		return badInput(fmt.Errorf("%s: %w", path, err))
	}
	specs, formats, err := f.resolve(saved)
	if err != nil {
		return badInput(err)
	}
	suite := saved
	suite.Runs = nil
	suite.Comparisons = nil
	suite.InProgress = false
	for _, r := range saved.Runs {
		nr, err := rejudge(r, specs[r.Scenario])
		if err != nil {
			return badInput(fmt.Errorf("%s: %w", r.Label(), err))
		}
		suite.Runs = append(suite.Runs, nr)
	}
	for _, c := range saved.Comparisons {
		suite.Comparisons = append(suite.Comparisons, reports.Compare(suite, c.From, c.To))
	}
	note := "judged again by xrdp-harness " + buildVersion().String() + " from " + path
	if len(f.checks) > 0 {
		note += " with " + strings.Join(f.checks, ", ")
	}
	suite.Notes = append(suite.Notes, note)
	suite.Harness = buildVersion().String()
	out := f.out
	if out == "" {
		out = filepath.Dir(path)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("create report dir: %w", err)
	}
	if err := writeReports(out, formats, suite); err != nil {
		return err
	}
	judged := reports.Judge(suite)
	summarize(stdout, suite, judged, out, formats)
	return verdictExit(judged)
}

// resolve finds the scenario of every run of the report, with the --check
// overrides applied, and checks the formats: every problem at once.
func (f *judgeFlags) resolve(saved reports.Suite) (map[string]scenarios.Spec, []string, error) {
	var errs []error
	given := map[string]scenarios.Spec{}
	for _, n := range f.scenarios {
		s, err := scenarios.Load(n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		given[s.Name] = s
	}
	overrides, err := checkOverrides(f.checks)
	errs = append(errs, err)
	specs := map[string]scenarios.Spec{}
	for _, r := range saved.Runs {
		if _, done := specs[r.Scenario]; done || r.Record == nil {
			continue
		}
		s, ok := given[r.Scenario]
		if !ok {
			if s, err = scenarios.Builtin(r.Scenario); err != nil {
				errs = append(errs, fmt.Errorf("scenario %q of %s is not built in: give its file with --scenario FILE.yaml", r.Scenario, r.Label()))
				continue
			}
		}
		if overrides != nil {
			dec := yaml.NewDecoder(bytes.NewReader(overrides))
			dec.KnownFields(true)
			if err := dec.Decode(&s.Checks); err != nil {
				errs = append(errs, fmt.Errorf("--check: %w (keys are those of a scenario's checks: section, e.g. maxP99=3s)", err))
				break
			}
		}
		if verrs := s.Validate(); len(verrs) > 0 {
			errs = append(errs, fmt.Errorf("scenario %s with the --check overrides: %w", s.Name, errors.Join(verrs...)))
			continue
		}
		specs[r.Scenario] = s
	}
	formats := []string(f.formats)
	if len(formats) == 0 {
		formats = reports.Formats()
	}
	for _, fm := range formats {
		if _, err := reports.WriterFor(fm); err != nil {
			errs = append(errs, err)
		}
	}
	return specs, formats, errors.Join(errs...)
}

// checkOverrides turns KEY=VALUE pairs into a YAML checks: mapping, so the
// scenario decoder types and checks them ("skip" takes a comma list).
func checkOverrides(pairs []string) ([]byte, error) {
	if len(pairs) == 0 {
		return nil, nil
	}
	m := map[string]any{}
	var errs []error
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" || v == "" {
			errs = append(errs, fmt.Errorf("--check %q: want KEY=VALUE, e.g. maxP99=3s", p))
			continue
		}
		var val any
		if err := yaml.Unmarshal([]byte(v), &val); err != nil {
			errs = append(errs, fmt.Errorf("--check %q: %w", p, err))
			continue
		}
		if k == "skip" || k == "expectAuthFailures" {
			val = strings.Split(v, ",")
		}
		m[k] = val
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return yaml.Marshal(m)
}

// rejudge runs spec's checkers on r's Record. A run without a Record (it
// never started) stays as it was.
func rejudge(r reports.Run, spec scenarios.Spec) (reports.Run, error) {
	rec := r.Record
	if rec == nil {
		return r, nil
	}
	if len(rec.Ops)+len(rec.Procs)+len(rec.Ticks)+len(rec.Logs) == 0 && r.Events.Ops+r.Events.Procs+r.Events.Ticks+r.Events.Logs > 0 {
		return r, errors.New("the report was written without its raw events (JSON OmitEvents): there is nothing to judge again")
	}
	checkers, err := spec.Checkers()
	if err != nil {
		return r, err
	}
	// A fleet's ops saved on its front (a Record from before the engine
	// attributed them) go to the hosts that served them; a no-op otherwise.
	fleet.Attribute(rec, 0)
	var verdicts []harness.Verdict
	for _, c := range checkers {
		verdicts = append(verdicts, harness.SafeCheck(c, rec)...)
	}
	verdicts = append(verdicts, check.FleetVerdicts(rec, verdicts)...)
	verdicts = append(verdicts, harness.PanicVerdicts(rec)...)
	r.Verdicts = verdicts
	r.Validity = r.Outcome()
	// The capacity figure too, with the nodes the saved run projected to
	// (the host it ran on, not the one judging).
	var nodes []knee.Node
	if r.Capacity != nil && r.Capacity.Knee != nil {
		for _, p := range r.Capacity.Knee.Projections {
			nodes = append(nodes, knee.Node{Name: p.Node, Cores: p.Cores, MemGiB: p.MemGiB})
		}
	}
	if c := spec.CapacityOf(rec, nodes); c != nil {
		r.Capacity = c
	}
	return r, nil
}
