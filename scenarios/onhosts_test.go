package scenarios

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func hostsFor(t *testing.T, logins ...string) Hosts {
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return Hosts{Logins: logins, SSH: SSHSpec{IdentityFile: "/keys/id_ed25519", KnownHosts: "/keys/known_hosts",
		Users: []string{"alice", "bob"}, PasswordFile: pw}, AllowFaults: true}
}

func TestOnHosts(t *testing.T) {
	storm, err := Builtin("reconnect-storm")
	if err != nil {
		t.Fatal(err)
	}
	s, dropped, err := storm.OnHosts(hostsFor(t, "ops@staging1.example.net:22"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Target.kind() != KindSSH || s.Target.SSH.User != "ops" || s.Target.SSH.Addr != "staging1.example.net:22" || len(s.Targets) != 0 {
		t.Errorf("target %+v: want the one ssh host", s.Target)
	}
	if !slices.Equal(dropped, []string{"users", "reconnectScript"}) {
		t.Errorf("dropped %v: want the storm's container settings", dropped)
	}
	if storm.Target.kind() != KindContainer {
		t.Error("the scenario itself was changed")
	}

	s, _, err = storm.OnHosts(hostsFor(t, "ops@192.0.2.5:22", "ops@192.0.2.6:2222"))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Targets) != 2 || s.Spread != "" || s.Targets[1].SSH.Addr != "192.0.2.6:2222" {
		t.Errorf("targets %+v spread %q: want a round-robin fleet of two", s.Targets, s.Spread)
	}
	h := hostsFor(t, "ops@192.0.2.5:22", "ops@192.0.2.6:22")
	h.Front = "127.0.0.1:13389"
	if s, _, err = storm.OnHosts(h); err != nil || s.Spread != SpreadFront || s.Front != h.Front {
		t.Errorf("front: %v, spread %q", err, s.Spread)
	}
}

func TestOnHostsRefuses(t *testing.T) {
	storm, err := Builtin("reconnect-storm")
	if err != nil {
		t.Fatal(err)
	}
	noFaults := hostsFor(t, "ops@h:22")
	noFaults.AllowFaults = false
	noKey := hostsFor(t, "ops@h:22")
	noKey.SSH.KnownHosts = ""
	front := hostsFor(t, "ops@h:22")
	front.Front = "127.0.0.1:13389"
	for _, tc := range []struct {
		name string
		s    Spec
		h    Hosts
		want string
	}{
		{"no user", storm, hostsFor(t, "h:22"), `--ssh "h:22": want USER@HOST:PORT`},
		{"no port", storm, hostsFor(t, "ops@h"), `ssh.addr "h": want host:port`},
		{"no host key", storm, noKey, "host keys are never skipped"},
		{"faults need --allow-faults", storm, noFaults, "injects end-sessions into the hosts; a host is someone's server: add --allow-faults"},
		{"a front needs a fleet", storm, front, "give two or more --ssh hosts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := tc.s.OnHosts(tc.h)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an error with %q, got %v", tc.want, err)
			}
		})
	}
}
