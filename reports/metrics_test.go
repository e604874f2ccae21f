package reports

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

func TestMetrics(t *testing.T) {
	m := NewMetrics()
	run, tgt := "storm @ 0.9.24", "xrdp-0.9.24"
	op := func(kind harness.OpKind, out harness.Outcome, d time.Duration) harness.Progress {
		return harness.Progress{Kind: harness.KindOp, Target: tgt, Op: &harness.Op{Target: tgt, Kind: kind, Outcome: out, Start: t0, End: t0.Add(d)}}
	}
	for _, p := range []harness.Progress{
		op(harness.OpLogin, harness.OK, 800*time.Millisecond),
		op(harness.OpReconnect, harness.OK, 4*time.Second),
		op(harness.OpLogin, harness.Fail, time.Second),
		op(harness.OpDisconnect, harness.OK, time.Millisecond),
		{Kind: harness.KindTick, Target: tgt, Tick: &harness.Tick{Target: tgt, Zombies: 3, Sessions: 7, Procs: 40}},
		{Kind: harness.KindFault, Target: tgt, Fault: &harness.FaultWindow{Name: "freeze-sesman", Target: tgt, Inject: at(1)}},
	} {
		m.Observe(run, p)
	}
	if got := testutil.ToFloat64(m.active.WithLabelValues(run, tgt)); got != 1 {
		t.Errorf("active faults after inject: %v, want 1", got)
	}
	m.Observe(run, harness.Progress{Kind: harness.KindFault, Target: tgt, Fault: &harness.FaultWindow{Name: "freeze-sesman", Target: tgt, Inject: at(1), Heal: at(6)}})
	m.Observe(run, harness.Progress{Kind: harness.KindFault, Target: tgt, Fault: &harness.FaultWindow{Name: "kill-xvnc", Target: tgt, Inject: at(7), Err: "inject: no Xvnc"}})

	for _, c := range []struct {
		name string
		got  float64
		want float64
	}{
		{"login ok", testutil.ToFloat64(m.ops.WithLabelValues(run, tgt, "login", "ok")), 1},
		{"login fail", testutil.ToFloat64(m.ops.WithLabelValues(run, tgt, "login", "fail")), 1},
		{"disconnect ok", testutil.ToFloat64(m.ops.WithLabelValues(run, tgt, "disconnect", "ok")), 1},
		{"zombies", testutil.ToFloat64(m.zombies.WithLabelValues(run, tgt)), 3},
		{"sessions", testutil.ToFloat64(m.sessions.WithLabelValues(run, tgt)), 7},
		{"active after heal", testutil.ToFloat64(m.active.WithLabelValues(run, tgt)), 0},
		{"injected", testutil.ToFloat64(m.faults.WithLabelValues(run, tgt, "freeze-sesman", "injected")), 1},
		{"healed", testutil.ToFloat64(m.faults.WithLabelValues(run, tgt, "freeze-sesman", "healed")), 1},
		{"failed", testutil.ToFloat64(m.faults.WithLabelValues(run, tgt, "kill-xvnc", "failed")), 1},
	} {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
	// The histogram holds the two successful logins: 0.8 s ≤ 1 s < 4 s ≤ 5 s.
	exp := `
# HELP xrdp_harness_login_seconds Duration of successful logins and reconnects.
# TYPE xrdp_harness_login_seconds histogram
xrdp_harness_login_seconds_bucket{run="storm @ 0.9.24",target="xrdp-0.9.24",le="0.1"} 0
xrdp_harness_login_seconds_bucket{run="storm @ 0.9.24",target="xrdp-0.9.24",le="0.25"} 0
xrdp_harness_login_seconds_bucket{run="storm @ 0.9.24",target="xrdp-0.9.24",le="0.5"} 0
xrdp_harness_login_seconds_bucket{run="storm @ 0.9.24",target="xrdp-0.9.24",le="1"} 1
xrdp_harness_login_seconds_bucket{run="storm @ 0.9.24",target="xrdp-0.9.24",le="2"} 1
xrdp_harness_login_seconds_bucket{run="storm @ 0.9.24",target="xrdp-0.9.24",le="3"} 1
xrdp_harness_login_seconds_bucket{run="storm @ 0.9.24",target="xrdp-0.9.24",le="5"} 2
xrdp_harness_login_seconds_bucket{run="storm @ 0.9.24",target="xrdp-0.9.24",le="10"} 2
xrdp_harness_login_seconds_bucket{run="storm @ 0.9.24",target="xrdp-0.9.24",le="20"} 2
xrdp_harness_login_seconds_bucket{run="storm @ 0.9.24",target="xrdp-0.9.24",le="30"} 2
xrdp_harness_login_seconds_bucket{run="storm @ 0.9.24",target="xrdp-0.9.24",le="60"} 2
xrdp_harness_login_seconds_bucket{run="storm @ 0.9.24",target="xrdp-0.9.24",le="+Inf"} 2
xrdp_harness_login_seconds_sum{run="storm @ 0.9.24",target="xrdp-0.9.24"} 4.8
xrdp_harness_login_seconds_count{run="storm @ 0.9.24",target="xrdp-0.9.24"} 2
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(exp), "xrdp_harness_login_seconds"); err != nil {
		t.Error(err)
	}
}
