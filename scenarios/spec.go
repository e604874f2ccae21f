package scenarios

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/xrdp-harness/xrdp-harness/harness/load"

	"github.com/xrdp-harness/xrdp-harness/containers"
)

// Spec is one scenario as written in a YAML file: the target's settings, the
// load, the fault schedule and the thresholds the verdict uses. Every field
// has a documented zero value; Validate reports every problem at once.
type Spec struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	// Versions limits the scenario to these xrdp versions (prefix match:
	// "0.9." keeps every 0.9.x); empty runs it on every version of the run.
	Versions []string   `yaml:"versions"`
	Target   TargetSpec `yaml:"target"`
	// Targets, instead of Target, is a fleet: two or more entries of either
	// kind, each written like target: (scenarios/fleet.go).
	Targets []TargetSpec `yaml:"targets"`
	// Spread is how a fleet's users reach its targets: round-robin (zero:
	// the harness's balancer keeps each user on the host it was given) or
	// front (the operator's balancer at Front, 127.0.0.1:PORT).
	Spread string      `yaml:"spread"`
	Front  string      `yaml:"front"`
	Load   []LoadSpec  `yaml:"load"`
	Faults []FaultSpec `yaml:"faults"`
	Checks CheckSpec   `yaml:"checks"`
	// Settle keeps watching after the load (zero: 5s).
	Settle Duration `yaml:"settle"`
	// MaxDuration bounds the load phase (zero: 10m).
	MaxDuration Duration `yaml:"maxDuration"`
}

// TargetSpec is how the xrdp container is set up (zero: the version's own
// defaults, 10 users).
type TargetSpec struct {
	Users         int      `yaml:"users"`
	DisplayOffset int      `yaml:"displayOffset"`
	MaxSessions   int      `yaml:"maxSessions"`
	Policy        string   `yaml:"policy"`
	Ini           []string `yaml:"ini"` // "file:section.key=value"
	// Config is a directory with the operator's own sesman.ini, xrdp.ini,
	// startwm.sh, reconnectwm.sh, km-*.ini, laid down on every version
	// (relative to the scenario file). The harness's own needs are layered
	// on top and listed in the report; Ini and the fields above go on top
	// of both.
	Config    string `yaml:"config"`
	Reconnect struct {
		RunTime Duration `yaml:"runTime"`
		Align   Duration `yaml:"align"`
	} `yaml:"reconnectScript"`
	Resources struct {
		CPUs      float64 `yaml:"cpus"`
		MemoryMB  int64   `yaml:"memoryMB"`
		PidsLimit int64   `yaml:"pids"`
	} `yaml:"resources"`
	Capabilities []string `yaml:"capabilities"`
	// Kind is container (zero) or ssh: an existing host (scenarios/target.go).
	Kind string   `yaml:"kind"`
	SSH  *SSHSpec `yaml:"ssh"`
	// AllowFaults must be true for faults to run on an ssh target.
	AllowFaults bool `yaml:"allowFaults"`
	// Desktop is each session's desktop: minimal (default: exec sleep
	// infinity), xfce4 (Debian's Xfce with a terminal and an editor, under
	// a D-Bus session bus) or command (Command through /bin/sh -c).
	Desktop string `yaml:"desktop"`
	Command string `yaml:"command"`
	// Workload, when given, runs a simulated user inside each session
	// (xfce4: terminal, typing, editor, scrolling; otherwise a shell and
	// file loop), timing every operation into the Record.
	Workload *struct {
		Think Duration `yaml:"think"` // between operations (zero: 2s)
	} `yaml:"workload"`
}

// LoadSpec is one load executor. Kind picks the shape; the other fields
// apply to the kinds that name them.
type LoadSpec struct {
	Kind string `yaml:"kind"` // one of LoadKinds (scenarios/loadkinds.go)
	// Client is rdp (default) or scp (SCP v0 straight to sesman, 0.9.x).
	Client  string   `yaml:"client"`
	Timeout Duration `yaml:"timeout"` // per login (zero: 30s)
	BPP     int      `yaml:"bpp"`
	Users   int      `yaml:"users"` // zero: every user of the target
	// reconnect-storm
	Cycles      int  `yaml:"cycles"`
	Concurrency int  `yaml:"concurrency"`
	Rounds      bool `yaml:"rounds"`
	// constant (rate) and ramp (from → to), per second, over duration
	Rate     float64  `yaml:"rate"`
	From     float64  `yaml:"from"`
	To       float64  `yaml:"to"`
	Duration Duration `yaml:"duration"`
	// burst
	N int `yaml:"n"`
	// every shape
	Hold  Duration `yaml:"hold"`
	Think Duration `yaml:"think"`
	Style string   `yaml:"style"` // graceful (default), abrupt, vanish
	// capacity: add Step sessions every Every up to Max users, stop at the
	// first level that degrades (see CheckSpec).
	Step  int      `yaml:"step"`
	Every Duration `yaml:"every"`
	Max   int      `yaml:"max"`
	// Threshold, when set, finds the knee on response times: a level is
	// past it when its average response exceeds the Login VSI 4.1 baseline
	// plus Threshold (1s is VSImax v4's figure), or its error rate exceeds
	// checks.maxErrorRate; the run stops one level past the first such
	// level. It needs target.workload or probeEvery.
	Threshold Duration `yaml:"threshold"`
	// ProbeEvery has every RDP session time a keystroke to the next screen
	// update this often (client-side response).
	ProbeEvery Duration `yaml:"probeEvery"`
	// MaxEvery caps a knee level (zero: 4 × every). With a threshold, Every
	// is a level's least length: it then lasts until every session held
	// has run one workload cycle inside it (with target.workload; else
	// timed one keystroke, with probeEvery), and at most MaxEvery; a level
	// ended by the cap is marked so in the report.
	MaxEvery Duration `yaml:"maxEvery"`
	// LevelCycles is how many workload cycles (keystrokes without a
	// workload) each session must complete inside a knee level before it
	// ends (zero: 1). More give each level more samples and a steadier
	// figure, at the price of longer levels.
	LevelCycles int `yaml:"levelCycles"`
	// MinLevelCycles is how many workload cycles (keystrokes without a
	// workload) a knee level needs in all, over its sessions, before it
	// ends (zero: levelCycles each is enough): the first levels, of one or
	// two sessions, otherwise hold five to ten operations and their figure
	// swings by more than the threshold between runs.
	MinLevelCycles int `yaml:"minLevelCycles"`
	// sequence: run these in order
	Steps []LoadSpec `yaml:"steps"`
	// fault: inject this fault as a step (inside a sequence: after the
	// previous step), hold it, heal it.
	Fault *FaultSpec `yaml:"fault"`
}

// FaultSpec schedules one fault.
type FaultSpec struct {
	Kind string   `yaml:"kind"` // see the fault catalog
	At   Duration `yaml:"at"`   // after the load starts
	Hold Duration `yaml:"hold"`
	// Params are the fault's own settings (process, signal, display, port…).
	Params map[string]string `yaml:"params"`
}

// CheckSpec holds the thresholds of the verdict (zero: the detectors'
// defaults).
type CheckSpec struct {
	MaxErrorRate *float64 `yaml:"maxErrorRate"`
	MaxP99       Duration `yaml:"maxP99"`
	MaxRecovery  Duration `yaml:"maxRecovery"`
	ZombieGrace  Duration `yaml:"zombieGrace"`
	StaleGrace   Duration `yaml:"staleGrace"`
	// IgnoreFaultsInLatency leaves ops that overlap a fault window out of
	// the latency verdict (a frozen sesman slows logins on purpose).
	IgnoreFaultsInLatency bool `yaml:"ignoreFaultsInLatency"`
	// ExpectAuthFailures lists users the plan gives wrong passwords.
	ExpectAuthFailures []string `yaml:"expectAuthFailures"`
	// FinalSessions, when set, is how many sessions may be alive at the end.
	FinalSessions *int `yaml:"finalSessions"`
	// Skip names checkers to leave out (e.g. recovery-time).
	Skip []string `yaml:"skip"`
}

// Duration is a time.Duration written as "1.5s", "250ms", "2m".
type Duration time.Duration

func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return fmt.Errorf("line %d: want a duration such as 1s or 250ms", n.Line)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("line %d: duration %q: want a number with a unit (ms, s, m), e.g. 1.5s", n.Line, s)
	}
	*d = Duration(v)
	return nil
}

func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// D is the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// Parse reads one scenario from YAML. Unknown fields are errors (a typo must
// not silently become a default); so is a second document.
func Parse(name string, r io.Reader) (Spec, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return Spec{}, fmt.Errorf("scenarios: read %s: %w", name, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var s Spec
	if err := dec.Decode(&s); err != nil {
		if errors.Is(err, io.EOF) {
			return Spec{}, fmt.Errorf("scenarios: %s: the file is empty; a scenario needs at least name and load", name)
		}
		return Spec{}, fmt.Errorf("scenarios: %s: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var extra any
	if err := dec.Decode(&extra); err == nil {
		return Spec{}, fmt.Errorf("scenarios: %s: more than one YAML document; put one scenario per file", name)
	}
	if errs := s.Validate(); len(errs) > 0 {
		return s, fmt.Errorf("scenarios: %s: %w", name, errors.Join(errs...))
	}
	return s, nil
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// Validate reports every problem of the spec, each naming its field.
func (s Spec) Validate() []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !nameRE.MatchString(s.Name) {
		add("name %q: want lowercase letters, digits and dashes (it names report files)", s.Name)
	}
	t := s.Target
	if t.Users < 0 || t.Users > 2000 {
		add("target.users %d: want 1..2000 (0 means 10)", t.Users)
	}
	if t.DisplayOffset < 0 || t.DisplayOffset > 30000 {
		add("target.displayOffset %d: want 1..30000 (0 means the version's default, 10)", t.DisplayOffset)
	}
	if t.MaxSessions < 0 || t.MaxSessions > 10000 {
		add("target.maxSessions %d: want 1..10000 (0 means the version's default, 50)", t.MaxSessions)
	}
	errs = append(errs, t.validateContainer()...)
	errs = append(errs, s.validateKind()...)
	errs = append(errs, s.validateFleet()...)
	for i, v := range s.Versions {
		if !versionPrefixRE.MatchString(v) {
			add("versions[%d] %q: want a release such as 0.9.21.1 or a prefix ending in a dot such as 0.9.", i, v)
		}
	}
	if len(s.Load) == 0 {
		add("load: empty; a scenario needs at least one load entry (e.g. kind: reconnect-storm)")
	}
	for i, l := range s.Load {
		errs = append(errs, l.validate(fmt.Sprintf("load[%d]", i), t)...)
	}
	for i, f := range s.Faults {
		p := fmt.Sprintf("faults[%d]", i)
		if f.Kind == "" {
			add("%s.kind: missing; one of %s", p, strings.Join(FaultKinds(), ", "))
		} else if !knownFault(f.Kind) {
			add("%s.kind %q: unknown; one of %s", p, f.Kind, strings.Join(FaultKinds(), ", "))
		}
		if f.At < 0 || f.Hold < 0 || f.At.D() > maxSpan || f.Hold.D() > maxSpan {
			add("%s: at %v, hold %v: want 0..24h each", p, f.At.D(), f.Hold.D())
		}
		if knownFault(f.Kind) {
			if _, err := newFault(f); err != nil {
				add("%s: %v", p, err)
			}
		}
	}
	c := s.Checks
	if r := c.MaxErrorRate; r != nil && !(*r >= 0 && *r <= 1) {
		add("checks.maxErrorRate %v: want a fraction 0..1", *r)
	}
	for _, d := range []struct {
		name string
		v    Duration
	}{{"maxP99", c.MaxP99}, {"maxRecovery", c.MaxRecovery}, {"zombieGrace", c.ZombieGrace}, {"staleGrace", c.StaleGrace}} {
		if d.v < 0 || d.v.D() > time.Hour {
			add("checks.%s %v: want 0..1h (0 means the detector's default)", d.name, d.v.D())
		}
	}
	if n := c.FinalSessions; n != nil && (*n < 0 || *n > 10000) {
		add("checks.finalSessions %d: want 0..10000", *n)
	}
	if ops := s.opsBound(); ops > MaxOps {
		add("load: about %.3g logins in all; at most %d fit in one run (lower rate, duration, cycles or n)", ops, MaxOps)
	}
	for i, name := range s.Checks.Skip {
		if !knownChecker(name) {
			add("checks.skip[%d] %q: unknown checker; one of %s", i, name, strings.Join(CheckerNames(), ", "))
		}
	}
	if s.Settle < 0 || s.Settle.D() > time.Hour {
		add("settle %v: want 0..1h (0 means 5s)", s.Settle.D())
	}
	if s.MaxDuration < 0 || s.MaxDuration.D() > maxSpan {
		add("maxDuration %v: want 0..24h (0 means 10m)", s.MaxDuration.D())
	}
	return errs
}

func (l LoadSpec) validate(p string, t TargetSpec) []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(p+format, args...)) }
	switch l.Client {
	case "", "rdp", "scp":
	default:
		add(".client %q: want rdp or scp", l.Client)
	}
	if _, err := load.ParseStyle(l.Style); err != nil {
		add(".style: %v", err)
	}
	if l.Users < 0 {
		add(".users %d: cannot be negative", l.Users)
	}
	users := t.Users
	if users == 0 {
		users = defaultUsers
	}
	if l.Users > users {
		add(".users %d: the target has only %d (set target.users)", l.Users, users)
	}
	if l.Hold < 0 || l.Think < 0 || l.Timeout < 0 || l.Hold.D() > time.Hour || l.Think.D() > time.Hour || l.Timeout.D() > 10*time.Minute {
		add(": hold %v, think %v, timeout %v: want hold and think 0..1h, timeout 0..10m", l.Hold.D(), l.Think.D(), l.Timeout.D())
	}
	switch l.BPP {
	case 0, 8, 15, 16, 24, 32:
	default:
		add(".bpp %d: want 8, 15, 16, 24 or 32 (0: the client's default)", l.BPP)
	}
	if l.Duration < 0 || l.Duration.D() > maxSpan {
		add(".duration %v: want 0..24h", l.Duration.D())
	}
	switch k, ok := loadKinds()[l.Kind]; {
	case ok:
		v := &loadCheck{path: p, users: users, t: t}
		k.validate(l, v)
		errs = append(errs, v.errs...)
	case l.Kind == "":
		add(".kind: missing; one of %s", joinComma(LoadKinds()))
	default:
		add(".kind %q: unknown; one of %s", l.Kind, joinComma(LoadKinds()))
	}
	return errs
}

// Bounds of a scenario: a run is a load test of one xrdp, not a soak test
// of the host running the harness.
const (
	// MaxOps bounds the logins of one run (every load entry together).
	MaxOps = 100000
	// maxRate bounds a constant or ramp rate, logins per second.
	maxRate = 1000
	// maxSpan bounds durations of the load and the fault schedule.
	maxSpan = 24 * time.Hour
)

var versionPrefixRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)*\.?$`)

// opsBound is an upper estimate of the logins the load asks for, in
// floating point so that no field can overflow it.
func (s Spec) opsBound() float64 {
	users := float64(cmp.Or(s.Target.Users, defaultUsers))
	var count func(l LoadSpec) float64
	count = func(l LoadSpec) float64 {
		u := users
		if l.Users > 0 {
			u = float64(l.Users)
		}
		switch l.Kind {
		case "reconnect-storm":
			return u * float64(l.Cycles)
		case "burst":
			return float64(l.N)
		case "constant":
			return l.Rate * l.Duration.D().Seconds()
		case "ramp":
			return (l.From + l.To) / 2 * l.Duration.D().Seconds()
		case "capacity":
			return float64(l.Max)
		case "sequence":
			n := 0.0
			for _, st := range l.Steps {
				n += count(st)
			}
			return n
		}
		return 0
	}
	n := 0.0
	for _, l := range s.Load {
		n += count(l)
	}
	if math.IsNaN(n) {
		return 0 // a NaN field is reported by its own check
	}
	return n
}

// validateContainer checks the target's container settings with the rules
// the containers package applies when it boots one.
func (t TargetSpec) validateContainer() []error {
	var errs []error
	add := func(field string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("target.%s: %w", field, err))
		}
	}
	if t.Policy != "" {
		add("policy", containers.CheckOptions(containers.WithPolicy(t.Policy)))
	}
	add("reconnectScript", containers.CheckOptions(containers.WithReconnectScript(containers.ReconnectScript{
		RunTime: t.Reconnect.RunTime.D(), Align: t.Reconnect.Align.D()})))
	for i, in := range t.Ini {
		_, err := containers.ParseIniSetting(in)
		add(fmt.Sprintf("ini[%d]", i), err)
	}
	r := t.Resources
	if !(r.CPUs >= 0 && r.CPUs <= 256) {
		add("resources.cpus", fmt.Errorf("%v: want 0..256 cores (0: no limit)", r.CPUs))
	}
	if r.MemoryMB < 0 || (r.MemoryMB > 0 && r.MemoryMB < 64) {
		add("resources.memoryMB", fmt.Errorf("%d: want at least 64 (xrdp, sesman and one Xvnc), 0 for no limit", r.MemoryMB))
	}
	if r.PidsLimit < 0 || (r.PidsLimit > 0 && r.PidsLimit < 32) {
		add("resources.pids", fmt.Errorf("%d: want at least 32 (the daemons and one session), 0 for no limit", r.PidsLimit))
	}
	for i, c := range t.Capabilities {
		add(fmt.Sprintf("capabilities[%d]", i), containers.CheckOptions(containers.WithCapabilities(c)))
	}
	add("desktop", t.desktop().Validate())
	if w := t.Workload; w != nil {
		add("workload.think", containers.CheckOptions(containers.WithWorkload(containers.Workload{Think: w.Think.D()})))
	}
	return errs
}

// desktop is the target's desktop setting as the containers package takes it.
func (t TargetSpec) desktop() containers.Desktop {
	return containers.Desktop{Kind: containers.DesktopKind(t.Desktop), Command: t.Command}
}

// defaultUsers is the number of test users when a scenario names none.
const defaultUsers = 10

func joinComma(s []string) string { return strings.Join(s, ", ") }
