package load

import (
	"testing"

	"github.com/xrdp-harness/xrdp-harness/fakeclient"
	"github.com/xrdp-harness/xrdp-harness/harness"
)

// TestFakeclientMapping: fakeclient's own outcome and phase values map
// onto the harness's, and its disconnect styles are the load styles.
func TestFakeclientMapping(t *testing.T) {
	for in, want := range map[fakeclient.Outcome]harness.Outcome{fakeclient.OK: harness.OK, fakeclient.Fail: harness.Fail,
		fakeclient.Info: harness.Info, "": harness.Fail} {
		if got := opOutcome(in); got != want {
			t.Errorf("opOutcome(%q) = %q, want %q", in, got, want)
		}
	}
	ph := opPhases([]fakeclient.Phase{{Name: fakeclient.PhaseTCP, Dur: 3}, {Name: fakeclient.PhaseTLS, Dur: 5}})
	if len(ph) != 2 || ph[0] != (harness.Phase{Name: "tcp", Dur: 3}) || ph[1] != (harness.Phase{Name: "tls", Dur: 5}) {
		t.Errorf("opPhases: %+v", ph)
	}
	for _, s := range fakeclient.DisconnectStyles() {
		if got, err := ParseStyle(string(s)); err != nil || got != s {
			t.Errorf("ParseStyle(%q) = %q, %v", s, got, err)
		}
	}
	if got, err := ParseStyle(""); err != nil || got != Graceful {
		t.Errorf(`ParseStyle("") = %q, %v`, got, err)
	}
	if _, err := ParseStyle("polite"); err == nil {
		t.Error("ParseStyle accepted polite")
	}
}
