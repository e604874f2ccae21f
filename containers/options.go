package containers

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xrdp-harness/xrdp-harness/containers/agent/ini"
	"github.com/xrdp-harness/xrdp-harness/containers/xrdpconf"
)

// Option configures one xrdp container. Options reject bad values with an
// error that names the knob and the accepted range.
type Option func(*config) error

// config is what Run needs to boot one server. Zero values mean the image's
// (the xrdp version's) own defaults.
type config struct {
	builder        *Builder
	source         *Source
	users          int
	userPrefix     string
	password       string
	displayOffset  int // 0: version default (10)
	maxSessions    int // 0: version default (50)
	policy         string
	reconnect      ReconnectScript
	ini            []IniSetting
	name           string
	labels         map[string]string
	networks       []string
	resources      Resources
	capAdd         []string
	startupTimeout time.Duration
	agentPath      string
	runID          string
	targetName     string
	desktop        Desktop
	workload       *Workload
	sshd           *SSHD
	configDir      *xrdpconf.Dir // the operator's files (nil: the image's own)
	lease          time.Duration
}

func defaultConfig() config {
	return config{
		users:          2,
		userPrefix:     "user",
		password:       "", // Run draws a random one (randomPassword)
		startupTimeout: 90 * time.Second,
	}
}

// ReconnectScript sets what the container's reconnect script (run by sesman
// on every reconnect) does besides recording its run.
type ReconnectScript struct {
	// RunTime is how long each run takes (sleep); 0 returns at once.
	RunTime time.Duration
	// Align makes each run end on the next multiple of Align of the wall
	// clock, so that scripts of concurrent reconnects exit together.
	Align time.Duration
}

// IniSetting sets one key of one of xrdp's ini files (under /etc/xrdp).
type IniSetting struct {
	File    string // "xrdp.ini" or "sesman.ini"
	Section string
	Key     string
	Value   string
}

// Resources limits the container (zero: unlimited).
type Resources struct {
	CPUs      float64 // e.g. 0.5 for half a core
	MemoryMB  int64
	PidsLimit int64
}

// WithBuilder shares one image builder (and its engine connection) across
// containers. Without it Run makes its own.
func WithBuilder(b *Builder) Option {
	return func(c *config) error {
		if b == nil {
			return errors.New("builder is nil")
		}
		c.builder = b
		return nil
	}
}

// WithSource builds xrdp from a release tarball instead of Debian's package.
func WithSource(s Source) Option {
	return func(c *config) error {
		if s.Tarball == "" {
			return errors.New("source: no tarball given; pass a local .tar.gz path or an https URL")
		}
		c.source = &s
		return nil
	}
}

// WithUsers sets how many test users exist (named <prefix>1..<prefix>N).
func WithUsers(n int) Option {
	return func(c *config) error {
		if n < 1 || n > 2000 {
			return fmt.Errorf("users %d: want 1..2000", n)
		}
		c.users = n
		return nil
	}
}

var userPrefixRE = regexp.MustCompile(`^[a-z][a-z0-9]{0,15}$`)

// WithUserPrefix sets the test users' name prefix (default "user").
func WithUserPrefix(p string) Option {
	return func(c *config) error {
		if !userPrefixRE.MatchString(p) {
			return fmt.Errorf("user prefix %q: want a lowercase letter then up to 15 letters or digits", p)
		}
		c.userPrefix = p
		return nil
	}
}

// WithPassword sets every test user's password (default: a random one per
// run — a Lab gives all its nodes the same one — so no other run, container
// or host can log in as a test user).
func WithPassword(p string) Option {
	return func(c *config) error {
		if err := ValidPassword(p); err != nil {
			return err
		}
		c.password = p
		return nil
	}
}

// WithDisplayOffset sets sesman's X11DisplayOffset: the first display number.
// Offsets of 100 and more make 5900+D collide with X11 ports 6000+D'.
func WithDisplayOffset(n int) Option {
	return func(c *config) error {
		if n < 1 || n > 30000 {
			return fmt.Errorf("display offset %d: want 1..30000 (5900+D must stay a valid port)", n)
		}
		c.displayOffset = n
		return nil
	}
}

// WithMaxSessions sets sesman's MaxSessions.
func WithMaxSessions(n int) Option {
	return func(c *config) error {
		if n < 1 || n > 10000 {
			return fmt.Errorf("max sessions %d: want 1..10000", n)
		}
		c.maxSessions = n
		return nil
	}
}

var policyRE = regexp.MustCompile(`^(Default|Separate|[UBDIC]+)$`)

// WithPolicy sets sesman's session allocation Policy: Default, Separate, or
// a combination of U (user), B (bpp), D (display size), I (IP), C
// (connection).
func WithPolicy(p string) Option {
	return func(c *config) error {
		if !policyRE.MatchString(p) {
			return fmt.Errorf("policy %q: want Default, Separate or letters from UBDIC (e.g. UBD)", p)
		}
		c.policy = p
		return nil
	}
}

// WithReconnectScript sets the reconnect script's run time and exit
// alignment.
func WithReconnectScript(r ReconnectScript) Option {
	return func(c *config) error {
		if r.RunTime < 0 || r.RunTime > time.Hour {
			return fmt.Errorf("reconnect script run time %v: want 0..1h", r.RunTime)
		}
		if r.Align < 0 || r.Align > time.Minute {
			return fmt.Errorf("reconnect script align %v: want 0..1m", r.Align)
		}
		if r.Align > 0 && r.Align < time.Millisecond {
			return fmt.Errorf("reconnect script align %v: want at least 1ms", r.Align)
		}
		c.reconnect = r
		return nil
	}
}

// WithIni sets keys in xrdp.ini or sesman.ini after the harness's own
// settings, so these win.
func WithIni(settings ...IniSetting) Option {
	return func(c *config) error {
		for _, s := range settings {
			if err := s.validate(); err != nil {
				return err
			}
		}
		c.ini = append(c.ini, settings...)
		return nil
	}
}

func (s IniSetting) validate() error {
	if s.File != path.Base(s.File) || !strings.HasSuffix(s.File, ".ini") || strings.ContainsAny(s.File, " \t\r\n") {
		return fmt.Errorf("ini setting %s: file %q: want a file name under /etc/xrdp such as sesman.ini or xrdp.ini", s, s.File)
	}
	// The agent edits the file inside the container with these rules: the
	// host applies the same ones, so a bad key fails here, not after a build.
	if err := ini.Check(s.Section, s.Key, s.Value); err != nil {
		return fmt.Errorf("ini setting %s: %w", s, err)
	}
	if strings.ContainsAny(s.Section+s.Key, "\t") || strings.Contains(s.Key, "=") {
		return fmt.Errorf("ini setting %s: section and key must not contain tabs or '='", s)
	}
	if strings.ContainsAny(s.Value, "\t") {
		return fmt.Errorf("ini setting %s: value must not contain tabs", s)
	}
	return nil
}

func (s IniSetting) String() string {
	return fmt.Sprintf("%s[%s]%s=%s", s.File, s.Section, s.Key, s.Value)
}

// ParseIniSetting reads "file:section.key=value", e.g.
// "sesman.ini:Sessions.MaxSessions=100".
func ParseIniSetting(s string) (IniSetting, error) {
	file, rest, ok1 := strings.Cut(s, ":")
	lhs, value, ok2 := strings.Cut(rest, "=")
	i := strings.LastIndex(lhs, ".")
	if !ok1 || !ok2 || i <= 0 {
		return IniSetting{}, fmt.Errorf("ini setting %q: want file:section.key=value, e.g. sesman.ini:Sessions.MaxSessions=100", s)
	}
	set := IniSetting{File: file, Section: lhs[:i], Key: lhs[i+1:], Value: value}
	return set, set.validate()
}

// WithName names the container (default: generated by the engine).
func WithName(n string) Option {
	return func(c *config) error { c.name = n; return nil }
}

// WithLabels adds labels to the container (besides the harness's own).
func WithLabels(l map[string]string) Option {
	return func(c *config) error {
		if c.labels == nil {
			c.labels = map[string]string{}
		}
		for k, v := range l {
			c.labels[k] = v
		}
		return nil
	}
}

// WithRunID tags the container with the run it belongs to.
func WithRunID(id string) Option {
	return func(c *config) error { c.runID = id; return nil }
}

// WithNetworks attaches the container to these (harness-made) networks.
func WithNetworks(names ...string) Option {
	return func(c *config) error { c.networks = append(c.networks, names...); return nil }
}

// WithResources limits CPU, memory and process count.
func WithResources(r Resources) Option {
	return func(c *config) error {
		if r.CPUs < 0 || r.MemoryMB < 0 || r.PidsLimit < 0 {
			return fmt.Errorf("resources %+v: limits cannot be negative", r)
		}
		if r.MemoryMB > 0 && r.MemoryMB < 64 {
			return fmt.Errorf("resources: memory %d MB: want at least 64 MB (xrdp, sesman and one Xvnc)", r.MemoryMB)
		}
		c.resources = r
		return nil
	}
}

// WithCapabilities adds Linux capabilities (NET_ADMIN for network faults).
// ALL and SYS_ADMIN are refused: they make the target a privileged container
// that can reach the host, which no fault of the harness needs.
func WithCapabilities(caps ...string) Option {
	return func(c *config) error {
		for _, cp := range caps {
			if err := checkCapability(cp); err != nil {
				return err
			}
		}
		c.capAdd = append(c.capAdd, caps...)
		return nil
	}
}

// grantable are the capabilities a target may get (faults and probes need
// NET_ADMIN, SYS_PTRACE, KILL at most; the rest are harmless inside the
// container's namespaces).
var grantable = []string{"NET_ADMIN", "NET_RAW", "SYS_PTRACE", "KILL", "SYS_NICE", "SYS_RESOURCE", "IPC_LOCK", "SYS_TIME"}

func checkCapability(cp string) error {
	if slices.Contains(grantable, strings.TrimPrefix(cp, "CAP_")) {
		return nil
	}
	return fmt.Errorf("capability %q: not granted to a target; one of %s (ALL and SYS_ADMIN would let the container reach the host)",
		cp, strings.Join(grantable, ", "))
}

// CheckOptions applies opts to a scratch configuration and reports every
// option that refuses its value, without touching Docker: a preflight of
// what Run would be given.
func CheckOptions(opts ...Option) error {
	c := defaultConfig()
	var errs []error
	for _, o := range opts {
		if err := o(&c); err != nil {
			errs = append(errs, err)
		}
	}
	if c.source != nil {
		errs = append(errs, CheckBuildOptions(*c.source))
	}
	return errors.Join(errs...)
}

// WithStartupTimeout bounds the wait for readiness (default 90s).
func WithStartupTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("startup timeout %v: want > 0", d)
		}
		c.startupTimeout = d
		return nil
	}
}

// WithAgent sets the path of the in-container agent binary (default: next
// to the running program, or built with `go build`).
func WithAgent(path string) Option {
	return func(c *config) error { c.agentPath = path; return nil }
}

// WithLease sets how long the container may live before any later sweep
// counts it a leftover (default DefaultLease).
func WithLease(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 || d > 7*24*time.Hour {
			return fmt.Errorf("lease %v: want (0, 168h]", d)
		}
		c.lease = d
		return nil
	}
}

// ValidPassword checks a test users' password given by the user: the
// entrypoint sets it with chpasswd ("user:password" lines) and the RDP
// client sends it in the Client Info PDU, whose password field holds 256
// UTF-16 units with the terminator ([MS-RDPBCGR] 2.2.1.11.1.1).
func ValidPassword(p string) error {
	switch {
	case p == "":
		return errors.New("password: empty; give one of 1 to 255 characters")
	case strings.ContainsAny(p, ":\n\r\x00"):
		return errors.New("password: contains ':', a newline or NUL, which chpasswd cannot set; choose another")
	case utf8.RuneCountInString(p) > 255:
		return fmt.Errorf("password: %d characters, over the 255 an RDP client can send; choose a shorter one", utf8.RuneCountInString(p))
	case !utf8.ValidString(p):
		return errors.New("password: not UTF-8; choose one in UTF-8")
	}
	return nil
}

// RandomPassword is a test user's password when none is given: 128 random
// bits, hex. It is never written into a Record or report (User carries it
// to the clients only). Runs of several labs (a fleet) draw one and give it
// to each with WithPassword.
func RandomPassword() string { return randomPassword() }

func randomPassword() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// WithTargetName names the server in Records (default "xrdp-<version>").
func WithTargetName(n string) Option {
	return func(c *config) error {
		if n == "" || strings.ContainsAny(n, " \t\n") {
			return fmt.Errorf("target name %q: want a non-empty name without spaces", n)
		}
		c.targetName = n
		return nil
	}
}
