package check

import (
	"fmt"
	"testing"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	for q, want := range map[float64]time.Duration{0.5: 50e6, 0.9: 90e6, 0.99: 99e6, 1: 100e6, 0: 1e6} {
		if got := percentile(ds, q); got != want {
			t.Errorf("p%v = %v, want %v", q, got, want)
		}
	}
	if percentile(nil, 0.5) != 0 || percentile(ds[:1], 0.99) != 1e6 {
		t.Errorf("edge percentiles wrong")
	}
}

func TestLatency(t *testing.T) {
	// logins: n ok logins taking 1.0, 1.1, 1.2 … s.
	logins := func(n int) *builder {
		b := newBuilder()
		for i := range n {
			s := float64(10 * i)
			b.op(harness.OpLogin, fmt.Sprintf("u%d", i%5+1), s, s+1+0.1*float64(i), harness.OK)
		}
		return b
	}
	runCases(t, func(c Config) harness.Checker { return Latency{Config: c} }, []checkCase{
		{name: "all ok", want: harness.Valid, build: func() *builder { return logins(10) },
			metrics: map[string]float64{"latency_p50_s": 1.4, "latency_p90_s": 1.8, "latency_p99_s": 1.9,
				"latency_max_s": 1.9, "error_rate": 0, "ops": 10}},
		{name: "one failure with the default rate", want: harness.Invalid,
			build: func() *builder {
				return logins(9).op(harness.OpReconnect, "u1", 100, 130, harness.Info, reason("timeout"))
			},
			metrics: map[string]float64{"error_rate": 0.1, "ops_failed": 1}, mention: "info/timeout ×1: ops 10 (u1)"},
		{name: "near miss: failure within an allowed rate", want: harness.Valid, opts: []Option{WithMaxErrorRate(0.1)},
			build: func() *builder {
				return logins(9).op(harness.OpReconnect, "u1", 100, 130, harness.Info, reason("timeout"))
			}},
		{name: "near miss: expected auth failures and other kinds do not count", want: harness.Valid,
			build: func() *builder {
				return logins(5).op(harness.OpLogin, "u9", 100, 101, harness.Fail, reason(ExpectedAuthFail)).
					op(harness.OpDisconnect, "u1", 100, 101, harness.Fail).op(harness.OpRFB, "u1", 100, 101, harness.Fail)
			},
			metrics: map[string]float64{"ops": 5}},
		{name: "p99 above the limit", want: harness.Invalid, opts: []Option{WithMaxP99(1500 * time.Millisecond)},
			build: func() *builder { return logins(10) }, mention: "slow login of u5: op 10 took 1.9s"},
		{name: "near miss: p99 under the limit", want: harness.Valid, opts: []Option{WithMaxP99(2 * time.Second)},
			build: func() *builder { return logins(10) }},
		{name: "failures inside a fault window, ignored on request", want: harness.Valid, opts: []Option{WithLatencyIgnoreFaults()},
			build: func() *builder {
				return logins(5).fault("sigstop-sesman", 100, 120).op(harness.OpLogin, "u1", 110, 125, harness.Fail, reason("timeout"))
			}},
		{name: "failures inside a fault window count by default", want: harness.Invalid,
			build: func() *builder {
				return logins(5).fault("sigstop-sesman", 100, 120).op(harness.OpLogin, "u1", 110, 125, harness.Fail, reason("timeout"))
			}},
		{name: "SCP measured when asked", want: harness.Valid, opts: []Option{WithLatencyKinds(harness.OpSCP)},
			build:   func() *builder { return newBuilder().op(harness.OpSCP, "u1", 0, 0.05, harness.OK) },
			metrics: map[string]float64{"latency_max_s": 0.05}},
		{name: "no ops", want: harness.Unknown,
			build: func() *builder { return newBuilder().op(harness.OpSCP, "u1", 0, 1, harness.OK) }},
	})
}
