package reports

import (
	"fmt"
	"slices"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Change is how a verdict moved between two versions.
type Change string

const (
	Fixed     Change = "fixed"     // invalid → valid
	Regressed Change = "regressed" // valid or unknown → invalid
	Same      Change = "same"      // no change
	Unclear   Change = "unclear"   // to or from unknown, not into invalid
	Missing   Change = "missing"   // no run on one of the two sides
)

// ChangeOf classifies a move from one validity to another. An empty
// validity means "not run".
func ChangeOf(from, to harness.Validity) Change {
	switch {
	case from == "" || to == "":
		return Missing
	case from == to:
		return Same
	case to == harness.Invalid:
		return Regressed
	case from == harness.Invalid && to == harness.Valid:
		return Fixed
	default:
		return Unclear
	}
}

// Comparison sets the runs of one version beside those of another, scenario
// by scenario: what an upgrade from From to To fixes and breaks.
type Comparison struct {
	From string          `json:"from"`
	To   string          `json:"to"`
	Rows []ComparisonRow `json:"rows"`
}

// ComparisonRow is one scenario on both versions.
type ComparisonRow struct {
	Scenario string           `json:"scenario"`
	From     harness.Validity `json:"from,omitempty"` // empty: not run on From
	To       harness.Validity `json:"to,omitempty"`
	Change   Change           `json:"change"`
	// Checkers lists every checker's move, in the order the checkers ran.
	Checkers []CheckerChange `json:"checkers,omitempty"`
	// Metrics are the key figures (KeyMetrics) on both sides.
	Metrics []MetricDelta `json:"metrics,omitempty"`
	Note    string        `json:"note,omitempty"`
}

// CheckerChange is one checker's move (its targets merged, worst first).
type CheckerChange struct {
	Checker string           `json:"checker"`
	From    harness.Validity `json:"from,omitempty"`
	To      harness.Validity `json:"to,omitempty"`
	Change  Change           `json:"change"`
}

// MetricDelta is one metric on both sides; nil means not measured.
type MetricDelta struct {
	Name string   `json:"name"`
	From *float64 `json:"from,omitempty"`
	To   *float64 `json:"to,omitempty"`
}

// Delta is To-From, and whether both sides were measured.
func (d MetricDelta) Delta() (float64, bool) {
	if d.From == nil || d.To == nil {
		return 0, false
	}
	return *d.To - *d.From, true
}

// KeyMetrics are the checker metrics a comparison shows, in order: the
// highest zombie count, the slowest recovery after a fault, the login p99
// and the login error rate. For each, lower is better.
func KeyMetrics() []string {
	return []string{"zombies_max", "recovery_max_s", "latency_p99_s", "error_rate"}
}

// metricLabel is how reports title a metric.
func metricLabel(name string) string {
	switch name {
	case "zombies_max":
		return "zombies (max)"
	case "recovery_max_s":
		return "recovery (max)"
	case "latency_p99_s":
		return "login p99"
	case "error_rate":
		return "error rate"
	}
	return name
}

// Compare sets the runs on version from beside those on version to. A
// version matches a run's Version, or "version/flavour" when one version was
// built both ways. Several runs of one scenario on one side (repeats) are
// merged: the worst validity and the highest value of each metric, and the
// row's Note says so.
func Compare(s Suite, from, to string) Comparison {
	c := Comparison{From: from, To: to}
	var scenarios []string
	side := map[string][2][]Run{}
	for _, r := range s.sorted().Runs {
		for i, v := range [2]string{from, to} {
			if matchVersion(r, v) {
				if _, ok := side[r.Scenario]; !ok {
					scenarios = append(scenarios, r.Scenario)
				}
				sd := side[r.Scenario]
				sd[i] = append(sd[i], r)
				side[r.Scenario] = sd
			}
		}
	}
	slices.Sort(scenarios)
	for _, sc := range scenarios {
		c.Rows = append(c.Rows, compareRow(sc, side[sc][0], side[sc][1], from, to))
	}
	return c
}

func matchVersion(r Run, v string) bool {
	return r.Version == v || (r.Flavour != "" && r.Version+"/"+r.Flavour == v)
}

func compareRow(scenario string, from, to []Run, fromV, toV string) ComparisonRow {
	row := ComparisonRow{Scenario: scenario, From: mergedOutcome(from), To: mergedOutcome(to)}
	row.Change = ChangeOf(row.From, row.To)
	var notes []string
	for _, x := range []struct {
		runs []Run
		v    string
	}{{from, fromV}, {to, toV}} {
		if len(x.runs) > 1 {
			notes = append(notes, fmt.Sprintf("%d runs on %s merged (worst verdict, highest metrics)", len(x.runs), x.v))
		}
	}
	if len(notes) > 0 {
		row.Note = notes[0]
		if len(notes) > 1 {
			row.Note += "; " + notes[1]
		}
	}

	fc, tc := checkerValidities(from), checkerValidities(to)
	var names []string
	for _, cv := range append(slices.Clone(fc), tc...) {
		if !slices.Contains(names, cv.name) {
			names = append(names, cv.name)
		}
	}
	for _, n := range names {
		cc := CheckerChange{Checker: n, From: lookupValidity(fc, n), To: lookupValidity(tc, n)}
		cc.Change = ChangeOf(cc.From, cc.To)
		row.Checkers = append(row.Checkers, cc)
	}
	for _, m := range KeyMetrics() {
		d := MetricDelta{Name: m, From: maxMetric(from, m), To: maxMetric(to, m)}
		if d.From != nil || d.To != nil {
			row.Metrics = append(row.Metrics, d)
		}
	}
	return row
}

func mergedOutcome(runs []Run) harness.Validity {
	if len(runs) == 0 {
		return ""
	}
	vs := make([]harness.Validity, len(runs))
	for i, r := range runs {
		vs[i] = r.Outcome()
	}
	return Overall(vs...)
}

type checkerValidity struct {
	name string
	v    harness.Validity
}

// checkerValidities merges each checker's verdicts over targets and runs,
// in first-seen order.
func checkerValidities(runs []Run) []checkerValidity {
	var out []checkerValidity
	for _, r := range runs {
		for _, v := range r.Verdicts {
			i := slices.IndexFunc(out, func(c checkerValidity) bool { return c.name == v.Checker })
			if i < 0 {
				out = append(out, checkerValidity{v.Checker, v.Valid})
				continue
			}
			out[i].v = Overall(out[i].v, v.Valid)
		}
	}
	return out
}

func lookupValidity(cs []checkerValidity, name string) harness.Validity {
	for _, c := range cs {
		if c.name == name {
			return c.v
		}
	}
	return ""
}

// maxMetric is the highest value of metric name over the runs' verdicts;
// nil when no verdict carries it.
func maxMetric(runs []Run, name string) *float64 {
	var out *float64
	for _, r := range runs {
		if v, ok := runMetric(r, name); ok && (out == nil || v > *out) {
			out = &v
		}
	}
	return out
}

// runMetric is the highest value of metric name over one run's verdicts.
func runMetric(r Run, name string) (float64, bool) {
	best, found := 0.0, false
	for _, v := range r.Verdicts {
		if x, ok := v.Metrics[name]; ok && (!found || x > best) {
			best, found = x, true
		}
	}
	return best, found
}
