package check

import (
	"fmt"
	"testing"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// reconnectLog adds a line of the harness's reconnect script log.
func (b *builder) reconnectLog(s float64, pid int, user string, d int) *builder {
	t := at(s)
	return b.log(s+0.3, harness.LogReconnect, fmt.Sprintf("%d.%09d start pid=%d user=%s display=:%d",
		t.Unix(), t.Nanosecond(), pid, user, d))
}

// unnoticedEnd is the 0.9.17 defect: session S's window manager, X server
// and chansrv end at s, but the main sesman never reaps the session child.
func (b *builder) unnoticedEnd(s float64, sess, d int) *builder {
	return b.exit(s, sess+3).unlisten(s+0.1, 5900+d).exit(s+0.1, sess+1).exit(s+0.1, sess+2).zombie(s+0.2, sess)
}

func TestStale(t *testing.T) {
	runCases(t, func(c Config) harness.Checker { return Stale{Config: c} }, []checkCase{
		{name: "healthy sessions and reconnects", want: harness.Valid,
			build: func() *builder {
				b := newBuilder().lab(0).ticks(0, 60).end(60)
				b.session(1, 100, 10).sesmanLog(1.5, "Session started successfully for user u1 on display 10")
				b.session(2, 200, 11)
				b.sesmanLog(20, "++ reconnected session: username u1, display :10.0, session_pid 100, ip 127.0.0.1:40000 - socket: 12").
					sesmanLog(20, "Starting session reconnection script on display 10: /etc/xrdp/reconnectwm.sh").
					reconnectLog(20, 500, "u1", 10)
				return b.endSession(30, 200, 11)
			},
			metrics: map[string]float64{"stale_sessions": 0, "stale_reconnects": 0, "sessions_seen": 2, "reconnects_seen": 1}},
		{name: "X server seen first as a forked sesman child that then execs Xvnc (as the real sampler reports it)", want: harness.Valid,
			build: func() *builder {
				b := newBuilder().lab(0).ticks(0, 60).end(60)
				b.proc(1, 100, 10, "xrdp-sesman", "xrdp-sesman").
					proc(1, 101, 100, "xrdp-sesman", "xrdp-sesman").
					ev(harness.ProcEvent{Time: at(1.1), Kind: harness.ProcExec, PID: 101, PPID: 100, Comm: "Xvnc",
						Args: "Xvnc :11 -auth .Xauthority -geometry 1024x768 -depth 32 -nolisten tcp -localhost"}).
					listen(1.3, 5911, 101)
				return b.sesmanLog(30, "++ reconnected session: username u6, display :11.0, session_pid 100").
					reconnectLog(30, 500, "u6", 11)
			},
			metrics: map[string]float64{"stale_sessions": 0, "stale_reconnects": 0}},
		{name: "reconnect to a session whose process is already defunct, right after its X server went", want: harness.Invalid,
			build: func() *builder {
				// As recorded on 0.9.21.1+sigchld-reap-one: Xvnc :10 exits, the
				// session child turns defunct, and 0.3 s later sesman hands the
				// user that session: too close for the X server timing rule.
				b := newBuilder().version("0.9.21.1").lab(0).ticks(0, 30).end(30)
				b.session(1, 100, 10).sesmanLog(1.5, "Session started successfully for user u1 on display 10")
				b.exit(10, 103).unlisten(10, 5910).exit(10, 101).exit(10, 102).zombie(10.1, 100)
				return b.sesmanLog(10.4, "++ reconnected session: username u1, display :10.0, session_pid 100, ip 192.0.2.1:51784")
			},
			metrics: map[string]float64{"stale_reconnects": 1},
			mention: "sesman handed out session pid 100, defunct since"},
		{name: "near miss: the session turns defunct just after the reconnect line", want: harness.Valid,
			build: func() *builder {
				b := newBuilder().version("0.9.21.1").lab(0).ticks(0, 30).end(30)
				b.session(1, 100, 10)
				b.sesmanLog(9.9, "++ reconnected session: username u1, display :10.0, session_pid 100")
				return b.exit(10, 103).unlisten(10, 5910).exit(10, 101).exit(10, 102).zombie(10.1, 100).exit(10.2, 100)
			},
			metrics: map[string]float64{"stale_reconnects": 0}},
		{name: "0.9.17 defect: unnoticed end, then a reconnect to the dead display", want: harness.Invalid,
			build: func() *builder {
				b := newBuilder().version("0.9.17").lab(0).ticks(0, 60).end(60)
				b.session(1, 100, 12).sesmanLog(1.5, "Session started successfully for user u3 on display 12")
				b.unnoticedEnd(10, 100, 12)
				return b.sesmanLog(40, "++ reconnected session: username u3, display :12.0, session_pid 100")
			},
			metrics: map[string]float64{"stale_sessions": 1, "stale_reconnects": 1},
			mention: "reconnect of user u3 to display :12: sesman handed out session pid 100, defunct since"},
		{name: "stale session evidence names display and user", want: harness.Invalid,
			build: func() *builder {
				b := newBuilder().version("0.9.17").lab(0).ticks(0, 60).end(60)
				b.session(1, 100, 12).op(harness.OpLogin, "u3", 0.5, 2, harness.OK, display(12))
				return b.unnoticedEnd(10, 100, 12)
			},
			mention: "session pid 100 (display :12, user u3) held by sesman without its X server for 49.9s, still at the end"},
		{name: "reconnect script line to a dead display", want: harness.Invalid,
			build: func() *builder {
				b := newBuilder().lab(0).ticks(0, 60).end(60).session(1, 100, 12).unnoticedEnd(10, 100, 12)
				return b.reconnectLog(15, 501, "u3", 12)
			},
			mention: "seen in reconnect script log"},
		{name: "near miss: X start timeout within the grace", want: harness.Valid,
			build: func() *builder {
				b := newBuilder().lab(0).ticks(0, 60).end(60)
				return b.proc(5, 100, 10, "xrdp-sesman", "xrdp-sesman").exit(15.5, 100)
			}},
		{name: "near miss: reconnect logged just after the X server went", want: harness.Valid,
			build: func() *builder {
				b := newBuilder().lab(0).ticks(0, 60).end(60).session(1, 100, 12).endSession(10, 100, 12)
				return b.sesmanLog(11.5, "++ reconnected session: username u3, display :12.0, session_pid 100")
			}},
		{name: "killed X server, window manager lives on", want: harness.Invalid,
			build: func() *builder {
				b := newBuilder().lab(0).ticks(0, 60).end(60).session(1, 100, 12)
				return b.fault("kill-xvnc", 10, 0).unlisten(10, 5912).exit(10, 101)
			},
			metrics: map[string]float64{"stale_sessions": 1}},
		{name: "stopped sesman reaps after heal", want: harness.Valid,
			build: func() *builder {
				b := newBuilder().lab(0).ticks(0, 60).end(60).fault("sigstop-sesman", 10, 40)
				return b.session(1, 100, 12).unnoticedEnd(12, 100, 12).exit(40.5, 100)
			}},
		{name: "stopped sesman, strict", want: harness.Invalid, opts: []Option{WithStrictDuringFaults()},
			build: func() *builder {
				b := newBuilder().lab(0).ticks(0, 60).end(60).fault("sigstop-sesman", 10, 40)
				return b.session(1, 100, 12).unnoticedEnd(12, 100, 12).exit(40.5, 100)
			}},
		{name: "orphaned session is not held by sesman", want: harness.Valid,
			build: func() *builder {
				b := newBuilder().lab(0).ticks(0, 60).end(60).session(1, 100, 12)
				b.unlisten(5, 3350).exit(5, 10).reparent(5, 100, 1)
				b.proc(6, 30, 1, "xrdp-sesman", "xrdp-sesman").listen(6, 3350, 30)
				return b.unlisten(10, 5912).exit(10, 101)
			}},
		{name: "dead reconnect inside a blind span", want: harness.Unknown,
			build: func() *builder {
				b := newBuilder().lab(0).ticks(0, 10).ticks(14, 60).end(60).session(1, 100, 12).endSession(5, 100, 12)
				return b.sesmanLog(12, "++ reconnected session: username u3, display :12.0, session_pid 100")
			}},
		{name: "no ticks", want: harness.Unknown,
			build: func() *builder { return newBuilder().lab(0).session(1, 100, 12).end(60) }},
	})
}
