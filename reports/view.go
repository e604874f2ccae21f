package reports

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// view is what the Markdown and HTML writers render: the suite sorted and
// digested once, so that both say the same thing.
type view struct {
	Suite       Suite
	Outcome     harness.Validity
	Counts      counts
	Matrix      matrix
	Comparisons []Comparison
	Capacities  []capacityView
	Runs        []runView
}

type counts struct{ Total, Valid, Invalid, Unknown int }

type matrix struct {
	Columns []string
	Rows    []matrixRow
}

type matrixRow struct {
	Scenario string
	Cells    []matrixCell
}

// matrixCell is one scenario on one version: the runs' merged outcome and,
// when not valid, which checkers said so.
type matrixCell struct {
	Validity harness.Validity // "" when not run
	Text     string
	RunIDs   []string
}

type capacityView struct {
	RunID, Label string
	Capacity     Capacity
}

type runView struct {
	ID       string // anchor
	Run      Run
	Outcome  harness.Validity
	Base     time.Time // offsets are from here
	Ops      string    // "120 ops: 118 ok, 2 fail"
	Advice   []adviceView
	Verdicts []verdictView
	Faults   []faultView
	Key      []metricView // KeyMetrics of the run
	Notes    []string
	// EventsOmitted: the Record came from a JSON written with OmitEvents,
	// so there is nothing to chart.
	EventsOmitted bool
}

// eventsOmitted reports whether r's Record lost its raw events (JSON
// OmitEvents) while its counts say it had some.
func eventsOmitted(r Run) bool {
	return r.Record != nil && countEvents(r.Record).slim() && !r.Events.slim()
}

type adviceView struct{ Checker, Text string }

type verdictView struct {
	V        harness.Verdict
	Name     string // checker, or checker/target when the run has several targets
	Evidence []evidenceView
	Hidden   int // evidence items beyond the cap
	Metrics  []metricView
	Advice   string // what to do, for an invalid verdict
}

type evidenceView struct{ At, What string }

type metricView struct{ Name, Label, Value string }

type faultView struct {
	Name, Target, Detail, Inject, Heal, Held, Err string
}

// buildView digests s; maxEvidence caps each verdict's evidence (0: all).
func buildView(s Suite, advice []Advice, maxEvidence int) view {
	s = s.sorted()
	v := view{Suite: s, Outcome: s.Outcome(), Comparisons: s.Comparisons}
	for i, r := range s.Runs {
		rv := buildRunView(fmt.Sprintf("run-%d", i+1), r, advice, maxEvidence)
		v.Runs = append(v.Runs, rv)
		v.Counts.Total++
		switch rv.Outcome {
		case harness.Valid:
			v.Counts.Valid++
		case harness.Invalid:
			v.Counts.Invalid++
		default:
			v.Counts.Unknown++
		}
		if r.Capacity != nil {
			v.Capacities = append(v.Capacities, capacityView{RunID: rv.ID, Label: r.Label(), Capacity: *r.Capacity})
		}
	}
	v.Matrix = buildMatrix(v.Runs, s.Versions)
	return v
}

// column is one version (and flavour) of the matrix.
type column struct{ version, flavour string }

func buildMatrix(runs []runView, order []string) matrix {
	var cols []column
	var scenarios []string
	for _, rv := range runs {
		c := column{rv.Run.Version, rv.Run.Flavour}
		if !slices.Contains(cols, c) {
			cols = append(cols, c)
		}
		if !slices.Contains(scenarios, rv.Run.Scenario) {
			scenarios = append(scenarios, rv.Run.Scenario)
		}
	}
	rank := func(c column) int {
		if i := slices.Index(order, c.version); i >= 0 {
			return i
		}
		return len(order)
	}
	slices.SortFunc(cols, func(a, b column) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), compareVersions(a.version, b.version), cmp.Compare(a.flavour, b.flavour))
	})
	var m matrix
	for _, c := range cols {
		label := c.version
		if label == "" {
			label = "(version unknown)"
		}
		shared := 0
		for _, d := range cols {
			if d.version == c.version {
				shared++
			}
		}
		if shared > 1 && c.flavour != "" {
			label += " (" + c.flavour + ")"
		}
		m.Columns = append(m.Columns, label)
	}
	for _, sc := range scenarios {
		row := matrixRow{Scenario: sc}
		for _, c := range cols {
			var cell matrixCell
			var vs []harness.Validity
			var bad []string
			for _, rv := range runs {
				if rv.Run.Scenario != sc || rv.Run.Version != c.version || rv.Run.Flavour != c.flavour {
					continue
				}
				cell.RunIDs = append(cell.RunIDs, rv.ID)
				vs = append(vs, rv.Outcome)
				for _, vv := range rv.Verdicts {
					if vv.V.Valid == harness.Invalid && !slices.Contains(bad, vv.V.Checker) {
						bad = append(bad, vv.V.Checker)
					}
				}
				// A partial run's error is usually the cancellation itself.
				switch {
				case rv.Run.Partial && !slices.Contains(bad, "partial"):
					bad = append(bad, "partial")
				case !rv.Run.Partial && rv.Run.Err != "" && !slices.Contains(bad, "error"):
					bad = append(bad, "error")
				}
			}
			if len(vs) > 0 {
				cell.Validity = Overall(vs...)
				cell.Text = strings.Join(bad, ", ")
				if len(vs) > 1 {
					cell.Text = strings.TrimSpace(fmt.Sprintf("×%d %s", len(vs), cell.Text))
				}
			}
			row.Cells = append(row.Cells, cell)
		}
		m.Rows = append(m.Rows, row)
	}
	return m
}

func buildRunView(id string, r Run, advice []Advice, maxEvidence int) runView {
	rv := runView{ID: id, Run: r, Outcome: r.Outcome(), Base: r.Started}
	rec := r.Record
	if rec != nil && !rec.Started.IsZero() {
		rv.Base = rec.Started
	}
	if rec != nil && !rec.LabUp.IsZero() {
		rv.Base = rec.LabUp // charts and offsets start when the lab is up
	}
	targets := map[string]bool{}
	for _, v := range r.Verdicts {
		targets[v.Target] = true
	}
	multi := len(targets) > 1
	for _, v := range r.Verdicts {
		vv := verdictView{V: v, Name: v.Checker}
		if multi && v.Target != "" {
			vv.Name += "/" + v.Target
		}
		for i, e := range v.Evidence {
			if maxEvidence > 0 && i >= maxEvidence {
				vv.Hidden = len(v.Evidence) - i
				break
			}
			what := oneLine(e.What)
			if multi && e.Target != "" && e.Target != v.Target {
				what = e.Target + ": " + what
			}
			vv.Evidence = append(vv.Evidence, evidenceView{At: fmtOffset(e.Time, rv.Base), What: what})
		}
		vv.Metrics = sortedMetrics(v.Metrics)
		if v.Valid == harness.Invalid {
			vv.Advice = adviceFor(advice, r.Version, v, r.Verdicts)
		}
		rv.Verdicts = append(rv.Verdicts, vv)
		if text := vv.Advice; text != "" {
			if i := slices.IndexFunc(rv.Advice, func(a adviceView) bool { return a.Text == text }); i >= 0 {
				rv.Advice[i].Checker += ", " + vv.Name
			} else {
				rv.Advice = append(rv.Advice, adviceView{Checker: vv.Name, Text: text})
			}
		}
	}
	for _, m := range KeyMetrics() {
		if x, ok := runMetric(r, m); ok {
			rv.Key = append(rv.Key, metricView{Name: m, Label: metricLabel(m), Value: fmtMetric(m, x)})
		}
	}
	if r.Err != "" {
		rv.Notes = append(rv.Notes, "run error: "+oneLine(r.Err))
	}
	if rec != nil {
		if rec.Abort != "" && !strings.Contains(r.Err, rec.Abort) {
			rv.Notes = append(rv.Notes, "stopped early: "+oneLine(rec.Abort))
		}
		for _, n := range rec.Notes {
			rv.Notes = append(rv.Notes, oneLine(n))
		}
		rv.Ops = opsLine(rec.Ops)
		if rv.EventsOmitted = eventsOmitted(r); rv.EventsOmitted {
			rv.Ops = fmt.Sprintf("%d ops (raw events left out of this report's source)", r.Events.Ops)
		}
		for _, f := range sortedFaults(rec.Faults) {
			fv := faultView{Name: f.Name, Target: f.Target, Detail: oneLine(f.Detail), Err: oneLine(f.Err),
				Inject: fmtOffset(f.Inject, rv.Base), Heal: "—", Held: "—"}
			if !f.Heal.IsZero() {
				fv.Heal = fmtOffset(f.Heal, rv.Base)
				fv.Held = fmtDur(f.Heal.Sub(f.Inject))
			}
			rv.Faults = append(rv.Faults, fv)
		}
	}
	return rv
}

func sortedMetrics(m map[string]float64) []metricView {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	out := make([]metricView, len(names))
	for i, n := range names {
		out[i] = metricView{Name: n, Label: n, Value: fmtMetric(n, m[n])}
	}
	return out
}

func sortedFaults(fs []harness.FaultWindow) []harness.FaultWindow {
	out := slices.Clone(fs)
	slices.SortStableFunc(out, func(a, b harness.FaultWindow) int {
		return cmp.Or(a.Inject.Compare(b.Inject), cmp.Compare(a.Target, b.Target), cmp.Compare(a.Name, b.Name))
	})
	return out
}

// opsLine summarises ops by outcome: "120 ops: 118 ok, 2 fail".
func opsLine(ops []harness.Op) string {
	if len(ops) == 0 {
		return "no ops"
	}
	var ok, fail, info int
	for i := range ops {
		switch ops[i].Outcome {
		case harness.OK:
			ok++
		case harness.Fail:
			fail++
		default:
			info++
		}
	}
	s := fmt.Sprintf("%d ops: %d ok", len(ops), ok)
	if fail > 0 {
		s += fmt.Sprintf(", %d fail", fail)
	}
	if info > 0 {
		s += fmt.Sprintf(", %d info", info)
	}
	return s
}
