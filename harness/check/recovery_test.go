package check

import (
	"fmt"
	"testing"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

func TestRecovery(t *testing.T) {
	// before: u1..u3 log in fine before a fault from 10 s to 20 s.
	before := func() *builder {
		b := newBuilder().fault("sigstop-sesman", 10, 20).end(60)
		for i := range 3 {
			b.op(harness.OpLogin, fmt.Sprintf("u%d", i+1), float64(i), float64(i)+1, harness.OK)
		}
		return b
	}
	// after: user u logs in from s to e with outcome out.
	after := func(b *builder, u string, s, e float64, out harness.Outcome) *builder {
		return b.op(harness.OpReconnect, u, s, e, out)
	}
	runCases(t, func(c Config) harness.Checker { return Recovery{Config: c} }, []checkCase{
		{name: "every user back", want: harness.Valid,
			build: func() *builder {
				b := before()
				after(b, "u1", 20.5, 21.5, harness.OK)
				after(b, "u2", 20.5, 21, harness.OK)
				return after(b, "u3", 21, 22, harness.OK)
			},
			metrics: map[string]float64{"recovery_max_s": 2, "recovery_never": 0},
			mention: "3/3 users recovered, slowest u3 after 2.0s"},
		{name: "a user who keeps failing", want: harness.Invalid,
			build: func() *builder {
				b := before()
				after(b, "u1", 20.5, 21.5, harness.OK)
				after(b, "u2", 20.5, 21, harness.OK)
				after(b, "u3", 21, 22, harness.Fail)
				return after(b, "u3", 30, 35, harness.Info)
			},
			metrics: map[string]float64{"recovery_never": 1},
			mention: "user u3 tried again after heal and never succeeded"},
		{name: "slower than the limit", want: harness.Invalid, opts: []Option{WithMaxRecovery(1500e6)},
			build: func() *builder {
				b := before()
				after(b, "u1", 20.5, 21.5, harness.OK)
				after(b, "u2", 20.5, 21, harness.OK)
				return after(b, "u3", 21, 22, harness.OK)
			},
			mention: "user u3 recovered only after 2.0s"},
		{name: "near miss: within the limit", want: harness.Valid, opts: []Option{WithMaxRecovery(2500e6)},
			build: func() *builder {
				b := before()
				after(b, "u1", 20.5, 21.5, harness.OK)
				after(b, "u2", 20.5, 21, harness.OK)
				return after(b, "u3", 21, 22, harness.OK)
			}},
		{name: "near miss: an op in flight at heal that succeeds", want: harness.Valid,
			build: func() *builder {
				b := before()
				after(b, "u1", 15, 20.2, harness.OK)
				after(b, "u2", 20.5, 21, harness.OK)
				return after(b, "u3", 21, 22, harness.OK)
			},
			metrics: map[string]float64{"recovery_max_s": 2}},
		{name: "no op after heal", want: harness.Unknown, build: before},
		{name: "first logins caught by the fault are followed", want: harness.Valid,
			build: func() *builder {
				b := newBuilder().fault("sigstop-sesman", 3, 6).end(60)
				b.op(harness.OpLogin, "u1", 0, 6.5, harness.OK)
				return b.op(harness.OpLogin, "u2", 1, 7, harness.OK)
			},
			metrics: map[string]float64{"recovery_max_s": 1},
			mention: "following the 2 users caught in flight"},
		{name: "near miss: a user caught in flight who never succeeds", want: harness.Invalid,
			build: func() *builder {
				b := newBuilder().fault("sigstop-sesman", 3, 6).end(60)
				b.op(harness.OpLogin, "u1", 0, 6.5, harness.Fail)
				return b.op(harness.OpLogin, "u1", 8, 9, harness.Fail)
			}},
		{name: "an op that started after the inject is not caught", want: harness.Unknown,
			build: func() *builder {
				return newBuilder().fault("sigstop-sesman", 3, 6).end(60).op(harness.OpLogin, "u1", 4, 7, harness.OK)
			},
			mention: "no user had succeeded before it or was caught by it"},
		{name: "one user not tried again", want: harness.Unknown,
			build: func() *builder {
				b := before()
				after(b, "u1", 20.5, 21.5, harness.OK)
				return after(b, "u2", 20.5, 21, harness.OK)
			},
			mention: "no op after heal: u3"},
		{name: "zombies cleared after heal", want: harness.Valid,
			build: func() *builder {
				b := before().lab(0).ticks(0, 60)
				b.reconnectScript(12, 1000, 11) // defunct from 12.1 to 23.1
				after(b, "u1", 20.5, 21.5, harness.OK)
				after(b, "u2", 20.5, 21, harness.OK)
				return after(b, "u3", 21, 22, harness.OK)
			},
			metrics: map[string]float64{"recovery_zombies_s": 3.1}},
		{name: "instantaneous fault only", want: harness.Valid,
			build:   func() *builder { return newBuilder().fault("kill-xvnc", 10, 0).end(60) },
			mention: "nothing to recover from"},
		{name: "a fault whose injection failed is not judged", want: harness.Valid,
			build: func() *builder {
				b := before()
				b.r.Faults[0].Err = "docker kill: no such process"
				return b
			},
			mention: "fault sigstop-sesman not judged: docker kill: no such process"},
		{name: "SCP users count by default", want: harness.Invalid,
			build: func() *builder {
				b := newBuilder().fault("sigstop-sesman", 10, 20).end(60).op(harness.OpSCP, "u1", 1, 2, harness.OK)
				return b.op(harness.OpSCP, "u1", 21, 22, harness.Fail)
			}},
		{name: "unless the kinds leave SCP out", want: harness.Unknown, opts: []Option{WithRecoveryKinds(harness.OpLogin)},
			build: func() *builder {
				b := newBuilder().fault("sigstop-sesman", 10, 20).end(60).op(harness.OpSCP, "u1", 1, 2, harness.OK)
				return b.op(harness.OpSCP, "u1", 21, 22, harness.Fail)
			},
			mention: "no user had succeeded before it or was caught by it"},
	})
}
