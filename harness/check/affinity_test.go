package check

import (
	"testing"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// started and ended are the sesman lines of 0.9.21.1 for a session of user
// on display d.
func (b *builder) started(s float64, user string, d int) *builder {
	return b.sesmanLog(s, "++ created session (access granted): username "+user+", ip 127.0.0.1:40000 - socket: 11").
		sesmanLog(s+0.1, "Session started successfully for user "+user+" on display "+itoa(d))
}

func (b *builder) ended(s float64, user string, d int) *builder {
	return b.sesmanLog(s, "++ terminated session:  username "+user+", display :"+itoa(d)+".0, session_pid 100, ip 127.0.0.1")
}

func (b *builder) reconnected(s float64, user string, d int) *builder {
	return b.sesmanLog(s, "++ reconnected session: username "+user+", display :"+itoa(d)+".0, session_pid 100, ip 127.0.0.1")
}

// TestAffinity judges the last target of each record (t2 where there are
// two): the one where a misrouted reconnect starts its second session.
func TestAffinity(t *testing.T) {
	for _, tc := range []checkCase{
		{name: "reconnects land where the session is", want: harness.Valid,
			build: func() *builder {
				b := newBuilder()
				b.on("t1").started(1, "u1", 10).reconnected(5, "u1", 10).reconnected(9, "u1", 10)
				b.on("t2").started(1, "u2", 10).reconnected(5, "u2", 10)
				return b
			},
			metrics: map[string]float64{"targets": 2, "users": 1, "misrouted": 0}},
		{name: "a reconnect on the other host makes a second session", want: harness.Invalid,
			build: func() *builder {
				b := newBuilder()
				b.on("t1").started(1, "u1", 10)
				b.on("t2").started(5, "u1", 10)
				return b
			},
			metrics: map[string]float64{"misrouted": 1}, mention: "user u1 got a second session on t2 while t1 held theirs"},
		{name: "a new session elsewhere after the old one ended is fine", want: harness.Valid,
			build: func() *builder {
				b := newBuilder()
				b.on("t1").started(1, "u1", 10).ended(3, "u1", 10)
				b.on("t2").started(5, "u1", 10)
				return b
			}},
		{name: "a session from before the run, found by its reconnect, counts", want: harness.Invalid,
			build: func() *builder {
				b := newBuilder()
				b.on("t1").reconnected(1, "u1", 12)
				b.on("t2").started(4, "u1", 10)
				return b
			}},
		{name: "two sessions of one user on one host are not affinity's business", want: harness.Valid,
			build: func() *builder {
				b := newBuilder()
				b.on("t1").started(1, "u1", 10).started(2, "u1", 11)
				b.on("t2").started(1, "u2", 10)
				return b
			}},
		{name: "one target: holds trivially", want: harness.Valid, mention: "one target",
			build: func() *builder { return newBuilder().started(1, "u1", 10) }},
		{name: "every session on one host: affinity not put to the test", want: harness.Unknown,
			mention: "every session of the run lived on t1",
			build: func() *builder {
				b := newBuilder()
				b.on("t1").started(1, "u1", 10).reconnected(5, "u1", 10)
				return b.on("t2").xrdpLog(1, "connected")
			}},
		{name: "cookie twins on one host are named", want: harness.Unknown,
			mention: `users xrdpuser01, xrdpuser02 send one routing cookie "xrdpuser0"`,
			build: func() *builder {
				b := newBuilder()
				b.on("t1").started(1, "xrdpuser01", 10).started(2, "xrdpuser02", 11).reconnected(5, "xrdpuser01", 10)
				return b.on("t2").xrdpLog(1, "connected")
			}},
		{name: "a fleet without sesman lines", want: harness.Unknown,
			build: func() *builder {
				b := newBuilder()
				b.on("t1").xrdpLog(1, "connected")
				return b.on("t2").xrdpLog(1, "connected")
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vs := Affinity{}.Check(tc.build().record())
			v := vs[len(vs)-1]
			if v.Checker != "reconnect-affinity" || v.Target != vs[len(vs)-1].Target || len(vs) != int(v.Metrics["targets"]) {
				t.Fatalf("verdicts %+v: want one per target", vs)
			}
			expect(t, v, tc.want)
			for k, want := range tc.metrics {
				if got := v.Metrics[k]; got != want {
					t.Errorf("metric %s = %v, want %v (%v)", k, got, want, v.Metrics)
				}
			}
			if tc.mention != "" && !mentions(v, tc.mention) {
				t.Errorf("verdict does not mention %q: %s %+v", tc.mention, v.Summary, v.Evidence)
			}
			if tc.want == harness.Invalid && vs[0].Valid != harness.Valid {
				t.Errorf("the host that held the session is not at fault: %+v", vs[0])
			}
		})
	}
}
