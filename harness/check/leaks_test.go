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
