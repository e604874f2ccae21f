package check

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// TestRealHealthyRecord replays a Record of a real run (xrdp 0.9.21.1
// Debian, 6 users: logins, a reconnect storm, sesman frozen for 3 s with
// SIGSTOP and resumed, disconnects), saved by the engine's end-to-end test.
// 0.9.21.1 reaps its children and that run had no port trouble, so every
// checker must find it valid: a verdict other than valid here is a false
// positive on real sampler output. One trap it does hold: sesman listened on
// 0.0.0.0, so xrdp could not reach chansrv (the chansrv checker must say so).
func TestRealHealthyRecord(t *testing.T) {
	data, err := os.ReadFile("testdata/storm-0.9.21.1.json")
	if err != nil {
		t.Fatal(err)
	}
	var r harness.Record
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Procs) == 0 || len(r.Ops) == 0 || len(r.Faults) == 0 {
		t.Fatalf("fixture lacks procs, ops or faults: %d %d %d", len(r.Procs), len(r.Ops), len(r.Faults))
	}
	cs, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		for _, v := range c.Check(&r) {
			if c.Name() == "chansrv" {
				// Recorded (2026-11-25 03:49) while the harness still ran
				// sesman on ListenAddress=0.0.0.0 (changed to 127.0.0.1 in
				// 0c5a1b1 an hour later): chansrv listened on TCP and xrdp
				// could not reach it. The one trap this record holds, found.
				if v.Valid != harness.Invalid || v.Metrics["chansrv_gave_up"] < 1 ||
					v.Metrics["chansrv_stall_max_seconds"] < 15 || v.Metrics["chansrv_stall_max_seconds"] > 18 {
					t.Errorf("chansrv on %s: %s: %s %v, want invalid: gave up after ≈ 16 s", v.Target, v.Valid, v.Summary, v.Metrics)
				}
				continue
			}
			if v.Valid != harness.Valid {
				t.Errorf("%s on %s: %s: %s", c.Name(), v.Target, v.Valid, v.Summary)
				for _, e := range v.Evidence {
					t.Logf("  %s %s", e.Time.Sub(r.Started), e.What)
				}
			}
		}
	}
}
