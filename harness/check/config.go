package check

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Config holds every threshold of the catalog. The zero value of each field
// means its documented default, so Config{} is ready to use; Options set
// explicit values and reject bad ones.
type Config struct {
	// MaxTickGap: a gap between two sampler ticks longer than this is a blind
	// span, where detectors that need samples cannot see. Zero: 3 s.
	MaxTickGap time.Duration
	// LogSlack bounds how late a stamp may trail what it stamps (the sampler
	// reads logs and /proc periodically). Zero: 2 s.
	LogSlack time.Duration
	// OrderSlack bounds how far two stamps of the same sampler may come in
	// the wrong order. The sampler reads /proc and every log in each pass
	// and stamps a pass's events alike, so a line stamped two passes after
	// a process change was written after it: at 10 Hz, more than 150 ms
	// apart is a certain order. Zero: 150 ms.
	OrderSlack time.Duration
	// MaxEvidence caps the evidence items of one verdict; the rest is
	// summarised in a last item. Zero: 50.
	MaxEvidence int
	// StrictDuringFaults makes grace periods run through fault windows
	// instead of restarting at Heal (see the package doc). Zero: excuse.
	StrictDuringFaults bool

	// ZombieGrace is how long a zombie may wait for its parent to reap it;
	// longer is a defect. Zero: 5 s.
	ZombieGrace time.Duration

	// ExpectedAuthFailUsers lists users whose authentication failures the
	// plan caused on purpose (wrong passwords); sesman's AUTHFAIL lines for
	// them are not failures. Ops with Reason ExpectedAuthFail are excused the
	// same way, one op at a time.
	ExpectedAuthFailUsers []string

	// StaleGrace is how long sesman may hold a session that has no X server
	// (startup, shutdown, sesman's own 10 s X start timeout). Zero: 15 s.
	StaleGrace time.Duration

	// LeakGrace is how long the session count may exceed the allowance
	// (a session ending while its user's next one starts). Zero: 5 s.
	LeakGrace time.Duration
	// BPPVariants is how many colour depths the load used; with
	// Policy=Default each user may hold one session per depth. Zero: 1.
	BPPVariants int
	// FinalSessions, when CheckFinalSessions is set, is the most sessions the
	// plan leaves alive at the end (0 when it ends every session).
	FinalSessions      int
	CheckFinalSessions bool

	// ListenGrace is how long an Xvnc may run before it must listen on its
	// VNC port. Zero: 5 s.
	ListenGrace time.Duration
	// X11OverlapInvalid makes a latent overlap (5900+D equal to 6000+D' of a
	// live display D', nobody listening on it) invalid instead of a note.
	X11OverlapInvalid bool

	// RecoveryMax is the longest acceptable time from Heal to a user's first
	// successful login. Zero: no limit (only "never" is invalid).
	RecoveryMax time.Duration
	// RecoveryKinds are the op kinds that count as a login for recovery.
	// Nil: login, reconnect and scp (an SCP session request is a login to
	// sesman; SCP-only scenarios would otherwise never recover).
	RecoveryKinds []harness.OpKind

	// LatencyKinds are the op kinds measured by the latency checker.
	// Nil: login and reconnect.
	LatencyKinds []harness.OpKind
	// MaxErrorRate is the highest acceptable (fail+info)/total over
	// LatencyKinds. Zero: no errors allowed.
	MaxErrorRate float64
	// MaxP99 is the highest acceptable 99th percentile login time.
	// Zero: no limit.
	MaxP99 time.Duration
	// LatencyIgnoreFaults leaves out ops that overlap a fault window of
	// their target (Inject to Heal; a zero Heal is the instant of Inject), so
	// thresholds judge the server outside faults only.
	LatencyIgnoreFaults bool
}

// ExpectedAuthFail is the Op.Reason a load generator sets on an op that used
// a wrong password on purpose: its failure is the expected outcome, and
// sesman's AUTHFAIL line for it is not a failure.
const ExpectedAuthFail = "expected-auth-fail"

// Option sets one Config field; it returns an error for a value that makes
// no sense, so NewConfig can report every bad option at once.
type Option func(*Config) error

// NewConfig applies opts to the defaults and validates the result; the error
// joins every problem found.
func NewConfig(opts ...Option) (Config, error) {
	var c Config
	var errs []error
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&c); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 {
		// Options check their own values; this catches what they cannot
		// (an Option written outside this package).
		errs = c.Validate()
	}
	return c.withDefaults(), errors.Join(errs...)
}

// Validate reports every field that holds an impossible value.
func (c Config) Validate() []error {
	var errs []error
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"max tick gap", c.MaxTickGap}, {"log slack", c.LogSlack},
		{"zombie grace", c.ZombieGrace}, {"stale grace", c.StaleGrace},
		{"leak grace", c.LeakGrace}, {"listen grace", c.ListenGrace},
		{"recovery max", c.RecoveryMax}, {"max p99", c.MaxP99},
	} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("check: validate %s: %v is negative", d.name, d.v))
		}
	}
	if c.MaxEvidence < 0 {
		errs = append(errs, fmt.Errorf("check: validate max evidence: %d is negative", c.MaxEvidence))
	}
	if c.BPPVariants < 0 {
		errs = append(errs, fmt.Errorf("check: validate bpp variants: %d is negative", c.BPPVariants))
	}
	if c.FinalSessions < 0 {
		errs = append(errs, fmt.Errorf("check: validate final sessions: %d is negative", c.FinalSessions))
	}
	if c.MaxErrorRate < 0 || c.MaxErrorRate > 1 || c.MaxErrorRate != c.MaxErrorRate {
		errs = append(errs, fmt.Errorf("check: validate max error rate: %v is not within [0, 1]", c.MaxErrorRate))
	}
	for _, k := range append(slices.Clone(c.RecoveryKinds), c.LatencyKinds...) {
		switch k {
		case harness.OpLogin, harness.OpReconnect, harness.OpDisconnect, harness.OpSCP, harness.OpRFB:
		default:
			errs = append(errs, fmt.Errorf("check: validate op kind: unknown kind %q", k))
		}
	}
	return errs
}

// withDefaults fills every zero field with its default. Negative values are
// left for Validate to report; detectors treat them as the default.
func (c Config) withDefaults() Config {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.MaxTickGap, 3*time.Second)
	def(&c.LogSlack, 2*time.Second)
	def(&c.OrderSlack, 150*time.Millisecond)
	def(&c.ZombieGrace, 5*time.Second)
	def(&c.StaleGrace, 15*time.Second)
	def(&c.LeakGrace, 5*time.Second)
	def(&c.ListenGrace, 5*time.Second)
	if c.RecoveryMax < 0 {
		c.RecoveryMax = 0
	}
	if c.MaxP99 < 0 {
		c.MaxP99 = 0
	}
	if c.MaxEvidence <= 0 {
		c.MaxEvidence = 50
	}
	if c.BPPVariants <= 0 {
		c.BPPVariants = 1
	}
	if c.RecoveryKinds == nil {
		c.RecoveryKinds = []harness.OpKind{harness.OpLogin, harness.OpReconnect, harness.OpSCP}
	}
	if c.LatencyKinds == nil {
		c.LatencyKinds = []harness.OpKind{harness.OpLogin, harness.OpReconnect}
	}
	return c
}

func positive(name string, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("check: set %s: %v must be positive", name, d)
	}
	return nil
}

// WithMaxTickGap sets Config.MaxTickGap.
func WithMaxTickGap(d time.Duration) Option {
	return func(c *Config) error { c.MaxTickGap = d; return positive("max tick gap", d) }
}

// WithLogSlack sets Config.LogSlack.
func WithLogSlack(d time.Duration) Option {
	return func(c *Config) error { c.LogSlack = d; return positive("log slack", d) }
}

// WithMaxEvidence sets Config.MaxEvidence.
func WithMaxEvidence(n int) Option {
	return func(c *Config) error {
		c.MaxEvidence = n
		if n <= 0 {
			return fmt.Errorf("check: set max evidence: %d must be positive", n)
		}
		return nil
	}
}

// WithStrictDuringFaults sets Config.StrictDuringFaults.
func WithStrictDuringFaults() Option {
	return func(c *Config) error { c.StrictDuringFaults = true; return nil }
}

// WithZombieGrace sets Config.ZombieGrace.
func WithZombieGrace(d time.Duration) Option {
	return func(c *Config) error { c.ZombieGrace = d; return positive("zombie grace", d) }
}

// WithExpectedAuthFailures adds users to Config.ExpectedAuthFailUsers.
func WithExpectedAuthFailures(users ...string) Option {
	return func(c *Config) error {
		for _, u := range users {
			if u == "" {
				return errors.New("check: set expected auth failures: empty user name")
			}
		}
		c.ExpectedAuthFailUsers = append(c.ExpectedAuthFailUsers, users...)
		return nil
	}
}

// WithStaleGrace sets Config.StaleGrace.
func WithStaleGrace(d time.Duration) Option {
	return func(c *Config) error { c.StaleGrace = d; return positive("stale grace", d) }
}

// WithLeakGrace sets Config.LeakGrace.
func WithLeakGrace(d time.Duration) Option {
	return func(c *Config) error { c.LeakGrace = d; return positive("leak grace", d) }
}

// WithBPPVariants sets Config.BPPVariants.
func WithBPPVariants(n int) Option {
	return func(c *Config) error {
		c.BPPVariants = n
		if n <= 0 {
			return fmt.Errorf("check: set bpp variants: %d must be positive", n)
		}
		return nil
	}
}

// WithFinalSessions makes the leak checker require at most n sessions alive
// at the end of the record (0 when the plan ends every session).
func WithFinalSessions(n int) Option {
	return func(c *Config) error {
		c.FinalSessions, c.CheckFinalSessions = n, true
		if n < 0 {
			return fmt.Errorf("check: set final sessions: %d is negative", n)
		}
		return nil
	}
}

// WithListenGrace sets Config.ListenGrace.
func WithListenGrace(d time.Duration) Option {
	return func(c *Config) error { c.ListenGrace = d; return positive("listen grace", d) }
}

// WithX11OverlapInvalid sets Config.X11OverlapInvalid.
func WithX11OverlapInvalid() Option {
	return func(c *Config) error { c.X11OverlapInvalid = true; return nil }
}

// WithMaxRecovery sets Config.RecoveryMax.
func WithMaxRecovery(d time.Duration) Option {
	return func(c *Config) error { c.RecoveryMax = d; return positive("max recovery", d) }
}

// WithRecoveryKinds sets Config.RecoveryKinds.
func WithRecoveryKinds(kinds ...harness.OpKind) Option {
	return func(c *Config) error {
		if len(kinds) == 0 {
			return errors.New("check: set recovery kinds: none given")
		}
		c.RecoveryKinds = slices.Clone(kinds)
		return nil
	}
}

// WithLatencyKinds sets Config.LatencyKinds.
func WithLatencyKinds(kinds ...harness.OpKind) Option {
	return func(c *Config) error {
		if len(kinds) == 0 {
			return errors.New("check: set latency kinds: none given")
		}
		c.LatencyKinds = slices.Clone(kinds)
		return nil
	}
}

// WithMaxErrorRate sets Config.MaxErrorRate (a fraction in [0, 1]).
func WithMaxErrorRate(r float64) Option {
	return func(c *Config) error {
		c.MaxErrorRate = r
		if r < 0 || r > 1 || r != r {
			return fmt.Errorf("check: set max error rate: %v is not within [0, 1]", r)
		}
		return nil
	}
}

// WithMaxP99 sets Config.MaxP99.
func WithMaxP99(d time.Duration) Option {
	return func(c *Config) error { c.MaxP99 = d; return positive("max p99", d) }
}

// WithLatencyIgnoreFaults sets Config.LatencyIgnoreFaults.
func WithLatencyIgnoreFaults() Option {
	return func(c *Config) error { c.LatencyIgnoreFaults = true; return nil }
}
