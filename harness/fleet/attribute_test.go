package fleet

import (
	"strings"
	"testing"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/harness/check"
)

var t0 = time.Date(2026, 12, 1, 13, 0, 0, 0, time.UTC)

func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

// balanced is a Record of three hosts behind a front, as a run through
// HAProxy leaves it: every op on the front, each host's xrdp logging the
// client names of the connections it served (lines as v0.9.21.1 writes
// them).
func balanced() *harness.Record {
	r := &harness.Record{Targets: []harness.TargetInfo{
		{Name: FrontName, Flavour: harness.FlavourFront}, {Name: "xrdp-a"}, {Name: "xrdp-b"}, {Name: "xrdp-c"}}}
	op := func(id int, user, client string, kind harness.OpKind, s, e float64, out harness.Outcome) {
		r.Ops = append(r.Ops, harness.Op{ID: id, Target: FrontName, User: user, Client: client, Kind: kind,
			Start: at(s), End: at(e), Outcome: out})
	}
	logged := func(target, client string, t float64) {
		r.Logs = append(r.Logs, harness.LogLine{Time: at(t), Target: target, Source: harness.LogXrdp,
			Text: "[20261201-13:00:00] [INFO ] [pid:169 tid:140327404492608] Connected client computer name: " + client})
	}
	op(1, "user1", "xh000000001", harness.OpLogin, 0, 1.5, harness.OK)
	op(2, "user1", "xh000000001", harness.OpDisconnect, 2.3, 2.4, harness.OK)
	op(3, "user2", "xh000000002", harness.OpLogin, 0, 1.6, harness.OK)
	op(4, "user2", "xh000000002", harness.OpDisconnect, 2.4, 2.5, harness.OK)
	op(5, "user1", "xh000000003", harness.OpReconnect, 3, 4.4, harness.OK)
	// Refused by the balancer: no host ever saw it.
	op(6, "user2", "xh000000004", harness.OpReconnect, 3, 3.1, harness.Fail)
	logged("xrdp-a", "xh000000001", 0.2)
	logged("xrdp-b", "xh000000002", 0.3)
	logged("xrdp-c", "xh000000003", 3.2)
	return r
}

func TestAttributeNamesTheHostThatLoggedTheClient(t *testing.T) {
	r := balanced()
	a := Attribute(r, 0)
	if a.Moved != 5 || a.Stayed != 1 || a.Ambiguous != 0 {
		t.Fatalf("attribution %+v, want 5 moved and 1 stayed", a)
	}
	want := map[int]string{1: "xrdp-a", 2: "xrdp-a", 3: "xrdp-b", 4: "xrdp-b", 5: "xrdp-c", 6: FrontName}
	for _, op := range r.Ops {
		if op.Target != want[op.ID] {
			t.Errorf("op %d (%s %s): on %s, want %s", op.ID, op.Kind, op.Client, op.Target, want[op.ID])
		}
		if via := map[bool]string{true: "", false: FrontName}[op.ID == 6]; op.Via != via {
			t.Errorf("op %d: via %q, want %q", op.ID, op.Via, via)
		}
	}
	if len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "5 of 6 ops") {
		t.Errorf("notes %q", r.Notes)
	}
	// Twice is once.
	if again := Attribute(r, 0); again.Moved != 0 || again.Stayed != 1 || len(r.Notes) != 1 {
		t.Errorf("second pass %+v, notes %q: want nothing moved and one note", again, r.Notes)
	}
}

func TestAttributeSettlesANameTwoHostsLoggedByTime(t *testing.T) {
	r := balanced()
	// An older line with the same name on another host (a previous run's
	// log on an ssh host): the one inside the op's window wins.
	r.Logs = append(r.Logs, harness.LogLine{Time: at(-600), Target: "xrdp-c", Source: harness.LogXrdp,
		Text: "[INFO ] Connected client computer name: xh000000001"})
	Attribute(r, 0)
	if r.Ops[0].Target != "xrdp-a" {
		t.Errorf("op 1 on %s, want xrdp-a", r.Ops[0].Target)
	}

	r = balanced()
	r.Logs = append(r.Logs, harness.LogLine{Time: at(0.4), Target: "xrdp-c", Source: harness.LogXrdp,
		Text: "[INFO ] Connected client computer name: xh000000001"})
	a := Attribute(r, 0)
	if r.Ops[0].Target != FrontName || a.Ambiguous != 1 {
		t.Errorf("two hosts in the window: op 1 on %s (%+v), want it left on the front, ambiguous", r.Ops[0].Target, a)
	}
}

func TestAttributedRecordIsJudgedPerHost(t *testing.T) {
	r := balanced()
	before := latency(r)
	if _, ok := before["xrdp-a"]; !ok || before["xrdp-a"].Valid != harness.Unknown {
		t.Fatalf("before: xrdp-a %+v, want unknown (its logins are on the front)", before["xrdp-a"])
	}
	Attribute(r, 0)
	after := latency(r)
	for _, h := range []string{"xrdp-a", "xrdp-b", "xrdp-c"} {
		if after[h].Valid != harness.Valid {
			t.Errorf("%s: %s %q, want valid", h, after[h].Valid, after[h].Summary)
		}
	}
	if f := after[FrontName]; f.Valid != harness.Invalid || f.Metrics["ops"] != 1 {
		t.Errorf("front: %s %q, want invalid over the 1 login that reached no host", f.Valid, f.Summary)
	}
	vs := []harness.Verdict{}
	for _, v := range after {
		vs = append(vs, v)
	}
	fl := check.FleetVerdicts(r, vs)
	if len(fl) != 1 || fl[0].Valid != harness.Invalid || fl[0].Metrics["hosts"] != 3 {
		t.Errorf("fleet %+v, want invalid over 3 hosts", fl)
	}
}

func latency(r *harness.Record) map[string]harness.Verdict {
	out := map[string]harness.Verdict{}
	for _, v := range (check.Latency{}).Check(r) {
		out[v.Target] = v
	}
	return out
}

func TestAttributeSaysWhyNothingMoved(t *testing.T) {
	r := balanced()
	r.Logs = nil // a host whose xrdp logs above INFO
	a := Attribute(r, 0)
	if a.Moved != 0 || a.Stayed != 6 {
		t.Fatalf("attribution %+v: want every op left on the front", a)
	}
	if len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "LogLevel above INFO") {
		t.Errorf("notes %q: want the likely cause named", r.Notes)
	}
}
