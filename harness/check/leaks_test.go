package check

import (
	"fmt"
	"testing"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

func TestLeaks(t *testing.T) {
	// threeUsers: u1..u3 log in at 1, 2, 3 s and keep their sessions.
	threeUsers := func() *builder {
		b := newBuilder().lab(0).ticks(0, 60).end(60)
		for i := range 3 {
			s := float64(1 + i)
			b.op(harness.OpLogin, fmt.Sprintf("u%d", i+1), s-0.5, s+0.5, harness.OK, display(10+i)).
				session(s, 100*(i+1), 10+i)
		}
		return b
	}
	// twoDepths: u1 and u2 log in over SCP (24 bpp) and later over RDP
	// (32 bpp), each keeping both sessions.
	twoDepths := func(policy string) *builder {
		b := newBuilder().lab(0).ticks(0, 60).end(60)
		b.info().Policy = policy
		for i, u := range []string{"u1", "u2"} {
			s := float64(1 + i)
			b.op(harness.OpSCP, u, s-0.5, s+0.5, harness.OK, display(10+i), asked(24, 1024, 768, fmt.Sprintf("c%d", i))).
				session(s, 100*(i+1), 10+i)
			b.op(harness.OpLogin, u, s+9.5, s+10.5, harness.OK, display(12+i), asked(32, 1024, 768, "")).
				session(s+10, 100*(i+3), 12+i)
		}
		return b
	}
	runCases(t, func(c Config) harness.Checker { return Leaks{Config: c} }, []checkCase{
		{name: "one session per user", want: harness.Valid, build: threeUsers,
			metrics: map[string]float64{"sessions_max": 3, "xvnc_max": 3, "sessions_allowed": 3, "sessions_final": 3}},
		{name: "restarted sesman orphans sessions, users get new ones", want: harness.Invalid,
			build: func() *builder {
				b := threeUsers().fault("kill-sesman", 10, 0)
				b.unlisten(10, 3350).exit(10, 10).reparent(10, 100, 1).reparent(10, 200, 1).reparent(10, 300, 1)
				b.proc(11, 20, 1, "xrdp-sesman", "xrdp-sesman").listen(11, 3350, 20)
				for i := range 3 {
					s := float64(12 + i)
					sess := 1000 * (i + 1)
					b.op(harness.OpLogin, fmt.Sprintf("u%d", i+1), s-0.5, s+0.5, harness.OK, display(13+i)).
						proc(s, sess, 20, "xrdp-sesman", "xrdp-sesman").
						proc(s, sess+1, sess, "Xvnc", fmt.Sprintf("Xvnc :%d", 13+i))
				}
				return b
			},
			metrics: map[string]float64{"sessions_max": 6, "xvnc_max": 6, "sessions_allowed": 3},
			mention: "session pid 100: orphaned (parent 1), display :10"},
		{name: "near miss: a user's next session overlaps the end of the last", want: harness.Valid,
			build: func() *builder {
				b := threeUsers()
				return b.op(harness.OpLogin, "u1", 19, 20, harness.OK).session(19.5, 400, 13).endSession(20, 100, 10)
			},
			metrics: map[string]float64{"sessions_max": 4, "sessions_final": 3}},
		{name: "near miss: a failed login that got a display counts its user", want: harness.Valid,
			build: func() *builder {
				return threeUsers().op(harness.OpLogin, "u4", 5, 7, harness.Fail, display(13), reason("server-disconnect")).
					session(5.5, 400, 13)
			}},
		{name: "near miss: a slow X start keeps forked children named xrdp-sesman", want: harness.Valid,
			build: func() *builder {
				b := newBuilder().lab(0).ticks(0, 60).end(60).op(harness.OpLogin, "u1", 0.5, 12, harness.OK)
				b.proc(1, 100, 10, "xrdp-sesman", "xrdp-sesman").
					proc(1, 101, 100, "xrdp-sesman", "xrdp-sesman").proc(1, 103, 100, "xrdp-sesman", "xrdp-sesman")
				b.ev(harness.ProcEvent{Time: at(9), Kind: harness.ProcExec, PID: 101, Comm: "Xvnc", Args: "Xvnc :10"})
				return b.ev(harness.ProcEvent{Time: at(10), Kind: harness.ProcExec, PID: 103, Comm: "sleep", Args: "sleep infinity"})
			},
			metrics: map[string]float64{"sessions_max": 1, "xvnc_max": 1}},
		{name: "a failed login without a display does not", want: harness.Invalid,
			build: func() *builder {
				return threeUsers().op(harness.OpLogin, "u4", 5, 7, harness.Fail, reason("server-disconnect")).
					session(5.5, 400, 13)
			}},
		{name: "Policy=UBD allows one session per op", want: harness.Valid,
			build: func() *builder {
				b := threeUsers().op(harness.OpLogin, "u1", 5, 6, harness.OK).session(5.5, 400, 13)
				b.info().Policy = "UBD"
				return b
			},
			metrics: map[string]float64{"sessions_allowed": 4}},
		// Seen on 0.9.22.1: the same users over SCP (24 bpp) and then RDP
		// (32 bpp) hold two sessions each under Policy=Default, which is
		// what sesman/session.c session_get_bydata does; a fixed one per
		// user called it "23 Xvnc where 14 are allowed".
		{name: "Default: SCP at 24 bpp and RDP at 32 bpp are two sessions per user", want: harness.Valid,
			build:   func() *builder { return twoDepths("") },
			metrics: map[string]float64{"sessions_allowed": 4, "sessions_max": 4}},
		{name: "Default: a third session at a depth already held is a leak", want: harness.Invalid,
			build: func() *builder {
				return twoDepths("").op(harness.OpLogin, "u1", 20, 21, harness.OK, asked(32, 1024, 768, "")).session(20.5, 900, 20)
			},
			metrics: map[string]float64{"sessions_allowed": 4}},
		{name: "UBD: another desktop size is another session", want: harness.Valid,
			build: func() *builder {
				return twoDepths("UBD").op(harness.OpLogin, "u1", 20, 21, harness.OK, asked(32, 1920, 1080, "")).session(20.5, 900, 20)
			},
			metrics: map[string]float64{"sessions_allowed": 5}},
		{name: "Default ignores the size", want: harness.Invalid,
			build: func() *builder {
				return twoDepths("").op(harness.OpLogin, "u1", 20, 21, harness.OK, asked(32, 1920, 1080, "")).session(20.5, 900, 20)
			}},
		{name: "UBI: SCP clients with their own client_ip each key a session", want: harness.Valid,
			build: func() *builder {
				return twoDepths("UBI").op(harness.OpSCP, "u1", 20, 21, harness.OK, asked(24, 1024, 768, "c9")).session(20.5, 900, 20)
			},
			metrics: map[string]float64{"sessions_allowed": 5}},
		{name: "0.10: Policy=D keys on size and type only", want: harness.Invalid,
			build: func() *builder {
				b := twoDepths("D")
				b.info().Version = "0.10.1"
				return b
			},
			metrics: map[string]float64{"sessions_allowed": 1}},
		{name: "more colour depths", want: harness.Valid, opts: []Option{WithBPPVariants(2)},
			build: func() *builder {
				return threeUsers().op(harness.OpLogin, "u1", 5, 6, harness.OK).session(5.5, 400, 13)
			}},
		{name: "one user, two sessions", want: harness.Invalid,
			build: func() *builder {
				return threeUsers().op(harness.OpLogin, "u1", 5, 6, harness.OK).session(5.5, 400, 13)
			}},
		{name: "MaxSessions caps the allowance", want: harness.Invalid,
			build: func() *builder {
				b := threeUsers()
				b.info().MaxSessions = 2
				return b
			},
			metrics: map[string]float64{"sessions_allowed": 2}},
		{name: "plan ends every session, one stays", want: harness.Invalid, opts: []Option{WithFinalSessions(0)},
			build: func() *builder {
				return threeUsers().endSession(30, 100, 10).endSession(30, 200, 11)
			},
			mention: "1 session processes and 1 live Xvnc at the end"},
		{name: "plan ends every session, all go", want: harness.Valid, opts: []Option{WithFinalSessions(0)},
			build: func() *builder {
				return threeUsers().endSession(30, 100, 10).endSession(30, 200, 11).endSession(30, 300, 12)
			},
			metrics: map[string]float64{"sessions_final": 0}},
		{name: "sessions but no ops", want: harness.Unknown,
			build: func() *builder { return newBuilder().lab(0).ticks(0, 60).end(60).session(1, 100, 10) }},
		{name: "no ticks", want: harness.Unknown,
			build: func() *builder {
				return newBuilder().lab(0).end(60).op(harness.OpLogin, "u1", 0, 1, harness.OK).session(1, 100, 10)
			}},
	})
}

// asked sets what a session op asked sesman for.
func asked(bpp, w, h int, ip string) func(*harness.Op) {
	return func(o *harness.Op) { o.BPP, o.Width, o.Height, o.ClientIP = bpp, w, h, ip }
}
