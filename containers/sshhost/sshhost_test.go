package sshhost

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestShellQuoteRoundTrip(t *testing.T) {
	args := []string{"plain", "", "two words", "it's", `$(id)`, "`x`", "a\nb", `"q"`, "-c", "x;y&z|w"}
	out, err := exec.Command("sh", "-c", commandLine(append([]string{"printf", `%s\0`}, args...))).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if len(got) != len(args) {
		t.Fatalf("got %d words %q, want %d", len(got), got, len(args))
	}
	for i := range args {
		if got[i] != args[i] {
			t.Errorf("word %d: got %q, want %q", i, got[i], args[i])
		}
	}
}

func TestRDPListener(t *testing.T) {
	for _, c := range []struct{ in, want, err string }{
		{"", "127.0.0.1:3389", ""},
		{"3389", "127.0.0.1:3389", ""},
		{"tcp://:3390", "127.0.0.1:3390", ""},
		{"tcp://127.0.0.1:3389", "127.0.0.1:3389", ""},
		{"tcp6://[::]:3389", "[::1]:3389", ""},
		{"vsock://-1:3389 tcp://:3391", "127.0.0.1:3391", ""},
		{"vsock://-1:3389", "", "no TCP listener"},
		{"tcp://:rdp", "", "not a TCP port"},
	} {
		got, err := rdpListener(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: err %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q: got %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestReadSettings(t *testing.T) {
	xrdp := []byte("[Globals]\nport=tcp://:3389\n[Logging]\nLogFile=xrdp.log\n")
	sesman := []byte("[Globals]\nListenAddress=127.0.0.1\nListenPort=3350\nReconnectScript=/etc/xrdp/reconnectwm.sh\n[Sessions]\nMaxSessions=7\nPolicy=UBDC\n[Logging]\nLogFile=/srv/log/sesman.log\n")
	s, err := readSettings(xrdp, sesman, "0.9.21.1")
	if err != nil {
		t.Fatal(err)
	}
	want := hostSettings{rdp: "127.0.0.1:3389", sesman: "127.0.0.1:3350", xrdpLog: "/var/log/xrdp.log",
		sesmanLog: "/srv/log/sesman.log", policy: "UBDC", maxSess: 7, dispOffset: 10, reconnect: "/etc/xrdp/reconnectwm.sh"}
	if s != want {
		t.Errorf("got %+v\nwant %+v", s, want)
	}
	s, err = readSettings(xrdp, sesman, "0.10.1")
	if err != nil || s.sesman != "" {
		t.Errorf("0.10: sesman %q, %v; want no TCP endpoint", s.sesman, err)
	}
}

func validConfig(t *testing.T) Config {
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("user1:secret1\nuser2:secret2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return Config{Addr: "127.0.0.1:2222", User: "harness", IdentityFile: "/k", HostKeyFingerprint: "SHA256:" + strings.Repeat("A", 43),
		Users: []string{"user1", "user2"}, PasswordFile: pw}
}

func TestValidate(t *testing.T) {
	if errs := validConfig(t).Validate(); len(errs) > 0 {
		t.Fatalf("valid config: %v", errs)
	}
	for _, c := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no host key", func(c *Config) { c.HostKeyFingerprint = "" }, "host keys are never skipped"},
		{"both host keys", func(c *Config) { c.KnownHosts = "/kh" }, "choose one"},
		{"bad fingerprint", func(c *Config) { c.HostKeyFingerprint = "MD5:aa" }, "SHA256:"},
		{"no credentials", func(c *Config) { c.IdentityFile = "" }, "identityFile"},
		{"no passwords", func(c *Config) { c.PasswordFile = "" }, "never in the scenario"},
		{"root test user", func(c *Config) { c.Users = []string{"root"} }, "root cannot be a test user"},
		{"service command", func(c *Config) { c.ServiceCommand = "service xrdp restart" }, "{process}"},
		{"addr", func(c *Config) { c.Addr = "host" }, "host:port"},
	} {
		cfg := validConfig(t)
		c.edit(&cfg)
		errs := cfg.Validate()
		if len(errs) == 0 || !strings.Contains(errs[0].Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.name, errs, c.want)
		}
	}
}

func TestUsersPasswords(t *testing.T) {
	cfg := validConfig(t)
	us, err := cfg.users()
	if err != nil || len(us) != 2 || us[1].Password != "secret2" {
		t.Fatalf("got %+v, %v", us, err)
	}
	cfg.Users = append(cfg.Users, "user3")
	if _, err := cfg.users(); err == nil || !strings.Contains(err.Error(), "user3") || strings.Contains(err.Error(), "secret") {
		t.Errorf("missing user3: %v (must name the user, never a password)", err)
	}
	t.Setenv("XH_TEST_PW", "same")
	cfg.PasswordFile, cfg.PasswordEnv = "", "XH_TEST_PW"
	us, err = cfg.users()
	if err != nil || us[2].Password != "same" {
		t.Errorf("env: %+v, %v", us, err)
	}
}
