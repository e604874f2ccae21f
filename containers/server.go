package containers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/testcontainers/testcontainers-go"
	tcexec "github.com/testcontainers/testcontainers-go/exec"
	tcnetwork "github.com/testcontainers/testcontainers-go/network"
	"github.com/testcontainers/testcontainers-go/wait"
	"github.com/xrdp-harness/xrdp-harness/containers/agent"
	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Ports inside every xrdp container.
const (
	RDPPort    = 3389
	SesmanPort = 3350
	// SCPRelayPort is where the agent relays SCP to sesman (0.9.x), whose
	// own port stays on loopback as in a default install.
	SCPRelayPort = 3351
)

// Log files inside every xrdp container.
const (
	XrdpLog      = "/var/log/xrdp.log"
	SesmanLog    = "/var/log/xrdp-sesman.log"
	ReconnectLog = "/var/log/xrdp-harness/reconnect.log"
	// RelayLog is the SCP relay's: where it listens, and each peer it
	// refused (it takes the network's gateway, Docker's proxy, only).
	RelayLog  = "/var/log/xrdp-harness/relay.log"
	AgentPath = agent.DefaultBin
)

// User is a test user that exists in the container.
type User = harness.User

// Server is one running xrdp container.
type Server struct {
	ctr        *testcontainers.DockerContainer
	image      Image
	cfg        config
	rdpAddr    string
	sesmanAddr string
	ownBuilder bool
	sshAddr    string
	layers     []harness.ConfigChange
}

// Run boots xrdp `version` in a container and waits until it is ready: RDP
// answers an X.224 request with TLS selected and sesman listens. version is
// an ImageSpec string ("0.9.21.1", "0.9.22.1@/path/x.tar.gz", see
// ParseImageSpec) unless WithSource gives the tarball. Like testcontainers,
// Run returns the half-made Server together with an error, so the caller can
// always Terminate what was started.
func Run(ctx context.Context, version string, opts ...Option) (*Server, error) {
	if os.Getenv("TESTCONTAINERS_RYUK_DISABLED") != "true" {
		// The harness cleans up by label itself; Ryuk's image cannot be
		// pulled on registry-less machines anyway.
		os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
	cfg := defaultConfig()
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, fmt.Errorf("containers: run xrdp %s: %w", version, err)
		}
	}
	if cfg.password == "" {
		cfg.password = randomPassword()
	}
	spec, err := ParseImageSpec(version)
	if err != nil {
		return nil, err
	}
	if cfg.source != nil {
		if spec.Source != nil {
			return nil, fmt.Errorf("containers: run xrdp %s: the tarball is given twice (in the version and WithSource)", version)
		}
		spec.Source = cfg.source
	}
	if err := cfg.checkOperator(); err != nil {
		return nil, fmt.Errorf("containers: run xrdp %s: %w", version, err)
	}
	s := &Server{cfg: cfg}
	if cfg.builder == nil {
		b, err := NewBuilder()
		if err != nil {
			return nil, err
		}
		cfg.builder, s.ownBuilder = b, true
		s.cfg.builder = b
	}
	if _, err := Sweep(ctx, false); err != nil {
		// Not fatal: a leftover only costs resources; say so and go on.
		cfg.builder.logf("sweep of leftovers: %v", err)
	}
	img, err := cfg.builder.Ensure(ctx, spec)
	s.image = img
	if err != nil {
		return s, err
	}
	if img, err = cfg.builder.EnsureDesktop(ctx, img, cfg.desktop.Kind); err != nil {
		return s, err
	}
	s.image = img
	if cfg.sshd != nil {
		img, err = cfg.builder.ensureSSHD(ctx, spec, img)
		s.image = img
		if err != nil {
			return s, err
		}
	}
	agent, err := cfg.builder.agent.get(ctx, cfg.builder.cacheDir)
	if err != nil {
		return s, err
	}
	files := []testcontainers.ContainerFile{
		{HostFilePath: agent, ContainerFilePath: AgentPath, FileMode: 0o755},
		{Reader: strings.NewReader(cfg.runEnv(img.Version)), ContainerFilePath: "/etc/xrdp-harness/run.env", FileMode: 0o644},
		{Reader: strings.NewReader(cfg.reconnect.env()), ContainerFilePath: "/etc/xrdp-harness/reconnect.env", FileMode: 0o644},
		{Reader: strings.NewReader(cfg.iniTSV(img.Version)), ContainerFilePath: "/etc/xrdp-harness/ini.tsv", FileMode: 0o644},
		{Reader: strings.NewReader(cfg.desktopEnv()), ContainerFilePath: "/etc/xrdp-harness/desktop.env", FileMode: 0o644},
	}
	sshPort := network.MustParsePort(fmt.Sprintf("%d/tcp", SSHPort))
	if cfg.sshd != nil {
		files = append(files,
			testcontainers.ContainerFile{Reader: strings.NewReader(cfg.sshd.env()), ContainerFilePath: "/etc/xrdp-harness/ssh/ssh.env", FileMode: 0o644},
			testcontainers.ContainerFile{Reader: bytes.NewReader(cfg.sshd.AuthorizedKey), ContainerFilePath: "/etc/xrdp-harness/ssh/authorized_keys", FileMode: 0o644},
			testcontainers.ContainerFile{Reader: bytes.NewReader(cfg.sshd.HostKey), ContainerFilePath: "/etc/xrdp-harness/ssh/ssh_host_ed25519_key", FileMode: 0o600})
	}
	// The operator's files go in first; the entrypoint layers ini.tsv on them.
	files = append(files, cfg.operatorFiles()...)
	labels := ownerLabels(cfg.lease)
	labels[LabelVersion] = img.Version
	if cfg.runID != "" {
		labels[LabelRun] = cfg.runID
	}
	for k, v := range cfg.labels {
		labels[k] = v
	}
	loopback := netip.MustParseAddr("127.0.0.1")
	rdpPort := network.MustParsePort(fmt.Sprintf("%d/tcp", RDPPort))
	sesPort := network.MustParsePort(fmt.Sprintf("%d/tcp", SCPRelayPort))
	// 0.9.x sesman speaks SCP v0 on TCP, published like RDP; 0.10 sesman
	// listens on a UNIX socket only, so there is nothing to publish.
	scpTCP := FeaturesOf(img.Version).SCPTCP
	exposed := []string{rdpPort.String()}
	bindings := network.PortMap{rdpPort: {{HostIP: loopback, HostPort: "0"}}}
	var sesmanWait wait.Strategy = &sesmanSocketReady{path: "sesman.socket", timeout: cfg.startupTimeout}
	if scpTCP {
		exposed = append(exposed, sesPort.String())
		bindings[sesPort] = []network.PortBinding{{HostIP: loopback, HostPort: "0"}}
		sesmanWait = &sesmanReady{ports: []int{SesmanPort, SCPRelayPort}, timeout: cfg.startupTimeout}
	}
	var ready wait.Strategy = wait.ForAll(&rdpReady{port: rdpPort.String(), timeout: cfg.startupTimeout}, sesmanWait)
	if cfg.sshd != nil {
		// An ssh host publishes SSH alone and is checked without docker
		// exec: the SSH target waits for xrdp itself, through SSH.
		exposed = []string{sshPort.String()}
		bindings = network.PortMap{sshPort: {{HostIP: loopback, HostPort: "0"}}}
		ready = wait.ForAll(wait.ForLog("xrdp-harness: sshd started"), wait.ForLog("xrdp-harness: xrdp-sesman and xrdp started"))
		scpTCP = false
	}
	tcOpts := []testcontainers.ContainerCustomizer{
		testcontainers.WithExposedPorts(exposed...),
		testcontainers.WithLabels(labels),
		testcontainers.WithFiles(files...),
		testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
			// Published on the host's loopback only, never on 0.0.0.0.
			hc.PortBindings = bindings
			hc.PublishAllPorts = false
			// SYS_PTRACE: without it root in the container (the agent, run
			// through docker exec) cannot read the users' /proc/PID/fd, so
			// the sampler cannot name the owner of any Xvnc's socket (the
			// kernel's ptrace access check; Docker's default set lacks it).
			// Root on a host has it. It reaches nothing outside the
			// container's own pid namespace.
			hc.CapAdd = append(hc.CapAdd, "SYS_PTRACE")
			for _, c := range cfg.capAdd {
				if !slices.Contains(hc.CapAdd, c) {
					hc.CapAdd = append(hc.CapAdd, c)
				}
			}
			if r := cfg.resources; r.CPUs > 0 {
				hc.NanoCPUs = int64(r.CPUs * 1e9)
			}
			if r := cfg.resources; r.MemoryMB > 0 {
				hc.Memory = r.MemoryMB << 20
				hc.MemorySwap = hc.Memory
			}
			if r := cfg.resources; r.PidsLimit > 0 {
				hc.PidsLimit = &r.PidsLimit
			}
		}),
		testcontainers.WithWaitStrategyAndDeadline(cfg.startupTimeout, ready),
	}
	if cfg.name != "" {
		tcOpts = append(tcOpts, testcontainers.WithName(cfg.name))
	}
	if len(cfg.networks) > 0 {
		for _, n := range cfg.networks {
			tcOpts = append(tcOpts, tcnetwork.WithNetworkName(nil, n))
		}
	}
	ctr, err := testcontainers.Run(ctx, img.Ref, tcOpts...)
	s.ctr = ctr
	if err != nil {
		logs := s.startLogs(ctx)
		if cfg.configDir != nil {
			return s, fmt.Errorf("containers: run xrdp %s (%s) with the config of %s (%s): %s: %w%s", img.Version, img.Ref,
				cfg.configDir.Path, strings.Join(cfg.configDir.Names(), ", "), blameText(cfg.configDir, logs), err, diagnostics(logs))
		}
		return s, fmt.Errorf("containers: run xrdp %s (%s): %w%s", img.Version, img.Ref, err, diagnostics(logs))
	}
	if cfg.configDir != nil {
		if s.layers, err = s.layered(ctx); err != nil {
			return s, fmt.Errorf("containers: run xrdp %s: read the layered config: %w", img.Version, err)
		}
	}
	if cfg.sshd != nil {
		s.sshAddr, err = s.mapped(ctx, sshPort)
		return s, err
	}
	if s.rdpAddr, err = s.mapped(ctx, rdpPort); err != nil {
		return s, err
	}
	if scpTCP {
		if s.sesmanAddr, err = s.mapped(ctx, sesPort); err != nil {
			return s, err
		}
	}
	return s, nil
}

func (s *Server) mapped(ctx context.Context, p network.Port) (string, error) {
	mp, err := s.ctr.MappedPort(ctx, p.String())
	if err != nil {
		return "", fmt.Errorf("containers: mapped port %s: %w", p, err)
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(int(mp.Num()))), nil
}

// startLogs gathers the container's output and xrdp's logs after a failed
// start, best effort.
func (s *Server) startLogs(ctx context.Context) []startLog {
	if s.ctr == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	var out []startLog
	if rc, err := s.ctr.Logs(ctx); err == nil {
		b, _ := io.ReadAll(io.LimitReader(rc, 64<<10))
		rc.Close()
		out = append(out, startLog{name: "container output", text: string(b)})
	}
	for _, f := range []struct{ path, reads string }{{SesmanLog, "sesman.ini"}, {XrdpLog, "xrdp.ini"}} {
		if text, err := s.ReadFile(ctx, f.path); err == nil {
			out = append(out, startLog{name: f.path, reads: f.reads, text: text})
		}
	}
	return out
}

// diagnostics is the tail of each start log, for an error message.
func diagnostics(logs []startLog) string {
	var b strings.Builder
	for _, l := range logs {
		n := 10
		if l.reads == "" {
			n = 15
		}
		fmt.Fprintf(&b, "\n--- %s ---\n%s", l.name, tailLines(l.text, n))
	}
	return b.String()
}

// RDPAddr is the RDP endpoint on the host, 127.0.0.1:port.
func (s *Server) RDPAddr() string { return s.rdpAddr }

// SesmanAddr is sesman's TCP endpoint on the host, 127.0.0.1:port, for
// 0.9.x servers; "" for 0.10 and later, whose sesman has only a UNIX socket.
func (s *Server) SesmanAddr() string { return s.sesmanAddr }

// SSHAddr is sshd's endpoint on the host, 127.0.0.1:port, for a server
// started WithSSHD ("" otherwise: then RDPAddr and SesmanAddr are "").
func (s *Server) SSHAddr() string { return s.sshAddr }

// Image is the image the server runs.
func (s *Server) Image() Image { return s.image }

// Version is the upstream xrdp version.
func (s *Server) Version() string { return s.image.Version }

// ID is the container ID ("" before it was created).
func (s *Server) ID() string {
	if s.ctr == nil {
		return ""
	}
	return s.ctr.GetContainerID()
}

// Container gives fault injectors the underlying testcontainers handle.
func (s *Server) Container() *testcontainers.DockerContainer { return s.ctr }

// Users lists the test users and their passwords.
func (s *Server) Users() []User {
	users := make([]User, s.cfg.users)
	for i := range users {
		users[i] = User{Name: s.cfg.userPrefix + strconv.Itoa(i+1), Password: s.cfg.password}
	}
	return users
}

// Settings reports the knobs the server was started with (for the Record).
func (s *Server) Settings() map[string]string {
	m := map[string]string{
		"users":            strconv.Itoa(s.cfg.users),
		"reconnect.run":    s.cfg.reconnect.RunTime.String(),
		"reconnect.align":  s.cfg.reconnect.Align.String(),
		"X11DisplayOffset": strconv.Itoa(s.DisplayOffset()),
		"MaxSessions":      strconv.Itoa(s.MaxSessions()),
		"Policy":           s.Policy(),
	}
	for _, i := range s.cfg.ini {
		m[i.File+":"+i.Section+"."+i.Key] = i.Value
	}
	if d := s.cfg.configDir; d != nil {
		m["config.dir"] = d.Path
		m["config.files"] = strings.Join(d.Names(), ",")
	}
	m["desktop"] = string(s.Desktop().Kind)
	if s.cfg.desktop.Command != "" {
		m["desktop.command"] = s.cfg.desktop.Command
	}
	if w := s.cfg.workload; w != nil {
		m["workload.think"] = w.Think.String()
	}
	if r := s.cfg.resources; r != (Resources{}) {
		m["resources"] = fmt.Sprintf("cpus=%g memory=%dMB pids=%d", r.CPUs, r.MemoryMB, r.PidsLimit)
	}
	return m
}

// Desktop is every session's desktop.
func (s *Server) Desktop() Desktop {
	d := s.cfg.desktop
	if d.Kind == "" {
		d.Kind = DesktopMinimal
	}
	return d
}

// Resources are the container's limits (zero: unlimited).
func (s *Server) Resources() Resources { return s.cfg.resources }

// DisplayOffset is sesman's X11DisplayOffset in effect.
func (s *Server) DisplayOffset() int {
	if s.cfg.displayOffset > 0 {
		return s.cfg.displayOffset
	}
	if n, ok := s.cfg.operatorInt("sesman.ini", "Sessions", "X11DisplayOffset"); ok {
		return n
	}
	return 10
}

// MaxSessions is sesman's MaxSessions in effect: the harness's, the
// operator's, 0 when the operator's sesman.ini leaves it out (sesman's
// compiled default: xrdp v0.9.21.1 sesman/config.c:310 refuses every
// login; v0.10.1 sets no limit), else the packaged file's 50.
func (s *Server) MaxSessions() int {
	if s.cfg.maxSessions > 0 {
		return s.cfg.maxSessions
	}
	if n, ok := s.cfg.operatorInt("sesman.ini", "Sessions", "MaxSessions"); ok {
		return n
	}
	if s.cfg.configDir.Ini("sesman.ini") != nil {
		return 0
	}
	return 50
}

// Policy is sesman's session Policy in effect.
func (s *Server) Policy() string {
	if s.cfg.policy != "" {
		return s.cfg.policy
	}
	if p, ok := s.cfg.operatorValue("sesman.ini", "Sessions", "Policy"); ok {
		return p
	}
	return "Default"
}

// Exec runs a command in the container and returns its exit code and
// combined output.
func (s *Server) Exec(ctx context.Context, cmd ...string) (int, string, error) {
	if s.ctr == nil {
		return -1, "", errors.New("containers: exec: the container was not started")
	}
	code, r, err := s.ctr.Exec(ctx, cmd, tcexec.Multiplexed())
	if err != nil {
		return code, "", fmt.Errorf("containers: exec %q: %w", strings.Join(cmd, " "), err)
	}
	var out bytes.Buffer
	_, err = io.Copy(&out, r)
	return code, out.String(), err
}

// ReadFile returns a file's content from the container.
func (s *Server) ReadFile(ctx context.Context, path string) (string, error) {
	if s.ctr == nil {
		return "", errors.New("containers: read file: the container was not started")
	}
	rc, err := s.ctr.CopyFileFromContainer(ctx, path)
	if err != nil {
		return "", fmt.Errorf("containers: read %s: %w", path, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	return string(b), err
}

// SetReconnectScript changes the reconnect script's behaviour for runs that
// start from now on.
func (s *Server) SetReconnectScript(ctx context.Context, r ReconnectScript) error {
	if err := WithReconnectScript(r)(&s.cfg); err != nil {
		return fmt.Errorf("containers: set reconnect script: %w", err)
	}
	return s.ctr.CopyToContainer(ctx, []byte(r.env()), "/etc/xrdp-harness/reconnect.env", 0o644)
}

// Terminate stops and removes the container (and the builder Run made for
// itself). It is safe on a half-made Server and on nil.
func (s *Server) Terminate(ctx context.Context) error {
	if s == nil {
		return nil
	}
	var errs []error
	if s.ctr != nil {
		// A container already gone (swept, crashed and removed) is fine.
		if err := s.ctr.Terminate(ctx, testcontainers.StopTimeout(3*time.Second)); err != nil && !errdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("containers: terminate %.12s: %w", s.ctr.GetContainerID(), err))
		}
	}
	if s.ownBuilder && s.cfg.builder != nil {
		errs = append(errs, s.cfg.builder.Close())
		s.cfg.builder = nil
	}
	return errors.Join(errs...)
}

// runEnv is read by the entrypoint.
func (c config) runEnv(version string) string {
	env := fmt.Sprintf("XH_USERS=%d\nXH_USER_PREFIX=%s\nXH_PASSWORD='%s'\n", c.users, c.userPrefix,
		strings.ReplaceAll(c.password, "'", `'\''`))
	if FeaturesOf(version).SCPTCP {
		env += fmt.Sprintf("XH_SCP_RELAY='-log %s gateway:%d localhost:%d'\n", RelayLog, SCPRelayPort, SesmanPort)
	}
	return env
}

// env is read by the reconnect script on each run.
func (r ReconnectScript) env() string {
	return fmt.Sprintf("RUN_TIME=%s\nALIGN_MS=%d\n",
		strconv.FormatFloat(r.RunTime.Seconds(), 'f', 3, 64), r.Align.Milliseconds())
}

// iniTSV lists the harness's ini settings, then the caller's. Daemons listen
// on the container's interfaces (the published port only reaches those),
// xrdp goes straight to an Xvnc session on autologon, logs go to files only.
func (c config) iniTSV(version string) string {
	set := []IniSetting{
		{"xrdp.ini", "Globals", "port", strconv.Itoa(RDPPort)},
		{"xrdp.ini", "Globals", "autorun", "Xvnc"},
		{"xrdp.ini", "Logging", "LogFile", XrdpLog},
		{"xrdp.ini", "Logging", "EnableSyslog", "false"},
		{"xrdp.ini", "Logging", "EnableProcessId", "true"},
		{"sesman.ini", "Globals", "ReconnectScript", c.reconnectScript()},
		{"sesman.ini", "Logging", "LogFile", SesmanLog},
		{"sesman.ini", "Logging", "EnableSyslog", "false"},
		{"sesman.ini", "Logging", "EnableProcessId", "true"},
	}
	if FeaturesOf(version).SCPTCP {
		// Loopback, as installed (a relay publishes it): chansrv picks its
		// UNIX socket from this very setting, and xrdp looks for it there.
		set = append(set,
			IniSetting{"sesman.ini", "Globals", "ListenAddress", "127.0.0.1"},
			IniSetting{"sesman.ini", "Globals", "ListenPort", strconv.Itoa(SesmanPort)})
	}
	if c.displayOffset > 0 {
		set = append(set, IniSetting{"sesman.ini", "Sessions", "X11DisplayOffset", strconv.Itoa(c.displayOffset)})
	}
	if c.maxSessions > 0 {
		set = append(set, IniSetting{"sesman.ini", "Sessions", "MaxSessions", strconv.Itoa(c.maxSessions)})
	}
	if c.policy != "" {
		set = append(set, IniSetting{"sesman.ini", "Sessions", "Policy", c.policy})
	}
	set = append(set, c.ini...)
	var b strings.Builder
	for _, s := range set {
		fmt.Fprintf(&b, "/etc/xrdp/%s\t%s\t%s\t%s\n", s.File, s.Section, s.Key, s.Value)
	}
	return b.String()
}
