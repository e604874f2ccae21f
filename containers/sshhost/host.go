package sshhost

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
	sshagent "golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/harness/fault"
)

// Host is one existing xrdp host reached over SSH: a harness.Target.
type Host struct {
	cfg     Config
	client  *ssh.Client
	sudo    bool // commands go through sudo -n
	dir     string
	agent   string
	version string
	set     hostSettings
	users   []harness.User
	rdp     *forward
	sesman  *forward
	// clock is how far the host's clock is ahead of this machine's
	// (measureClock), clockRTT the round trip it was read in.
	clock, clockRTT time.Duration

	mu     sync.Mutex
	pids   map[int]bool // agents this run started (sampler hello pids)
	closed bool
}

var _ harness.Target = (*Host)(nil)

// HostKeyError is a host key that does not match the one the operator
// pinned or listed.
type HostKeyError struct {
	Addr, Got, Want string
	Err             error
}

func (e *HostKeyError) Error() string {
	if e.Want != "" {
		return fmt.Sprintf("sshhost: %s: host key %s does not match the pinned %s: if the host was reinstalled, check its new key out of band and update hostKeyFingerprint", e.Addr, e.Got, e.Want)
	}
	return fmt.Sprintf("sshhost: %s: host key %s is not accepted by the known_hosts file: %v", e.Addr, e.Got, e.Err)
}

func hostKeyCallback(c Config) (ssh.HostKeyCallback, error) {
	if c.HostKeyFingerprint != "" {
		want := c.HostKeyFingerprint
		return func(host string, _ net.Addr, key ssh.PublicKey) error {
			if got := ssh.FingerprintSHA256(key); got != want {
				return &HostKeyError{Addr: c.Addr, Got: got, Want: want}
			}
			return nil
		}, nil
	}
	kh, err := knownhosts.New(c.KnownHosts)
	if err != nil {
		return nil, fmt.Errorf("sshhost: read known_hosts: %w", err)
	}
	return func(host string, remote net.Addr, key ssh.PublicKey) error {
		if err := kh(host, remote, key); err != nil {
			return &HostKeyError{Addr: c.Addr, Got: ssh.FingerprintSHA256(key), Err: err}
		}
		return nil
	}, nil
}

func authMethods(c Config) ([]ssh.AuthMethod, func(), error) {
	if c.IdentityFile != "" {
		pem, err := os.ReadFile(c.IdentityFile)
		if err != nil {
			return nil, nil, fmt.Errorf("sshhost: read identity file: %w", err)
		}
		signer, err := ssh.ParsePrivateKey(pem)
		var pp *ssh.PassphraseMissingError
		if errors.As(err, &pp) {
			return nil, nil, fmt.Errorf("sshhost: identity file %s is passphrase-protected: load it into an agent and set agent: true", c.IdentityFile)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("sshhost: parse identity file %s: %w", c.IdentityFile, err)
		}
		return []ssh.AuthMethod{ssh.PublicKeys(signer)}, func() {}, nil
	}
	conn, err := net.Dial("unix", os.Getenv("SSH_AUTH_SOCK"))
	if err != nil {
		return nil, nil, fmt.Errorf("sshhost: connect to the SSH agent: %w", err)
	}
	return []ssh.AuthMethod{ssh.PublicKeysCallback(sshagent.NewClient(conn).Signers)}, func() { conn.Close() }, nil
}

// Connect logs in, checks the privileges, reads the host's xrdp settings,
// copies the agent and forwards the ports. On error it returns the
// half-made Host with the error, so that Close can undo what was done.
// Errors about the host key and the privileges come before anything is
// changed on the host.
func Connect(ctx context.Context, cfg Config) (*Host, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("sshhost: %s: %w", cfg.name(), errors.Join(errs...))
	}
	users, err := cfg.users()
	if err != nil {
		return nil, err
	}
	cb, err := hostKeyCallback(cfg)
	if err != nil {
		return nil, err
	}
	auth, closeAuth, err := authMethods(cfg)
	if err != nil {
		return nil, err
	}
	defer closeAuth()
	dctx, cancel := context.WithTimeout(ctx, cfg.timeout())
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(dctx, "tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("sshhost: dial %s: %w", cfg.Addr, err)
	}
	if dl, ok := dctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	cc, chans, reqs, err := ssh.NewClientConn(conn, cfg.Addr, &ssh.ClientConfig{
		User: cfg.User, Auth: auth, HostKeyCallback: cb, Timeout: cfg.timeout()})
	if err != nil {
		conn.Close()
		var hk *HostKeyError
		if errors.As(err, &hk) {
			return nil, hk
		}
		return nil, fmt.Errorf("sshhost: log in to %s as %s: %w", cfg.Addr, cfg.User, err)
	}
	conn.SetDeadline(time.Time{})
	h := &Host{cfg: cfg, client: ssh.NewClient(cc, chans, reqs), users: users, pids: map[int]bool{}}
	if err := h.checkPrivilege(ctx); err != nil {
		return h, err
	}
	if err := h.readHost(ctx); err != nil {
		return h, err
	}
	if h.clock, h.clockRTT, err = h.measureClock(ctx); err != nil {
		return h, err
	}
	if err := h.copyAgent(ctx); err != nil {
		return h, err
	}
	if err := h.forwardPorts(ctx); err != nil {
		return h, err
	}
	return h, nil
}

// checkPrivilege: root, or sudo without a password; nothing else works.
func (h *Host) checkPrivilege(ctx context.Context) error {
	code, out, err := h.run(ctx, "id -u")
	if err != nil {
		return fmt.Errorf("sshhost: %s: check privileges: %w", h.Name(), err)
	}
	if code == 0 && strings.TrimSpace(out) == "0" {
		return nil
	}
	code, out, err = h.run(ctx, "sudo -n true")
	if err != nil {
		return fmt.Errorf("sshhost: %s: check privileges: %w", h.Name(), err)
	}
	if code != 0 {
		return fmt.Errorf("%w for %s on %s (%s): log in as root or add a sudoers rule such as `%s ALL=(root) NOPASSWD: ALL` (the agent reads every process and the faults signal root's daemons)",
			ErrNoPrivilege, h.cfg.User, h.Name(), strings.TrimSpace(out), h.cfg.User)
	}
	h.sudo = true
	return nil
}

var versionRE = regexp.MustCompile(`xrdp\s+(\d+\.\d+[0-9.]*)`)

// readHost learns the xrdp version and settings from the host itself.
func (h *Host) readHost(ctx context.Context) error {
	code, out, err := h.Exec(ctx, "sh", "-c", "xrdp --version 2>&1 || /usr/sbin/xrdp --version 2>&1")
	if err != nil {
		return fmt.Errorf("sshhost: %s: read xrdp version: %w", h.Name(), err)
	}
	m := versionRE.FindStringSubmatch(out)
	if m == nil {
		return fmt.Errorf("sshhost: %s: no xrdp found (xrdp --version: exit %d: %.200s)", h.Name(), code, strings.TrimSpace(out))
	}
	h.version = strings.TrimRight(m[1], ".")
	files := map[string][]byte{}
	for _, f := range []string{"xrdp.ini", "sesman.ini"} {
		p := path.Join(h.cfg.confDir(), f)
		code, out, err := h.Exec(ctx, "cat", p)
		if err != nil || code != 0 {
			return fmt.Errorf("sshhost: %s: read %s: exit %d: %v %.200s (set confDir if xrdp's config is elsewhere)", h.Name(), p, code, err, strings.TrimSpace(out))
		}
		files[f] = []byte(out)
	}
	h.set, err = readSettings(files["xrdp.ini"], files["sesman.ini"], h.version)
	if err != nil {
		return fmt.Errorf("sshhost: %s: %w", h.Name(), err)
	}
	return nil
}

// copyAgent makes a private directory as the login user and puts the
// agent there by SFTP. Only x86_64 hosts get the default build.
func (h *Host) copyAgent(ctx context.Context) error {
	code, out, err := h.run(ctx, "uname -m")
	if err != nil {
		return fmt.Errorf("sshhost: %s: %w", h.Name(), err)
	}
	if arch := strings.TrimSpace(out); code != 0 || (arch != "x86_64" && h.cfg.AgentBinary == "") {
		return fmt.Errorf("sshhost: %s: machine %q: the default agent is linux/amd64; build one for it (GOARCH=...) and set agentBinary", h.Name(), arch)
	}
	local := h.cfg.AgentBinary
	if local == "" {
		if local, err = containers.FindAgent(ctx, os.TempDir()); err != nil {
			return err
		}
	}
	code, out, err = h.run(ctx, "mktemp -d /tmp/xrdp-harness.XXXXXXXX")
	if err != nil || code != 0 {
		return fmt.Errorf("sshhost: %s: make a temporary directory: exit %d: %v %s", h.Name(), code, err, strings.TrimSpace(out))
	}
	h.dir = strings.TrimSpace(out)
	h.agent = path.Join(h.dir, "xrdp-harness-agent")
	sc, err := sftp.NewClient(h.client)
	if err != nil {
		return fmt.Errorf("sshhost: %s: start sftp: %w", h.Name(), err)
	}
	defer sc.Close()
	src, err := os.Open(local)
	if err != nil {
		return fmt.Errorf("sshhost: open agent: %w", err)
	}
	defer src.Close()
	dst, err := sc.OpenFile(h.agent, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	if err != nil {
		return fmt.Errorf("sshhost: %s: create %s: %w", h.Name(), h.agent, err)
	}
	if _, err := dst.ReadFrom(src); err != nil {
		dst.Close()
		return fmt.Errorf("sshhost: %s: copy agent: %w", h.Name(), err)
	}
	if err := dst.Close(); err != nil {
		return fmt.Errorf("sshhost: %s: copy agent: %w", h.Name(), err)
	}
	if err := sc.Chmod(h.agent, 0o755); err != nil {
		return fmt.Errorf("sshhost: %s: chmod agent: %w", h.Name(), err)
	}
	return nil
}

// forwardPorts opens 127.0.0.1 listeners here that reach xrdp (and 0.9.x
// sesman) through the SSH connection, once xrdp listens.
func (h *Host) forwardPorts(ctx context.Context) error {
	wctx, cancel := context.WithTimeout(ctx, h.cfg.timeout())
	defer cancel()
	for {
		c, err := h.client.DialContext(wctx, "tcp", h.set.rdp)
		if err == nil {
			c.Close()
			break
		}
		select {
		case <-wctx.Done():
			return fmt.Errorf("sshhost: %s: xrdp does not listen on %s: %w", h.Name(), h.set.rdp, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
	var err error
	if h.rdp, err = newForward(h.client, h.set.rdp); err != nil {
		return fmt.Errorf("sshhost: %s: %w", h.Name(), err)
	}
	if h.set.sesman != "" {
		if h.sesman, err = newForward(h.client, h.set.sesman); err != nil {
			return fmt.Errorf("sshhost: %s: %w", h.Name(), err)
		}
	}
	return nil
}

// run runs a command line as the login user.
func (h *Host) run(ctx context.Context, line string) (int, string, error) {
	sess, err := h.client.NewSession()
	if err != nil {
		return -1, "", fmt.Errorf("sshhost: new session: %w", err)
	}
	defer sess.Close()
	// One writer for both streams: two io.Copy into one bytes.Buffer
	// (its ReadFrom) truncate each other's output.
	out := &syncBuffer{}
	sess.Stdout, sess.Stderr = out, out
	done := make(chan error, 1)
	go func() { done <- sess.Run(line) }()
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = sess.Signal(ssh.SIGKILL)
		sess.Close()
		<-done
		return -1, out.String(), ctx.Err()
	}
	var ee *ssh.ExitError
	switch {
	case err == nil:
		return 0, out.String(), nil
	case errors.As(err, &ee):
		return ee.ExitStatus(), out.String(), nil
	}
	return -1, out.String(), fmt.Errorf("sshhost: run: %w", err)
}

// rootLine is argv as a command line run as root.
func (h *Host) rootLine(argv []string) string {
	line := commandLine(argv)
	if h.sudo {
		return "sudo -n -- " + line
	}
	return line
}

// Exec runs argv as root on the host: exit code, combined output.
func (h *Host) Exec(ctx context.Context, argv ...string) (int, string, error) {
	if len(argv) == 0 {
		return -1, "", errors.New("sshhost: exec: no command")
	}
	return h.run(ctx, h.rootLine(argv))
}

func (h *Host) Name() string { return h.cfg.name() }

// Info describes the host for the Record; no password is in it.
func (h *Host) Info() harness.TargetInfo {
	return harness.TargetInfo{
		Name:           h.Name(),
		Version:        h.version,
		Flavour:        "host",
		Image:          "ssh://" + h.cfg.User + "@" + h.cfg.Addr,
		Policy:         h.set.policy,
		MaxSessions:    h.set.maxSess,
		DisplayOffset:  h.set.dispOffset,
		Users:          len(h.users),
		SessionProcess: containers.FeaturesOf(h.version).SessionProcess,
		Config: map[string]string{
			"kind":            "ssh",
			"xrdp.rdp":        h.set.rdp,
			"xrdp.log":        h.set.xrdpLog,
			"sesman.log":      h.set.sesmanLog,
			"ReconnectScript": h.set.reconnect,
			"allowFaults":     strconv.FormatBool(h.cfg.AllowFaults),
			"privilege":       map[bool]string{true: "sudo -n", false: "root"}[h.sudo],
			// The host's stamps are moved onto this machine's clock by it
			// (Watch), to within half the round trip.
			"clockOffset": h.clock.String(),
			"clockRTT":    h.clockRTT.String(),
		},
	}
}

// RDPAddr is the local end of the RDP forward, 127.0.0.1:port.
func (h *Host) RDPAddr() string {
	if h.rdp == nil {
		return ""
	}
	return h.rdp.Addr()
}

// SesmanAddr is the local end of the SCP forward (0.9.x), else "".
func (h *Host) SesmanAddr() string {
	if h.sesman == nil {
		return ""
	}
	return h.sesman.Addr()
}

// Users are the test users, with the passwords read from the file or
// environment.
func (h *Host) Users() []harness.User { return append([]harness.User(nil), h.users...) }

// Version is the host's xrdp version (from xrdp --version).
func (h *Host) Version() string { return h.version }

// Dir is the run's directory on the host ("" before it was made).
func (h *Host) Dir() string { return h.dir }

// AgentPath is where the agent is on this host (faults that start it ask
// for this through fault.AgentLocator).
func (h *Host) AgentPath() string { return h.agent }

// AllowsFaults reports the target's allowFaults setting.
func (h *Host) AllowsFaults() bool { return h.cfg.AllowFaults }

// ServiceCommand is the command line that restarts process through the
// host's service manager.
func (h *Host) ServiceCommand(process string) string {
	c := h.cfg.ServiceCommand
	if c == "" {
		c = "systemctl restart {process}"
	}
	return strings.ReplaceAll(c, "{process}", shellQuote(process))
}

// ScopeToTestUsers is always true: a host is someone's server, and the
// session faults touch only the test users' sessions.
func (h *Host) ScopeToTestUsers() bool { return true }

var (
	_ fault.AgentLocator   = (*Host)(nil)
	_ fault.ServiceManager = (*Host)(nil)
	_ fault.UserScoped     = (*Host)(nil)
)

// syncBuffer is a bytes.Buffer for concurrent writers, without ReadFrom.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
