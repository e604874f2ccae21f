package check

import (
	"fmt"
	"testing"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// t0 is the start of every synthetic record; at(s) is s seconds later.
var t0 = time.Date(2026, 11, 25, 3, 20, 0, 0, time.UTC)

func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

// builder writes synthetic Records that read like the run they describe.
// Process ids follow a convention: 1 tini, 10 main sesman, 11 xrdp, and a
// session S has its child sesman at S, Xvnc at S+1, chansrv at S+2 and the
// window manager at S+3.
type builder struct {
	r      harness.Record
	target string
}

func newBuilder() *builder {
	b := &builder{}
	b.r.Scenario = "synthetic"
	b.r.Started = t0
	return b.on("t1")
}

// on makes target the subject of the following calls (declaring it as a
// 0.9.21.1 Debian target with Policy=Default the first time).
func (b *builder) on(target string) *builder {
	b.target = target
	for _, t := range b.r.Targets {
		if t.Name == target {
			return b
		}
	}
	b.r.Targets = append(b.r.Targets, harness.TargetInfo{Name: target, Version: "0.9.21.1", Flavour: "debian",
		Policy: "Default", MaxSessions: 50, DisplayOffset: 10, Users: 10})
	return b
}

func (b *builder) info() *harness.TargetInfo {
	for i := range b.r.Targets {
		if b.r.Targets[i].Name == b.target {
			return &b.r.Targets[i]
		}
	}
	panic("no target " + b.target)
}

func (b *builder) version(v string) *builder { b.info().Version = v; return b }
func (b *builder) end(s float64) *builder    { b.r.Ended = at(s); return b }

func (b *builder) ev(e harness.ProcEvent) *builder {
	e.Target = b.target
	b.r.Procs = append(b.r.Procs, e)
	return b
}

func (b *builder) proc(s float64, pid, ppid int, comm, args string) *builder {
	return b.ev(harness.ProcEvent{Time: at(s), Kind: harness.ProcStart, PID: pid, PPID: ppid, Comm: comm,
		Args: args, State: "S", Born: at(s)})
}

func (b *builder) zombieProc(s float64, pid, ppid int, comm string) *builder {
	return b.ev(harness.ProcEvent{Time: at(s), Kind: harness.ProcStart, PID: pid, PPID: ppid, Comm: comm,
		State: "Z", Born: at(s)})
}

func (b *builder) zombie(s float64, pid int) *builder {
	return b.ev(harness.ProcEvent{Time: at(s), Kind: harness.ProcState, PID: pid, State: "Z"})
}

func (b *builder) exit(s float64, pid int) *builder {
	return b.ev(harness.ProcEvent{Time: at(s), Kind: harness.ProcExit, PID: pid})
}

func (b *builder) reparent(s float64, pid, ppid int) *builder {
	return b.ev(harness.ProcEvent{Time: at(s), Kind: harness.ProcReparent, PID: pid, PPID: ppid})
}

func (b *builder) listen(s float64, port, pid int) *builder {
	return b.ev(harness.ProcEvent{Time: at(s), Kind: harness.Listen, Addr: "127.0.0.1", Port: port, PID: pid})
}

func (b *builder) unlisten(s float64, port int) *builder {
	return b.ev(harness.ProcEvent{Time: at(s), Kind: harness.Unlisten, Addr: "127.0.0.1", Port: port})
}

// ticks adds one sampler tick per second over [from, to].
func (b *builder) ticks(from, to float64) *builder {
	for s := from; s <= to+1e-9; s++ {
		b.r.Ticks = append(b.r.Ticks, harness.Tick{Time: at(s), Target: b.target, Samples: 4})
	}
	return b
}

func (b *builder) log(s float64, src harness.LogSource, text string) *builder {
	b.r.Logs = append(b.r.Logs, harness.LogLine{Time: at(s), Target: b.target, Source: src, Text: text})
	return b
}

// xrdpLog and sesmanLog add lines in xrdp's own format (stamp and level).
func (b *builder) xrdpLog(s float64, text string) *builder {
	return b.log(s, harness.LogXrdp, fmt.Sprintf("[%s] [INFO ] %s", at(s).Format(stampLayout), text))
}

func (b *builder) sesmanLog(s float64, text string) *builder {
	return b.log(s, harness.LogSesman, fmt.Sprintf("[%s] [INFO ] %s", at(s).Format(stampLayout), text))
}

// op adds an operation; edits adjust the fields the call does not set.
func (b *builder) op(kind harness.OpKind, user string, from, to float64, out harness.Outcome,
	edits ...func(*harness.Op)) *builder {
	op := harness.Op{ID: len(b.r.Ops) + 1, Target: b.target, User: user, Kind: kind,
		Start: at(from), End: at(to), Outcome: out, Display: -1}
	for _, e := range edits {
		e(&op)
	}
	b.r.Ops = append(b.r.Ops, op)
	return b
}

func client(name string) func(*harness.Op) { return func(o *harness.Op) { o.Client = name } }
func reason(r string) func(*harness.Op)    { return func(o *harness.Op) { o.Reason = r } }
func display(d int) func(*harness.Op)      { return func(o *harness.Op) { o.Display = d } }

func (b *builder) fault(name string, inject, heal float64) *builder {
	w := harness.FaultWindow{Name: name, Target: b.target, Inject: at(inject)}
	if heal > 0 {
		w.Heal = at(heal)
	}
	b.r.Faults = append(b.r.Faults, w)
	return b
}

// lab adds the first snapshot of a healthy target at s: tini, the main
// sesman and xrdp with their listening sockets.
func (b *builder) lab(s float64) *builder {
	return b.proc(s, 1, 0, "tini", "/usr/bin/tini -- /entrypoint.sh").
		proc(s, 10, 1, "xrdp-sesman", "xrdp-sesman").
		proc(s, 11, 1, "xrdp", "xrdp").
		listen(s, 3350, 10).listen(s, 3389, 11)
}

// session starts session S on display d at s, its Xvnc listening 0.2 s later.
func (b *builder) session(s float64, sess, d int) *builder {
	return b.proc(s, sess, 10, "xrdp-sesman", "xrdp-sesman").
		proc(s, sess+1, sess, "Xvnc", fmt.Sprintf("Xvnc :%d -auth .Xauthority -geometry 1024x768 -depth 24 -nolisten tcp -localhost", d)).
		proc(s+0.1, sess+2, sess, "xrdp-chansrv", "/usr/sbin/xrdp-chansrv").
		proc(s+0.1, sess+3, sess, "sleep", "sleep infinity").
		listen(s+0.2, 5900+d, sess+1)
}

// endSession ends session S cleanly at s (window manager killed, X server
// and chansrv stopped, session child reaped).
func (b *builder) endSession(s float64, sess, d int) *builder {
	return b.exit(s, sess+3).unlisten(s+0.1, 5900+d).exit(s+0.1, sess+1).exit(s+0.1, sess+2).exit(s+0.2, sess)
}

func (b *builder) record() *harness.Record { return &b.r }

// one runs a checker and returns its only verdict.
func one(t *testing.T, c harness.Checker, r *harness.Record) harness.Verdict {
	t.Helper()
	vs := c.Check(r)
	if len(vs) != 1 {
		t.Fatalf("%s: got %d verdicts, want 1: %+v", c.Name(), len(vs), vs)
	}
	if vs[0].Checker != c.Name() {
		t.Errorf("verdict names checker %q, want %q", vs[0].Checker, c.Name())
	}
	return vs[0]
}

// expect compares a verdict's validity and logs it on mismatch.
func expect(t *testing.T, v harness.Verdict, want harness.Validity) {
	t.Helper()
	if v.Valid != want {
		t.Errorf("got %s, want %s: %s", v.Valid, want, v.Summary)
		for _, e := range v.Evidence {
			t.Logf("  evidence %s %s", e.Time.Sub(t0), e.What)
		}
	}
}

// checkCase is one row of a detector's table test.
type checkCase struct {
	name    string
	build   func() *builder
	opts    []Option
	want    harness.Validity
	metrics map[string]float64
	mention string
}

// runCases runs a detector over each case's record and checks the verdict,
// the named metrics and, when given, a phrase of the summary or evidence.
func runCases(t *testing.T, mk func(Config) harness.Checker, cases []checkCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := NewConfig(tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			v := one(t, mk(cfg), tc.build().record())
			expect(t, v, tc.want)
			for k, want := range tc.metrics {
				// A missing metric is an error, not a zero.
				if got, ok := v.Metrics[k]; !ok {
					t.Errorf("metric %s missing (%v)", k, v.Metrics)
				} else if fmt.Sprintf("%.3f", got) != fmt.Sprintf("%.3f", want) { // to 3 decimals
					t.Errorf("metric %s = %v, want %v (%v)", k, got, want, v.Metrics)
				}
			}
			if tc.mention != "" && !mentions(v, tc.mention) {
				t.Errorf("verdict does not mention %q: %s %+v", tc.mention, v.Summary, v.Evidence)
			}
		})
	}
}
