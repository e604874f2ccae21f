package reports

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

func TestSummarize(t *testing.T) {
	rec := synthRecord(recordSpec{scenario: "storm", version: "0.9.24", seconds: 60, ops: 100, failEvery: 10, sessions: 5,
		faults: []harness.FaultWindow{{Name: "freeze-sesman", Target: "xrdp-0.9.24", Inject: at(10), Heal: at(15)},
			{Name: "kill-xvnc", Target: "xrdp-0.9.24", Inject: at(20)}}})
	r := NewRun(rec, []harness.Verdict{{Checker: "recovery-time", Valid: harness.Valid, Metrics: map[string]float64{"recovery_max_s": 2.5}}}, nil)
	s := Suite{Name: "t", Runs: []Run{r}}
	sums := Summarize(s, Judge(s))
	if len(sums) != 1 {
		t.Fatalf("%d summaries", len(sums))
	}
	got := sums[0]
	if got.Ops != 100 || got.Errors != 10 || got.Logins != 90 {
		t.Errorf("ops %d errors %d logins %d, want 100 10 90", got.Ops, got.Errors, got.Logins)
	}
	if got.ErrRate != 0.1 {
		t.Errorf("error rate %v, want 0.1", got.ErrRate)
	}
	if !(got.P50 > 0 && got.P50 <= got.P90 && got.P90 <= got.P99) {
		t.Errorf("percentiles not ordered: %v %v %v", got.P50, got.P90, got.P99)
	}
	if got.Injected != 2 || got.Healed != 1 {
		t.Errorf("faults %d/%d, want 2 injected, 1 healed", got.Injected, got.Healed)
	}
	if got.Recovery != 2500*time.Millisecond {
		t.Errorf("recovery %v, want 2.5s", got.Recovery)
	}
	var b bytes.Buffer
	if err := WriteSummary(&b, s, Judge(s)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"t: all 1 runs valid", "storm @ 0.9.24", "10.0%", "2 / 1", "2.5s", "valid", "pass"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
}
