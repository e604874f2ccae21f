package sshhost

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Config says how to reach one existing xrdp host. Every zero value is
// documented; Validate reports every problem at once, before any network
// work.
type Config struct {
	// Name is the target's name in Records ("" = the address).
	Name string
	// Addr is the SSH endpoint, host:port. Required.
	Addr string
	// User is the login. Required. It must be root or allowed to run
	// `sudo -n` (the agent reads every process's /proc entries and the
	// faults signal root's daemons).
	User string
	// IdentityFile is an unencrypted private key; "" means the SSH agent
	// at $SSH_AUTH_SOCK (Agent must then be true).
	IdentityFile string
	Agent        bool
	// KnownHosts is a known_hosts file; HostKeyFingerprint a pinned key
	// ("SHA256:base64", as ssh-keygen -lf prints it). Exactly one is
	// required: host keys are always verified.
	KnownHosts         string
	HostKeyFingerprint string
	// Users are the test accounts that exist on the host. Required. Faults
	// act only on their sessions.
	Users []string
	// PasswordFile holds the test users' passwords: "user:password" lines,
	// or one line that is every user's password. PasswordEnv names an
	// environment variable holding the one password of every user. Exactly
	// one is required; the scenario never holds a password.
	PasswordFile string
	PasswordEnv  string
	// ConfDir holds xrdp.ini and sesman.ini ("" = /etc/xrdp).
	ConfDir string
	// ExtraLogs are more log files to follow, source → path (e.g. the
	// harness lab's "reconnect" log).
	ExtraLogs map[string]string
	// ServiceCommand restarts a daemon through the host's own service
	// manager: {process} is replaced by xrdp or xrdp-sesman ("" =
	// "systemctl restart {process}").
	ServiceCommand string
	// AllowFaults must be true for any fault to run on this host: it is
	// someone's server.
	AllowFaults bool
	// Agent binary to copy ("" = containers.FindAgent, linux/amd64).
	AgentBinary string
	// Timeout bounds the SSH handshake and the wait for xrdp to listen
	// (0 = 30s).
	Timeout time.Duration
}

var fingerprintRE = regexp.MustCompile(`^SHA256:[A-Za-z0-9+/]{43}=?$`)

var userRE = regexp.MustCompile(`^[a-z_][a-z0-9_.-]{0,31}$`)

// Validate reports every problem of the settings, each naming its field
// and the fix.
func (c Config) Validate() []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		add("ssh.addr %q: want host:port, e.g. staging1.example.net:22", c.Addr)
	}
	if !userRE.MatchString(c.User) {
		add("ssh.user %q: want a login name (root, or a user with a sudo -n rule)", c.User)
	}
	switch {
	case c.IdentityFile == "" && !c.Agent:
		add("ssh: no credentials: set identityFile (an unencrypted key) or agent: true (keys from $SSH_AUTH_SOCK)")
	case c.IdentityFile != "" && c.Agent:
		add("ssh: identityFile and agent are both set: choose one")
	case c.Agent && os.Getenv("SSH_AUTH_SOCK") == "":
		add("ssh.agent: $SSH_AUTH_SOCK is not set: start an agent or use identityFile")
	}
	switch {
	case c.KnownHosts == "" && c.HostKeyFingerprint == "":
		add("ssh: the host key cannot be verified: set knownHosts (a known_hosts file) or hostKeyFingerprint (SHA256:..., from ssh-keygen -lf); host keys are never skipped")
	case c.KnownHosts != "" && c.HostKeyFingerprint != "":
		add("ssh: knownHosts and hostKeyFingerprint are both set: choose one")
	case c.HostKeyFingerprint != "" && !fingerprintRE.MatchString(c.HostKeyFingerprint):
		add("ssh.hostKeyFingerprint %q: want SHA256: and 43 base64 characters, as `ssh-keygen -lf KEY.pub` prints", c.HostKeyFingerprint)
	}
	if len(c.Users) == 0 {
		add("ssh.users: empty; name the test accounts that exist on the host (faults touch only their sessions)")
	}
	seen := map[string]bool{}
	for i, u := range c.Users {
		if !userRE.MatchString(u) {
			add("ssh.users[%d] %q: want a login name", i, u)
		}
		if u == "root" {
			add("ssh.users[%d]: root cannot be a test user", i)
		}
		if seen[u] {
			add("ssh.users[%d] %q: listed twice", i, u)
		}
		seen[u] = true
	}
	switch {
	case c.PasswordFile == "" && c.PasswordEnv == "":
		add("ssh: the test users' passwords: set passwordFile or passwordEnv (never in the scenario)")
	case c.PasswordFile != "" && c.PasswordEnv != "":
		add("ssh: passwordFile and passwordEnv are both set: choose one")
	case c.PasswordEnv != "" && os.Getenv(c.PasswordEnv) == "":
		add("ssh.passwordEnv: $%s is empty or not set", c.PasswordEnv)
	}
	if c.ServiceCommand != "" && !strings.Contains(c.ServiceCommand, "{process}") {
		add("ssh.serviceCommand %q: must contain {process} (replaced by xrdp or xrdp-sesman)", c.ServiceCommand)
	}
	for src, p := range c.ExtraLogs {
		if src == "" || !strings.HasPrefix(p, "/") {
			add("ssh.extraLogs %q=%q: want a source name and an absolute path", src, p)
		}
	}
	if c.Timeout < 0 {
		add("ssh.timeout %v: cannot be negative", c.Timeout)
	}
	return errs
}

func (c Config) name() string {
	if c.Name != "" {
		return c.Name
	}
	return c.Addr
}

func (c Config) confDir() string {
	if c.ConfDir != "" {
		return strings.TrimRight(c.ConfDir, "/")
	}
	return "/etc/xrdp"
}

func (c Config) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return 30 * time.Second
}

// users reads the passwords and pairs them with the names.
func (c Config) users() ([]harness.User, error) {
	byUser := map[string]string{}
	var all string
	if c.PasswordEnv != "" {
		all = os.Getenv(c.PasswordEnv)
		if all == "" {
			return nil, fmt.Errorf("sshhost: passwords: $%s is empty", c.PasswordEnv)
		}
	} else {
		f, err := os.Open(c.PasswordFile)
		if err != nil {
			return nil, fmt.Errorf("sshhost: read password file: %w", err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		n := 0
		for sc.Scan() {
			line := strings.TrimRight(sc.Text(), "\r")
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			n++
			if u, p, ok := strings.Cut(line, ":"); ok && userRE.MatchString(u) {
				byUser[u] = p
			} else {
				all = line
			}
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("sshhost: read password file: %w", err)
		}
		if all != "" && n > 1 {
			// The file's content is not quoted here: it holds passwords.
			return nil, fmt.Errorf("sshhost: password file %s: mix of user:password lines and a bare line; use one form", c.PasswordFile)
		}
	}
	users := make([]harness.User, 0, len(c.Users))
	var missing []string
	for _, u := range c.Users {
		p, ok := byUser[u]
		if !ok {
			p = all
		}
		if p == "" {
			missing = append(missing, u)
		}
		users = append(users, harness.User{Name: u, Password: p})
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("sshhost: password file %s has no password for %s", c.PasswordFile, strings.Join(missing, ", "))
	}
	return users, nil
}

// ErrNoPrivilege is returned by Connect when the login is neither root nor
// allowed to run sudo without a password.
var ErrNoPrivilege = errors.New("sshhost: the login is not root and `sudo -n true` fails")
