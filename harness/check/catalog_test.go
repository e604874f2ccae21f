package check

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

func TestDefaultCatalog(t *testing.T) {
	cs, err := Default(WithZombieGrace(2 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, c := range cs {
		if names[c.Name()] {
			t.Errorf("duplicate checker %q", c.Name())
		}
		names[c.Name()] = true
	}
	if len(names) != 8 {
		t.Errorf("catalog has %d checkers, want 8: %v", len(names), names)
	}
	if z, ok := cs[0].(Zombies); !ok || z.Config.ZombieGrace != 2*time.Second || z.Config.StaleGrace != 15*time.Second {
		t.Errorf("options or defaults not applied: %+v", cs[0])
	}
	// Every checker answers once per target, names itself, and copes with
	// an empty record and a nil one.
	b := newBuilder()
	b.on("t2")
	for _, c := range cs {
		vs := c.Check(b.record())
		if len(vs) != 2 || vs[0].Target != "t1" || vs[1].Target != "t2" {
			t.Errorf("%s: verdicts %+v, want one per target", c.Name(), vs)
		}
		for _, v := range vs {
			if v.Checker != c.Name() || v.Summary == "" {
				t.Errorf("%s: verdict %+v", c.Name(), v)
			}
		}
		if vs := c.Check(nil); len(vs) != 1 || vs[0].Valid != harness.Unknown {
			t.Errorf("%s: nil record gave %+v", c.Name(), vs)
		}
	}
}

func TestOptionsReportEveryProblem(t *testing.T) {
	_, err := Default(WithZombieGrace(-1), WithMaxErrorRate(2), WithBPPVariants(0), WithExpectedAuthFailures(""),
		WithRecoveryKinds(), WithFinalSessions(-3))
	if err == nil {
		t.Fatal("bad options accepted")
	}
	for _, want := range []string{"zombie grace", "max error rate", "bpp variants", "expected auth failures",
		"recovery kinds", "final sessions"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %q: %v", want, err)
		}
	}
	if errs := (Config{LatencyKinds: []harness.OpKind{"nope"}}).Validate(); len(errs) != 1 ||
		!strings.Contains(errors.Join(errs...).Error(), `unknown kind "nope"`) {
		t.Errorf("Validate: %v", errs)
	}
	if errs := (Config{}).Validate(); len(errs) != 0 {
		t.Errorf("zero Config invalid: %v", errs)
	}
}
