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
// positive on real sampler output.
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
			if v.Valid != harness.Valid {
				t.Errorf("%s on %s: %s: %s", c.Name(), v.Target, v.Valid, v.Summary)
				for _, e := range v.Evidence {
					t.Logf("  %s %s", e.Time.Sub(r.Started), e.What)
				}
			}
		}
	}
}
