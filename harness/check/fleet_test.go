package check

import (
	"testing"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

func TestFleetVerdicts(t *testing.T) {
	rec := &harness.Record{Targets: []harness.TargetInfo{{Name: "front", Flavour: "front"}, {Name: "a"}, {Name: "b"}}}
	v := func(c, tg string, valid harness.Validity) harness.Verdict {
		return harness.Verdict{Checker: c, Target: tg, Valid: valid, Summary: "x"}
	}
	vs := []harness.Verdict{
		v("zombies", "front", harness.Unknown), v("zombies", "a", harness.Valid), v("zombies", "b", harness.Valid),
		v("stale-sessions", "a", harness.Invalid), v("stale-sessions", "b", harness.Valid),
		v("login-latency", "a", harness.Unknown), v("login-latency", "b", harness.Valid),
	}
	got := FleetVerdicts(rec, vs)
	want := map[string]harness.Validity{"zombies": harness.Valid, "stale-sessions": harness.Invalid, "login-latency": harness.Unknown}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for _, g := range got {
		if g.Target != FleetTarget || g.Valid != want[g.Checker] {
			t.Errorf("%s: %s %q, want %s (the front is not a host)", g.Checker, g.Valid, g.Summary, want[g.Checker])
		}
	}
	if got[1].Summary != "invalid on a (1 of 2 hosts)" {
		t.Errorf("summary %q", got[1].Summary)
	}
	if FleetVerdicts(&harness.Record{Targets: []harness.TargetInfo{{Name: "a"}}}, vs) != nil {
		t.Error("one host: want no fleet verdicts")
	}
}
