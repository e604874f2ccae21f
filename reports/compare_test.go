package reports

import (
	"reflect"
	"testing"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

func TestChangeOf(t *testing.T) {
	for _, tc := range []struct {
		from, to harness.Validity
		want     Change
	}{
		{I, V, Fixed},
		{V, I, Regressed},
		{U, I, Regressed},
		{V, V, Same},
		{I, I, Same},
		{U, U, Same},
		{I, U, Unclear},
		{V, U, Unclear},
		{U, V, Unclear},
		{"", V, Missing},
		{I, "", Missing},
	} {
		if got := ChangeOf(tc.from, tc.to); got != tc.want {
			t.Errorf("ChangeOf(%s, %s) = %s, want %s", tc.from, tc.to, got, tc.want)
		}
	}
}

func run(scenario, version string, vs ...harness.Verdict) Run {
	return Run{Scenario: scenario, Version: version, Flavour: "debian", Verdicts: vs}
}

func vd(checker string, v harness.Validity, metrics map[string]float64) harness.Verdict {
	return harness.Verdict{Checker: checker, Valid: v, Metrics: metrics}
}

func f(x float64) *float64 { return &x }

func TestCompare(t *testing.T) {
	s := Suite{Runs: []Run{
		run("storm", "0.9.22.1", vd("zombies", V, map[string]float64{"zombies_max": 1}), vd("login-latency", V, map[string]float64{"latency_p99_s": 1.9, "error_rate": 0})),
		run("storm", "0.9.17", vd("zombies", I, map[string]float64{"zombies_max": 40}), vd("login-latency", V, map[string]float64{"latency_p99_s": 2.5, "error_rate": 0})),
		run("freeze", "0.9.17", vd("recovery-time", V, map[string]float64{"recovery_max_s": 2})),
		run("freeze", "0.9.22.1", vd("recovery-time", I, map[string]float64{"recovery_max_s": 30})),
		run("ports", "0.9.17", vd("port-conflicts", I, nil)),
		run("ports", "0.9.22.1", vd("port-conflicts", I, nil)),
		// Two repeats on 0.9.22.1: merged, worst first.
		run("leak", "0.9.17", vd("session-leaks", V, nil)),
		run("leak", "0.9.22.1", vd("session-leaks", V, map[string]float64{"zombies_max": 0})),
		run("leak", "0.9.22.1", vd("session-leaks", U, map[string]float64{"zombies_max": 3})),
		run("only-old", "0.9.17", vd("zombies", V, nil)),
		run("other-version", "0.9.21.1", vd("zombies", I, nil)),
	}}
	c := Compare(s, "0.9.17", "0.9.22.1")
	want := Comparison{From: "0.9.17", To: "0.9.22.1", Rows: []ComparisonRow{
		{Scenario: "freeze", From: V, To: I, Change: Regressed,
			Checkers: []CheckerChange{{"recovery-time", V, I, Regressed}},
			Metrics:  []MetricDelta{{Name: "recovery_max_s", From: f(2), To: f(30)}}},
		{Scenario: "leak", From: V, To: U, Change: Unclear,
			Checkers: []CheckerChange{{"session-leaks", V, U, Unclear}},
			Metrics:  []MetricDelta{{Name: "zombies_max", To: f(3)}},
			Note:     "2 runs on 0.9.22.1 merged (worst verdict, highest metrics)"},
		{Scenario: "only-old", From: V, Change: Missing,
			Checkers: []CheckerChange{{"zombies", V, "", Missing}}},
		{Scenario: "ports", From: I, To: I, Change: Same,
			Checkers: []CheckerChange{{"port-conflicts", I, I, Same}}},
		{Scenario: "storm", From: I, To: V, Change: Fixed,
			Checkers: []CheckerChange{{"zombies", I, V, Fixed}, {"login-latency", V, V, Same}},
			Metrics: []MetricDelta{{Name: "zombies_max", From: f(40), To: f(1)},
				{Name: "latency_p99_s", From: f(2.5), To: f(1.9)}, {Name: "error_rate", From: f(0), To: f(0)}}},
	}}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Compare =\n%+v\nwant\n%+v", c, want)
	}
	if d, ok := c.Rows[4].Metrics[0].Delta(); !ok || d != -39 {
		t.Errorf("zombies delta %v %v", d, ok)
	}
	if _, ok := c.Rows[1].Metrics[0].Delta(); ok {
		t.Error("a delta with one side unmeasured")
	}
}

// A version built two ways is compared by "version/flavour".
func TestCompareFlavour(t *testing.T) {
	deb := run("storm", "0.9.21.1", vd("zombies", V, nil))
	src := run("storm", "0.9.21.1", vd("zombies", I, nil))
	src.Flavour = "source"
	c := Compare(Suite{Runs: []Run{deb, src}}, "0.9.21.1/debian", "0.9.21.1/source")
	if len(c.Rows) != 1 || c.Rows[0].Change != Regressed {
		t.Errorf("flavour compare: %+v", c.Rows)
	}
}
