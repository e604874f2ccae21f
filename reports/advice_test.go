package reports

import (
	"strings"
	"testing"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

func TestDefaultAdviceIsValid(t *testing.T) {
	if errs := ValidateAdvice(DefaultAdvice()); len(errs) > 0 {
		t.Fatal(errs)
	}
	errs := ValidateAdvice([]Advice{{Checker: "x", Pattern: "(", Text: "t"}, {Checker: "y"}})
	if len(errs) != 2 || !strings.Contains(errs[0].Error(), "advice entry 0 (x): bad pattern") ||
		!strings.Contains(errs[1].Error(), "advice entry 1 (y): empty text") {
		t.Errorf("ValidateAdvice = %v", errs)
	}
}

func TestAdviceFor(t *testing.T) {
	reconnectZombie := harness.Verdict{Checker: "zombies", Valid: I, Summary: "40 zombies defunct longer than 5.0s",
		Evidence: []harness.Evidence{{What: "pid 311 [reconnectwm.sh] <defunct> under 7 (xrdp-sesman, main sesman), defunct 47.6s"}}}
	orphan := harness.Verdict{Checker: "zombies", Valid: I, Summary: "1 zombie defunct longer than 5.0s ([sleep] under tini ×1)",
		Evidence: []harness.Evidence{{What: "pid 90 [sleep] <defunct> under 1 (tini), defunct 9.0s"}}}
	highPort := harness.Verdict{Checker: "port-conflicts", Valid: I, Summary: "1 port conflict",
		Evidence: []harness.Evidence{{What: "VNC port 6018 of Xvnc :118 (pid 1201) held by pid 900 (nc)"}}}
	lowPort := harness.Verdict{Checker: "port-conflicts", Valid: I, Summary: "1 port conflict",
		Evidence: []harness.Evidence{{What: "VNC port 5912 of Xvnc :12 (pid 1201) held by pid 900 (nc)"}}}
	limit := harness.Verdict{Checker: "sesman-errors", Valid: I, Summary: "3 sesman failures (session-limit ×3) on xrdp 0.9.22.1"}
	for _, tc := range []struct {
		name    string
		version string
		v       harness.Verdict
		want    string // a phrase of the advice; "" for none
	}{
		{"reconnectwm zombies on 0.9.17", "0.9.17", reconnectZombie, "Known SIGCHLD reaping defect of xrdp < 0.9.19"},
		{"same on 0.9.18", "0.9.18", reconnectZombie, "Known SIGCHLD"},
		{"sesman zombies on a fixed version", "0.9.22.1", reconnectZombie, "not the known defect"},
		{"sesman zombies, version unknown", "", reconnectZombie, "on a later version, report it upstream"},
		{"orphans under tini on 0.9.17", "0.9.17", orphan, "reaps one child per SIGCHLD"},
		{"orphans on 0.9.22.1", "0.9.22.1", orphan, "init that reaps"},
		{"display 118", "0.10.1", highPort, "X11DisplayOffset + MaxSessions < 100"},
		{"display 12", "0.10.1", lowPort, "find the holder"},
		{"session limit", "0.9.22.1", limit, "raise MaxSessions"},
		{"unknown checker", "0.9.17", harness.Verdict{Checker: "custom", Valid: I}, ""},
	} {
		got := adviceFor(DefaultAdvice(), tc.version, tc.v, nil)
		if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("%s: advice %q, want it to say %q", tc.name, got, tc.want)
		}
	}
}

// A caller's own entry put first wins over the defaults.
func TestAdviceOverride(t *testing.T) {
	table := append([]Advice{{Checker: "zombies", From: "0.10", Text: "new sesman: see the 0.10 runbook"}}, DefaultAdvice()...)
	v := harness.Verdict{Checker: "zombies", Valid: I, Summary: "1 zombie"}
	if got := adviceFor(table, "0.10.1", v, nil); got != "new sesman: see the 0.10 runbook" {
		t.Errorf("override: %q", got)
	}
	if got := adviceFor(table, "0.9.22.1", v, nil); strings.Contains(got, "0.10 runbook") {
		t.Errorf("From bound ignored: %q", got)
	}
}
