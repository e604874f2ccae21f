package reports

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/harness/check"
)

// defectRecord reads like xrdp 0.9.17 under a reconnect storm with a port
// squatted at display 118: reconnectwm.sh zombies pile up under the main
// sesman, and Xvnc :118 cannot bind 6018.
func defectRecord() *harness.Record {
	tg := "xrdp-0.9.17"
	r := &harness.Record{Scenario: "storm-and-squat", Started: t0, Ended: at(60),
		Targets: []harness.TargetInfo{{Name: tg, Version: "0.9.17", Flavour: "source", Policy: "Default",
			MaxSessions: 50, DisplayOffset: 110, Users: 2}}}
	proc := func(s float64, pid, ppid int, comm, args string) {
		r.Procs = append(r.Procs, harness.ProcEvent{Time: at(s), Target: tg, Kind: harness.ProcStart, PID: pid,
			PPID: ppid, Comm: comm, Args: args, State: "S", Born: at(s)})
	}
	listen := func(s float64, port, pid int) {
		r.Procs = append(r.Procs, harness.ProcEvent{Time: at(s), Target: tg, Kind: harness.Listen, Addr: "127.0.0.1", Port: port, PID: pid})
	}
	proc(0, 1, 0, "tini", "/usr/bin/tini -- /entrypoint.sh")
	proc(0, 10, 1, "xrdp-sesman", "xrdp-sesman")
	proc(0, 11, 1, "xrdp", "xrdp")
	listen(0, 3350, 10)
	listen(0, 3389, 11)
	proc(1, 900, 1, "nc", "nc -l 6018")
	listen(1, 6018, 900)
	proc(5, 1200, 10, "xrdp-sesman", "xrdp-sesman")
	proc(5, 1201, 1200, "Xvnc", "Xvnc :118 -geometry 1024x768 -depth 24 -nolisten tcp -localhost")
	proc(5.1, 1203, 1200, "sleep", "sleep infinity")
	for i := range 30 {
		s := 10 + float64(i)
		proc(s, 2000+i, 10, "reconnectwm.sh", "/bin/sh /etc/xrdp/reconnectwm.sh")
		r.Procs = append(r.Procs, harness.ProcEvent{Time: at(s + 0.1), Target: tg, Kind: harness.ProcState, PID: 2000 + i, State: "Z"})
	}
	for s := 0; s <= 60; s++ {
		z := max(0, min(30, s-10))
		r.Ticks = append(r.Ticks, harness.Tick{Time: at(float64(s)), Target: tg, Zombies: z, Sessions: 1, Samples: 4})
	}
	for i := range 20 {
		r.Ops = append(r.Ops, harness.Op{ID: i + 1, Target: tg, User: "u1", Kind: harness.OpReconnect, Outcome: harness.OK,
			Start: at(10 + float64(i)), End: at(11.5 + float64(i)), Display: 118})
	}
	return r
}

// The advice table's patterns match what the real checkers write.
func TestAdviceOnRealCheckerOutput(t *testing.T) {
	checkers, err := check.Default()
	if err != nil {
		t.Fatal(err)
	}
	rec := defectRecord()
	var vs []harness.Verdict
	for _, c := range checkers {
		vs = append(vs, c.Check(rec)...)
	}
	byName := map[string]harness.Verdict{}
	for _, v := range vs {
		byName[v.Checker] = v
	}
	for _, name := range []string{"zombies", "port-conflicts"} {
		if byName[name].Valid != harness.Invalid {
			t.Fatalf("the record was meant to make %s invalid: %s %s", name, byName[name].Valid, byName[name].Summary)
		}
	}
	run := NewRun(rec, vs, nil)
	for name, want := range map[string]string{
		"zombies":        "Known SIGCHLD reaping defect of xrdp < 0.9.19",
		"port-conflicts": "Keep X11DisplayOffset + MaxSessions < 100",
	} {
		if got := adviceFor(DefaultAdvice(), run.Version, byName[name], vs); !strings.Contains(got, want) {
			t.Errorf("%s: advice %q, want %q\n  summary: %s\n  evidence: %+v", name, got, want, byName[name].Summary, byName[name].Evidence)
		}
	}
	s := Suite{Name: "real", Started: t0, Ended: at(60), Runs: []Run{run}}
	for _, f := range Formats() {
		w, _ := WriterFor(f)
		if len(render(t, w, s)) == 0 {
			t.Errorf("%s: empty output", f)
		}
	}
}

// A Record of a real 0.9.21.1 storm (kept by the check package) renders in
// every format, and HTML and JUnit parse.
func TestRealRecordRenders(t *testing.T) {
	raw, err := os.ReadFile("../harness/check/testdata/storm-0.9.21.1.json")
	if err != nil {
		t.Skipf("real record not available: %v", err)
	}
	var rec harness.Record
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	checkers, _ := check.Default()
	var vs []harness.Verdict
	for _, c := range checkers {
		vs = append(vs, c.Check(&rec)...)
	}
	run := NewRun(&rec, vs, nil)
	if run.Version != "0.9.21.1" || len(run.Verdicts) == 0 {
		t.Fatalf("run %+v", run)
	}
	s := Suite{Name: "real", Started: rec.Started, Ended: rec.Ended, Runs: []Run{run}}
	page := render(t, HTML{}, s)
	parseHTML(t, page)
	if !bytes.Contains(page, []byte("<svg")) {
		t.Error("no chart for a record with ticks")
	}
	wellFormed(t, render(t, JUnit{}, s))
}
