package scenarios

import (
	"fmt"
	"os"
	"path/filepath"
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
		{"network faults behind the operator's balancer", "name: f\ntargets:\n  - {}\n  - {}\nspread: front\nfront: 127.0.0.1:13389\n" +
			"faults:\n  - kind: latency\n    params: {delay: 100ms}\n" + fleetLoad, "dials the hosts itself, past any proxy"},
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

// TestFleetRefusesCookieTwins: round robin keys on the mstshash cookie,
// which keeps 9 characters of the name, so test users that share them
// would share a host: refused before any work, naming users and cookie.
func TestFleetRefusesCookieTwins(t *testing.T) {
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	host := func(addr, users string) string {
		return "  - kind: ssh\n    ssh:\n      addr: " + addr + "\n      user: ops\n      identityFile: /keys/id\n" +
			"      hostKeyFingerprint: SHA256:" + strings.Repeat("B", 43) + "\n      users: " + users + "\n      passwordFile: " + pw + "\n"
	}
	y := "name: f\ntargets:\n" + host("127.0.0.1:2222", "[xrdpuser01, xrdpuser02, ops3]") +
		host("127.0.0.1:2223", "[xrdpuser01, xrdpuser02, ops3]") + fleetLoad
	_, err := Parse("f.yaml", strings.NewReader(y))
	if err == nil || !strings.Contains(err.Error(), `test users xrdpuser01, xrdpuser02 share the routing cookie "xrdpuser0"`) {
		t.Fatalf("want the cookie twins refused, got %v", err)
	}
	// Behind the operator's balancer they are what production sees: allowed.
	y = "name: f\ntargets:\n" + host("127.0.0.1:2222", "[xrdpuser01, xrdpuser02]") +
		host("127.0.0.1:2223", "[xrdpuser01, xrdpuser02]") + "spread: front\nfront: 127.0.0.1:13389\n" + fleetLoad
	if _, err := Parse("f.yaml", strings.NewReader(y)); err != nil {
		t.Fatalf("front: want valid, got %v", err)
	}
	// Containers' user1..user20 all differ within 9 characters.
	if _, err := Parse("f.yaml", strings.NewReader("name: f\ntargets:\n  - users: 20\n  - users: 20\n"+fleetLoad)); err != nil {
		t.Fatalf("user1..user20: want valid, got %v", err)
	}
}

// TestFleetPlanProxiesEachHost: a fleet with network faults puts the
// proxies between the balancer and each host (inside the front), not in
// front of the balancer, where a host's fault would meet no client.
func TestFleetPlanProxiesEachHost(t *testing.T) {
	s, err := Parse("f.yaml", strings.NewReader("name: f\ntargets:\n  - users: 2\n  - users: 2\nfaults:\n  - kind: latency\n    params: {delay: 100ms}\n"+fleetLoad))
	if err != nil {
		t.Fatal(err)
	}
	plan, _, err := s.Plan("0.9.21.1")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%T", plan.Lab); got != "*fleet.spreadLab" {
		t.Errorf("lab %s: want the balancer outermost (its hosts proxied inside it)", got)
	}
	if plan.Fault[0].Target != "xrdp-0.9.21.1-1" {
		t.Errorf("fault on %q, want the first host", plan.Fault[0].Target)
	}
}
