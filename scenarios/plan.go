package scenarios

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/containers/sshhost"
	"github.com/xrdp-harness/xrdp-harness/containers/xrdpconf"
	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/harness/check"
	"github.com/xrdp-harness/xrdp-harness/harness/fault"
	"github.com/xrdp-harness/xrdp-harness/harness/load"
)

// AppliesTo says whether the scenario runs on an xrdp version.
func (s Spec) AppliesTo(version string) bool {
	if len(s.Versions) == 0 {
		return true
	}
	for _, v := range s.Versions {
		if version == v || (strings.HasSuffix(v, ".") && strings.HasPrefix(version, v)) {
			return true
		}
	}
	return false
}

// NeedsSCP reports whether any load uses the SCP v0 client (0.9.x only).
func (s Spec) NeedsSCP() bool {
	var walk func([]LoadSpec) bool
	walk = func(ls []LoadSpec) bool {
		for _, l := range ls {
			if l.Client == "scp" || walk(l.Steps) {
				return true
			}
		}
		return false
	}
	return walk(s.Load)
}

// Options are the container options the target section asks for.
func (s Spec) Options() ([]containers.Option, error) {
	t := s.Target
	users := t.Users
	if users == 0 {
		users = defaultUsers
	}
	opts := []containers.Option{containers.WithUsers(users)}
	if t.DisplayOffset > 0 {
		opts = append(opts, containers.WithDisplayOffset(t.DisplayOffset))
	}
	if t.MaxSessions > 0 {
		opts = append(opts, containers.WithMaxSessions(t.MaxSessions))
	}
	if t.Policy != "" {
		opts = append(opts, containers.WithPolicy(t.Policy))
	}
	if t.Reconnect.RunTime > 0 || t.Reconnect.Align > 0 {
		opts = append(opts, containers.WithReconnectScript(containers.ReconnectScript{
			RunTime: t.Reconnect.RunTime.D(), Align: t.Reconnect.Align.D()}))
	}
	var errs []error
	for _, i := range t.Ini {
		set, err := containers.ParseIniSetting(i)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		opts = append(opts, containers.WithIni(set))
	}
	if t.Config != "" {
		d, err := xrdpconf.Load(t.Config)
		if err != nil {
			errs = append(errs, fmt.Errorf("target.config: %w", err))
		} else {
			opts = append(opts, containers.WithConfigDir(d))
		}
	}
	if r := t.Resources; r.CPUs > 0 || r.MemoryMB > 0 || r.PidsLimit > 0 {
		opts = append(opts, containers.WithResources(containers.Resources{CPUs: r.CPUs, MemoryMB: r.MemoryMB, PidsLimit: r.PidsLimit}))
	}
	if len(t.Capabilities) > 0 {
		opts = append(opts, containers.WithCapabilities(t.Capabilities...))
	}
	if t.Desktop != "" || t.Command != "" {
		opts = append(opts, containers.WithDesktop(t.desktop()))
	}
	if w := t.Workload; w != nil {
		opts = append(opts, containers.WithWorkload(containers.Workload{Think: w.Think.D()}))
	}
	return opts, errors.Join(errs...)
}

// Executors builds the load.
func (s Spec) Executors() ([]harness.Executor, error) {
	var out []harness.Executor
	var errs []error
	for i, l := range s.Load {
		e, err := l.executor(s.Checks, s.Target)
		if err != nil {
			errs = append(errs, fmt.Errorf("load[%d]: %w", i, err))
			continue
		}
		out = append(out, e)
	}
	return out, errors.Join(errs...)
}

func (l LoadSpec) client() load.Client {
	if l.Client == "scp" {
		return load.SCP{Timeout: l.Timeout.D(), BPP: l.BPP}
	}
	return load.RDP{Timeout: l.Timeout.D(), BPP: l.BPP}
}

// FaultSteps builds the fault schedule.
func (s Spec) FaultSteps() ([]harness.FaultStep, error) {
	var out []harness.FaultStep
	var errs []error
	for i, f := range s.Faults {
		ft, err := newFault(f)
		if err != nil {
			errs = append(errs, fmt.Errorf("faults[%d]: %w", i, err))
			continue
		}
		out = append(out, harness.FaultStep{Fault: ft, At: f.At.D(), Hold: f.Hold.D()})
	}
	return out, errors.Join(errs...)
}

// Checkers builds the detectors with the scenario's thresholds.
func (s Spec) Checkers() ([]harness.Checker, error) {
	c := s.Checks
	var opts []check.Option
	if c.MaxErrorRate != nil {
		opts = append(opts, check.WithMaxErrorRate(*c.MaxErrorRate))
	}
	if c.MaxP99 > 0 {
		opts = append(opts, check.WithMaxP99(c.MaxP99.D()))
	}
	if c.MaxRecovery > 0 {
		opts = append(opts, check.WithMaxRecovery(c.MaxRecovery.D()))
	}
	if c.ZombieGrace > 0 {
		opts = append(opts, check.WithZombieGrace(c.ZombieGrace.D()))
	}
	if c.StaleGrace > 0 {
		opts = append(opts, check.WithStaleGrace(c.StaleGrace.D()))
	}
	if c.IgnoreFaultsInLatency {
		opts = append(opts, check.WithLatencyIgnoreFaults())
	}
	if len(c.ExpectAuthFailures) > 0 {
		opts = append(opts, check.WithExpectedAuthFailures(c.ExpectAuthFailures...))
	}
	if c.FinalSessions != nil {
		opts = append(opts, check.WithFinalSessions(*c.FinalSessions))
	}
	all, err := check.Default(opts...)
	if err != nil {
		return nil, fmt.Errorf("checks: %w", err)
	}
	var out []harness.Checker
	for _, ch := range all {
		if !slices.Contains(c.Skip, ch.Name()) {
			out = append(out, ch)
		}
	}
	return out, nil
}

// Plan assembles the run of this scenario on one xrdp version. opts are
// extra container options (builder, run id, source build).
func (s Spec) Plan(version string, opts ...containers.Option) (harness.Plan, []harness.Checker, error) {
	var errs []error
	copts, err := s.Options()
	errs = append(errs, err)
	execs, err := s.Executors()
	errs = append(errs, err)
	faults, err := s.FaultSteps()
	errs = append(errs, err)
	checkers, err := s.Checkers()
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return harness.Plan{}, nil, fmt.Errorf("scenarios: %s: %w", s.Name, err)
	}
	settle := s.Settle.D()
	if settle == 0 {
		settle = 5 * time.Second
	}
	var lab harness.Lab = &containers.Lab{Nodes: []containers.Node{{Version: version}}, Options: append(copts, opts...)}
	if s.Target.kind() == KindSSH {
		// An existing host: its version is its own (the Record says which).
		lab = &sshhost.Lab{Hosts: []sshhost.Config{s.Target.sshConfig("")}}
	}
	if len(s.Targets) > 0 {
		if lab, err = s.fleetLab(version, opts...); err != nil {
			return harness.Plan{}, nil, fmt.Errorf("scenarios: %s: %w", s.Name, err)
		}
		// Clients dial the fleet's front; the schedule's faults go to the
		// first host behind it (the front has no processes).
		for i := range faults {
			if faults[i].Target == "" {
				faults[i].Target = s.entryName(version, 0)
			}
		}
		aimNemeses(execs, s.entryName(version, 0))
	}
	if s.needsProxy() && len(s.Targets) == 0 {
		// Network faults act on a proxy every RDP client goes through (a
		// fleet puts one before each host: fleetLab).
		lab = fault.Proxied(lab)
	}
	plan := harness.Plan{
		Name:        s.Name,
		Lab:         lab,
		Load:        execs,
		Fault:       faults,
		Settle:      settle,
		MaxDuration: s.MaxDuration.D(),
		Config:      map[string]string{"scenario": s.Name, "version": version},
	}
	return plan, checkers, nil
}
