package reports

import (
	"fmt"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// t0 is the fixed start of the synthetic suite: goldens must not depend on
// the clock.
var t0 = time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)

func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

// recordSpec shapes a synthetic Record.
type recordSpec struct {
	scenario, version string
	start             float64 // seconds after t0
	seconds           int     // run length
	ops               int
	failEvery         int // every n-th op fails (0: none)
	zombieGrowth      int // zombies added per 10 s
	sessions          int
	faults            []harness.FaultWindow
	logs              []string // sesman lines, one per second from the start
}

// synthRecord builds a Record deterministically (no randomness: a simple
// recurrence spreads op times and durations).
func synthRecord(sp recordSpec) *harness.Record {
	start := at(sp.start)
	target := "xrdp-" + sp.version
	r := &harness.Record{
		Scenario: sp.scenario,
		Started:  start,
		Ended:    start.Add(time.Duration(sp.seconds) * time.Second),
		Targets: []harness.TargetInfo{{Name: target, Version: sp.version, Flavour: "debian",
			Image: "xrdp-harness/xrdp:" + sp.version + "-debian-0123456789ab", Policy: "Default",
			MaxSessions: 50, DisplayOffset: 10, Users: sp.sessions}},
	}
	x := uint32(12345)
	next := func() float64 { // deterministic LCG in [0,1)
		x = x*1664525 + 1013904223
		return float64(x>>8) / float64(1<<24)
	}
	for i := 0; i < sp.ops; i++ {
		s := float64(i) * float64(sp.seconds-5) / float64(max(sp.ops, 1))
		d := 0.8 + 1.2*next()
		op := harness.Op{ID: i + 1, Target: target, User: fmt.Sprintf("u%d", i%max(sp.sessions, 1)+1),
			Client: fmt.Sprintf("xh%09d", i), Kind: harness.OpReconnect, Outcome: harness.OK, Display: 10 + i%max(sp.sessions, 1),
			Start: start.Add(time.Duration(s * float64(time.Second))),
		}
		if i < sp.sessions {
			op.Kind = harness.OpLogin
		}
		if sp.failEvery > 0 && i%sp.failEvery == sp.failEvery-1 {
			op.Outcome, op.Reason, op.Err, op.Display = harness.Fail, "server-disconnect", "rdp: server sent disconnect", -1
			if i%(2*sp.failEvery) == 2*sp.failEvery-1 {
				op.Outcome, op.Reason, op.Err = harness.Info, "timeout", "rdp: read: i/o timeout"
				d += 8
			}
		}
		op.End = op.Start.Add(time.Duration(d * float64(time.Second)))
		r.Ops = append(r.Ops, op)
	}
	for s := 0; s <= sp.seconds; s++ {
		live := min(sp.sessions, s*sp.sessions/5)
		r.Ticks = append(r.Ticks, harness.Tick{Time: start.Add(time.Duration(s) * time.Second), Target: target,
			Procs: 20 + 3*live, Zombies: sp.zombieGrowth * s / 10, Sessions: live, Samples: 4})
	}
	r.Procs = append(r.Procs, harness.ProcEvent{Time: start, Target: target, Kind: harness.ProcStart, PID: 7,
		PPID: 1, Comm: "xrdp-sesman", Args: "/usr/sbin/xrdp-sesman --nodaemon", State: "S"})
	for _, w := range sp.faults {
		w.Target = target
		r.Faults = append(r.Faults, w)
	}
	for i, l := range sp.logs {
		r.Logs = append(r.Logs, harness.LogLine{Time: start.Add(time.Duration(i) * time.Second), Target: target,
			Source: harness.LogSesman, Text: l})
	}
	return r
}

func verdict(checker, target string, v harness.Validity, summary string, metrics map[string]float64, ev ...harness.Evidence) harness.Verdict {
	return harness.Verdict{Checker: checker, Target: target, Valid: v, Summary: summary, Metrics: metrics, Evidence: ev}
}

func ev(s float64, what string) harness.Evidence { return harness.Evidence{Time: at(s), What: what} }

// fixtureSuite is a suite that exercises every part of the reports: an old
// version with the SIGCHLD defect, the fixed versions, the display ≥ 100
// port defect on all, a fault recovery, a capacity ramp, a run that never
// started and a partial run of an interrupted suite. Runs are listed out of
// order on purpose.
func fixtureSuite() Suite {
	s := Suite{Name: "nightly", Started: t0, Ended: at(900), Interrupted: true,
		Notes: []string{"docker: 2 cores, 7.6 GB"}}

	// reconnect-storm on three versions.
	storm := func(version string, start float64, bad bool) Run {
		growth := 0
		if bad {
			growth = 7
		}
		rec := synthRecord(recordSpec{scenario: "reconnect-storm", version: version, start: start, seconds: 60,
			ops: 120, sessions: 10, zombieGrowth: growth, failEvery: map[bool]int{true: 12, false: 0}[bad]})
		tg := rec.Targets[0].Name
		var vs []harness.Verdict
		if bad {
			vs = []harness.Verdict{
				verdict("zombies", tg, harness.Invalid,
					"40 zombies defunct longer than 5.0s ([reconnectwm.sh] under main sesman ×40); zombie count grew by 35 over the run; max 42 at once, 42 at the end",
					map[string]float64{"zombies_max": 42, "zombies_final": 42, "zombies_lasting": 40, "zombies_seen": 44, "zombies_uncertain": 0, "zombies_growth": 35},
					ev(12.4, "pid 311 [reconnectwm.sh] <defunct> under 7 (xrdp-sesman, main sesman), defunct 47.6s and still at the end"),
					ev(14.9, "pid 340 [reconnectwm.sh] <defunct> under 7 (xrdp-sesman, main sesman), defunct 45.1s and still at the end"),
					ev(55.0, "zombie count rose from at least 0 over the first 5.0s to at least 35 over the last 5.0s"),
				),
				verdict("vnc-errors", tg, harness.Invalid, "10 VNC connect errors hit users u3, u7 (clients xh000000011, xh000000023)",
					map[string]float64{"vnc_errors": 10, "vnc_errors_unmatched": 0, "rdp_connections": 120},
					ev(33.0, `"VNC error - problem connecting": client xh000000011, user u3, op 12 (reconnect fail/server-disconnect), matched pid`),
					ev(44.0, `"some problem <script>alert('x')</script> | *bold* [link](http://e)": no connection matched`),
				),
				verdict("sesman-errors", tg, harness.Valid, "no sesman failure in 480 lines (240 benign per-request lines, 0 expected auth failures)",
					map[string]float64{"sesman_failures": 0, "sesman_benign": 240, "sesman_auth_expected": 0}),
				verdict("stale-sessions", tg, harness.Invalid, "2 sessions without an X server for longer than 15.0s, 10 reconnects to a dead display",
					map[string]float64{"stale_sessions": 2, "stale_reconnects": 10, "sessions_seen": 12, "reconnects_seen": 110},
					ev(30.1, "reconnect of user u3 to display :12 (seen in sesman log) while no Xvnc :12 was alive"),
				),
				verdict("login-latency", tg, harness.Invalid, "p50 1.4s p90 1.9s p99 2.0s max 2.0s, 10/120 failed (8.3%): error rate above 0.0%",
					map[string]float64{"ops": 120, "ops_failed": 10, "error_rate": 10.0 / 120, "latency_p50_s": 1.4, "latency_p90_s": 1.9, "latency_p99_s": 2.0, "latency_max_s": 2.0},
					ev(10.5, "fail/server-disconnect ×5: ops 12 (u2), 24 (u4), 36 (u6), 48 (u8), 60 (u10)"),
					ev(21.0, "info/timeout ×5: ops 24 (u4), 48 (u8), 72 (u2), 96 (u6), 120 (u10)"),
				),
			}
		} else {
			vs = []harness.Verdict{
				verdict("zombies", tg, harness.Valid, "12 zombies seen, each reaped within 5.0s; max 2 at once",
					map[string]float64{"zombies_max": 2, "zombies_final": 0, "zombies_lasting": 0, "zombies_seen": 12, "zombies_uncertain": 0, "zombies_growth": 0}),
				verdict("vnc-errors", tg, harness.Valid, "no VNC connect error in 960 xrdp log lines over 120 RDP connections",
					map[string]float64{"vnc_errors": 0, "vnc_errors_unmatched": 0, "rdp_connections": 120}),
				verdict("sesman-errors", tg, harness.Valid, "no sesman failure in 480 lines (240 benign per-request lines, 0 expected auth failures)",
					map[string]float64{"sesman_failures": 0, "sesman_benign": 240, "sesman_auth_expected": 0}),
				verdict("stale-sessions", tg, harness.Valid, "10 sessions and 110 reconnects, every one with a live X server",
					map[string]float64{"stale_sessions": 0, "stale_reconnects": 0, "sessions_seen": 10, "reconnects_seen": 110}),
				verdict("login-latency", tg, harness.Valid, "p50 1.3s p90 1.7s p99 1.9s max 2.0s, 0/120 failed (0.0%)",
					map[string]float64{"ops": 120, "ops_failed": 0, "error_rate": 0, "latency_p50_s": 1.3, "latency_p90_s": 1.7, "latency_p99_s": 1.9, "latency_max_s": 2.0}),
			}
		}
		r := NewRun(rec, vs, nil)
		r.Description = "10 users reconnect together 20 times; reconnect scripts exit aligned"
		return r
	}

	// high-display: a squatter on 6018 (display 118) on every version.
	high := func(version string, start float64) Run {
		rec := synthRecord(recordSpec{scenario: "high-display", version: version, start: start, seconds: 40, ops: 20, sessions: 4,
			faults: []harness.FaultWindow{{Name: "squat-port", Detail: "127.0.0.1:6018 (pid 900)", Inject: at(start + 5), Heal: at(start + 35)}},
			logs:   []string{"[2026-11-25T03:10:05.000+0000] [ERROR] Timed out waiting for X server on display 118"}})
		rec.Targets[0].DisplayOffset = 110
		tg := rec.Targets[0].Name
		r := NewRun(rec, []harness.Verdict{
			verdict("port-conflicts", tg, harness.Invalid, "1 port conflict, 0 Xvncs that never listened, 0 latent X11 overlaps",
				map[string]float64{"port_conflicts": 1, "xvnc_seen": 4, "xvnc_never_listened": 0},
				ev(start+12, "VNC port (the X11 TCP port of display :18) 6018 of Xvnc :118 (pid 1201) held by pid 900 (nc) from 03:10:05.000")),
			verdict("sesman-errors", tg, harness.Invalid, "1 sesman failure (x-timeout ×1) on xrdp "+version,
				map[string]float64{"sesman_failures": 1, "sesman_x_timeout": 1},
				ev(start+22, "x-timeout: Timed out waiting for X server on display 118 (op 3, login fail/timeout)")),
		}, nil)
		r.Description = "X11DisplayOffset=110: sessions get displays ≥ 100; a listener squats 5900+118"
		return r
	}

	// freeze-sesman: SIGSTOP for 10 s, then recovery.
	freeze := func(version string, start float64, bad bool) Run {
		rec := synthRecord(recordSpec{scenario: "freeze-sesman", version: version, start: start, seconds: 50, ops: 40, sessions: 5,
			faults: []harness.FaultWindow{{Name: "freeze-sesman", Detail: "pid 7", Inject: at(start + 10), Heal: at(start + 20)}}})
		tg := rec.Targets[0].Name
		if bad {
			return NewRun(rec, []harness.Verdict{
				verdict("recovery-time", tg, harness.Invalid, "after 1 healed fault: 2 users never recovered; slowest recovery 12.0s",
					map[string]float64{"recovery_max_s": 12, "recovery_faults": 1, "recovery_never": 2},
					ev(start+20, "fault freeze-sesman: user u2 tried again after heal and never succeeded")),
				verdict("zombies", tg, harness.Valid, "3 zombies seen, each reaped within 5.0s; max 1 at once",
					map[string]float64{"zombies_max": 1}),
			}, nil)
		}
		// Interrupted: partial, nothing found yet.
		rec.Partial, rec.Abort = true, "context canceled"
		rec.Notes = []string{"lab down: container xrdp-0.9.22.1 removed"}
		return NewRun(rec, []harness.Verdict{
			verdict("recovery-time", tg, harness.Unknown, "after 1 healed fault: 3 users made no op after heal, 0 faults without users to follow",
				map[string]float64{"recovery_max_s": 3.5, "recovery_faults": 1, "recovery_never": 0},
				ev(start+21, "sampler blind for 6.0s until 03:05:27.000")),
			verdict("zombies", tg, harness.Valid, "0 zombies seen, each reaped within 5.0s; max 0 at once",
				map[string]float64{"zombies_max": 0}),
		}, fmt.Errorf("harness: run: context canceled"))
	}

	capRec := synthRecord(recordSpec{scenario: "capacity", version: "0.9.22.1", start: 600, seconds: 200, ops: 300, sessions: 40, failEvery: 40})
	capRun := NewRun(capRec, []harness.Verdict{
		verdict("login-latency", capRec.Targets[0].Name, harness.Valid, "p50 1.6s p90 3.1s p99 4.2s max 4.9s, 0/300 failed (0.0%)",
			map[string]float64{"latency_p99_s": 4.2, "error_rate": 0}),
	}, nil)
	c := NewCapacity(
		CapacityLevel{Sessions: 30, P50: 1900 * time.Millisecond, P99: 6200 * time.Millisecond, ErrorRate: 0.02, Zombies: 0, MemoryMB: 2410, Why: "login p99 6.20s, 2.0% errors"},
		CapacityLevel{Sessions: 10, P50: 1200 * time.Millisecond, P99: 1800 * time.Millisecond, Held: true, MemoryMB: 812},
		CapacityLevel{Sessions: 20, P50: 1500 * time.Millisecond, P99: 2600 * time.Millisecond, Held: true, MemoryMB: 1630},
	)
	capRun.Capacity = &c
	capRun.Description = "sessions per node: steps of 10 until login p99 > 5s or errors > 1%"

	boot := Run{Scenario: "reconnect-storm", Version: "0.9.24", Flavour: "debian", Started: at(880), Ended: at(881),
		Err: "containers: build image 0.9.24: apt-get: E: Unable to locate package xrdp=0.9.24-1~bpo12+1"}

	s.Runs = []Run{
		high("0.9.22.1", 300), storm("0.9.22.1", 200, false), boot, capRun,
		storm("0.9.17", 0, true), freeze("0.9.17", 400, true), high("0.9.17", 350),
		storm("0.9.21.1", 100, false), freeze("0.9.22.1", 500, false),
	}
	s.Comparisons = []Comparison{Compare(s, "0.9.17", "0.9.22.1")}
	return s
}
