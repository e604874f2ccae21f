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
		v("login-latency", "front", harness.Valid),
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

func TestFleetVerdictsCountAnInvalidFront(t *testing.T) {
	rec := &harness.Record{Targets: []harness.TargetInfo{{Name: "front", Flavour: harness.FlavourFront}, {Name: "a"}, {Name: "b"}}}
	vs := []harness.Verdict{
		{Checker: "login-latency", Target: "a", Valid: harness.Valid},
		{Checker: "login-latency", Target: "b", Valid: harness.Valid},
		{Checker: "login-latency", Target: "front", Valid: harness.Invalid, Evidence: []harness.Evidence{{What: "fail (refused) ×1"}}},
	}
	got := FleetVerdicts(rec, vs)
	if len(got) != 1 || got[0].Valid != harness.Invalid || got[0].Metrics["hosts"] != 2 || len(got[0].Evidence) != 1 {
		t.Fatalf("logins that reached no host: want the fleet invalid over 2 hosts with the front's evidence, got %+v", got)
	}
	if want := "invalid on front: ops that reached no host (the 2 hosts: 2 valid, 0 unknown)"; got[0].Summary != want {
		t.Errorf("summary %q, want %q", got[0].Summary, want)
	}
}
