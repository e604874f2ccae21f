package scenarios

import (
	"strings"
	"testing"

	"github.com/xrdp-harness/xrdp-harness/harness/load"
)

const fleetLoad = `load:
  - kind: reconnect-storm
    cycles: 2
`

func TestFleetSpec(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"round robin over two containers", "name: f\ntargets:\n  - users: 4\n  - users: 4\n" + fleetLoad, ""},
		{"front", "name: f\ntargets:\n  - {}\n  - {}\nspread: front\nfront: 127.0.0.1:13389\n" + fleetLoad, ""},
		{"front off loopback", "name: f\ntargets:\n  - {}\n  - {}\nspread: front\nfront: 192.0.2.5:3389\n" + fleetLoad, "the harness dials loopback only"},
		{"round robin needs the same users", "name: f\ntargets:\n  - users: 4\n  - users: 5\n" + fleetLoad, "every host needs the same users"},
		{"one entry", "name: f\ntargets:\n  - users: 4\n" + fleetLoad, "a fleet has two or more"},
		{"target and targets", "name: f\ntarget:\n  users: 3\ntargets:\n  - {}\n  - {}\n" + fleetLoad, "both set"},
		{"entries are checked", "name: f\ntargets:\n  - {policy: Sometimes}\n  - {}\n" + fleetLoad, "targets[0]: target.policy"},
		{"spread alone", "name: f\nspread: front\n" + fleetLoad, "set without targets"},
		{"unknown spread", "name: f\ntargets:\n  - {}\n  - {}\nspread: random\n" + fleetLoad, `spread "random"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("f.yaml", strings.NewReader(tc.yaml))
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("want valid, got %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("want an error with %q, got %v", tc.want, err)
			}
		})
	}
}

func TestFleetPlan(t *testing.T) {
	s, err := Parse("f.yaml", strings.NewReader("name: f\ntargets:\n  - users: 2\n  - users: 2\nfaults:\n  - kind: kill-xvnc\n"+fleetLoad+
		"  - kind: sequence\n    steps:\n      - kind: fault\n        fault: {kind: end-sessions}\n"))
	if err != nil {
		t.Fatal(err)
	}
	plan, _, err := s.Plan("0.9.21.1")
	if err != nil {
		t.Fatal(err)
	}
	if plan.Lab == nil || len(plan.Fault) != 1 || plan.Fault[0].Target != "xrdp-0.9.21.1-1" {
		t.Fatalf("lab %T, faults %+v: want the fault on the first host behind the front", plan.Lab, plan.Fault)
	}
	n := plan.Load[1].(*load.Sequence).Steps[0].(*load.Nemesis)
	if n.Target != "xrdp-0.9.21.1-1" {
		t.Errorf("fault step aimed at %q, want the first host", n.Target)
	}
}
