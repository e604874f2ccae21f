package scenarios

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xrdp-harness/xrdp-harness/containers/sshhost"
)

// sshScenario is a valid ssh-target scenario; extra is appended to target:.
func sshScenario(t *testing.T, target, rest string) string {
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return `name: on-staging
target:
  kind: ssh
  ssh:
    addr: 127.0.0.1:2222
    user: ops
    identityFile: /keys/id_ed25519
    hostKeyFingerprint: SHA256:` + strings.Repeat("B", 43) + `
    users: [user1, user2]
    passwordFile: ` + pw + `
` + target + `load:
  - kind: reconnect-storm
    cycles: 2
` + rest
}

func TestSSHTargetSpec(t *testing.T) {
	for _, tc := range []struct {
		name, target, rest string
		want               string // "" = valid
	}{
		{name: "valid", want: ""},
		{name: "faults need allowFaults", rest: "faults:\n  - kind: signal\n    params: {process: xrdp-sesman, sig: HUP}\n",
			want: "target.allowFaults: the scenario injects signal into the existing host 127.0.0.1:2222"},
		{name: "fault steps count too", rest: "  - kind: fault\n    fault: {kind: end-sessions}\n",
			want: "set allowFaults: true"},
		{name: "allowed faults", target: "  allowFaults: true\n", rest: "faults:\n  - kind: kill-xvnc\n", want: ""},
		{name: "pause is container-only", target: "  allowFaults: true\n", rest: "faults:\n  - kind: pause-container\n",
			want: "fault pause-container: not on an ssh target"},
		{name: "resources is container-only", target: "  allowFaults: true\n", rest: "faults:\n  - kind: resources\n    params: {cpus: \"0.5\"}\n",
			want: "fault resources: not on an ssh target"},
		{name: "host config is the host's", target: "  maxSessions: 5\n", want: "target.maxSessions: an ssh target is used as it is"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("x.yaml", strings.NewReader(sshScenario(t, tc.target, tc.rest)))
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("want valid, got %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("want an error with %q, got %v", tc.want, err)
			}
		})
	}
}

func TestTargetKindUnknown(t *testing.T) {
	y := strings.Replace(sshScenario(t, "", ""), "kind: ssh", "kind: k8s", 1)
	_, err := Parse("x.yaml", strings.NewReader(y))
	if err == nil || !strings.Contains(err.Error(), `target.kind "k8s": want container or ssh`) {
		t.Fatalf("got %v", err)
	}
}

func TestSSHTargetNeedsHostKey(t *testing.T) {
	y := strings.Replace(sshScenario(t, "", ""), "    hostKeyFingerprint: SHA256:"+strings.Repeat("B", 43)+"\n", "", 1)
	_, err := Parse("x.yaml", strings.NewReader(y))
	if err == nil || !strings.Contains(err.Error(), "host keys are never skipped") {
		t.Fatalf("got %v", err)
	}
}

func TestSSHTargetPlan(t *testing.T) {
	s, err := Parse("x.yaml", strings.NewReader(sshScenario(t, "  allowFaults: true\n", "faults:\n  - kind: latency\n    params: {delay: 50ms}\n")))
	if err != nil {
		t.Fatal(err)
	}
	plan, _, err := s.Plan("host")
	if err != nil {
		t.Fatal(err)
	}
	// Network faults put the harness's proxy in front of the host too.
	if _, ok := plan.Lab.(*sshhost.Lab); ok {
		t.Fatalf("lab %T: want the ssh lab behind a proxy", plan.Lab)
	}
	s.Faults = nil
	plan, _, err = s.Plan("host")
	if err != nil {
		t.Fatal(err)
	}
	lab, ok := plan.Lab.(*sshhost.Lab)
	if !ok || len(lab.Hosts) != 1 || lab.Hosts[0].Addr != "127.0.0.1:2222" || !lab.Hosts[0].AllowFaults {
		t.Fatalf("lab %#v", plan.Lab)
	}
}
