package scenarios

import (
	"fmt"
	"strings"

	"github.com/xrdp-harness/xrdp-harness/containers/sshhost"
	"github.com/xrdp-harness/xrdp-harness/harness/fault"
)

// Target kinds a scenario can name in target.kind.
const (
	KindContainer = "container" // the default: an xrdp container the harness boots
	KindSSH       = "ssh"       // an existing host, reached over SSH only
)

// SSHSpec is an ssh target: an existing xrdp host (see containers/sshhost).
// Passwords are never here: passwordFile or passwordEnv say where they are.
type SSHSpec struct {
	Addr               string   `yaml:"addr"`
	User               string   `yaml:"user"`
	IdentityFile       string   `yaml:"identityFile"`
	Agent              bool     `yaml:"agent"`
	KnownHosts         string   `yaml:"knownHosts"`
	HostKeyFingerprint string   `yaml:"hostKeyFingerprint"`
	Users              []string `yaml:"users"`
	PasswordFile       string   `yaml:"passwordFile"`
	PasswordEnv        string   `yaml:"passwordEnv"`
	ConfDir            string   `yaml:"confDir"`
	ServiceCommand     string   `yaml:"serviceCommand"`
	Timeout            Duration `yaml:"timeout"`
}

// kind is the target's kind with its default.
func (t TargetSpec) kind() string {
	if t.Kind == "" {
		return KindContainer
	}
	return t.Kind
}

// sshConfig is the sshhost configuration of an ssh target.
func (t TargetSpec) sshConfig(name string) sshhost.Config {
	s := t.SSH
	if s == nil {
		s = &SSHSpec{}
	}
	return sshhost.Config{
		Name: name, Addr: s.Addr, User: s.User, IdentityFile: s.IdentityFile, Agent: s.Agent,
		KnownHosts: s.KnownHosts, HostKeyFingerprint: s.HostKeyFingerprint, Users: s.Users,
		PasswordFile: s.PasswordFile, PasswordEnv: s.PasswordEnv, ConfDir: s.ConfDir,
		ServiceCommand: s.ServiceCommand, AllowFaults: t.AllowFaults, Timeout: s.Timeout.D(),
	}
}

// validateKind checks what depends on the target's kind: an ssh target is
// used as it is (no container settings), needs its SSH settings, and takes
// faults only with allowFaults: true and only those that make sense on a
// host.
func (s Spec) validateKind() []error {
	t := s.Target
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	switch t.kind() {
	case KindContainer:
		if t.SSH != nil {
			add("target.ssh: set, but target.kind is container; add kind: ssh or remove ssh")
		}
		return errs
	case KindSSH:
	default:
		add("target.kind %q: want %s or %s", t.Kind, KindContainer, KindSSH)
		return errs
	}
	if t.SSH == nil {
		add("target.ssh: missing; an ssh target needs addr, user, a host key (knownHosts or hostKeyFingerprint), credentials and users")
		return errs
	}
	for _, e := range t.sshConfig("").Validate() {
		add("target.%v", e)
	}
	for _, f := range t.containerSettings() {
		add("target.%s: an ssh target is used as it is; change the host's own config (the test users are target.ssh.users)", f)
	}
	faults := s.allFaults()
	if len(faults) > 0 && !t.AllowFaults {
		kinds := make([]string, len(faults))
		for i, f := range faults {
			kinds[i] = f.Kind
		}
		add("target.allowFaults: the scenario injects %s into the existing host %s; a host is someone's server: set allowFaults: true on the target to accept that",
			strings.Join(kinds, ", "), t.SSH.Addr)
	}
	for _, f := range faults {
		if !knownFault(f.Kind) {
			continue
		}
		ft, err := newFault(f)
		if err != nil {
			continue // reported by the fault's own check
		}
		if co, ok := ft.(fault.ContainerOnly); ok {
			add("fault %s: not on an ssh target: %s", f.Kind, co.ContainerOnly())
		}
	}
	return errs
}

// containerSettings names the settings of t that only a container target
// takes (an existing host runs its own config).
func (t TargetSpec) containerSettings() []string {
	var out []string
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"users", t.Users != 0}, {"displayOffset", t.DisplayOffset != 0}, {"maxSessions", t.MaxSessions != 0},
		{"policy", t.Policy != ""}, {"ini", len(t.Ini) > 0}, {"config", t.Config != ""},
		{"reconnectScript", t.Reconnect.RunTime != 0 || t.Reconnect.Align != 0},
		{"resources", t.Resources.CPUs != 0 || t.Resources.MemoryMB != 0 || t.Resources.PidsLimit != 0},
		{"capabilities", len(t.Capabilities) > 0},
	} {
		if f.set {
			out = append(out, f.name)
		}
	}
	return out
}

// allFaults lists every fault of the scenario: the schedule's and the
// load's fault steps, nested ones included.
func (s Spec) allFaults() []FaultSpec {
	out := append([]FaultSpec(nil), s.Faults...)
	var walk func([]LoadSpec)
	walk = func(ls []LoadSpec) {
		for _, l := range ls {
			if l.Fault != nil {
				out = append(out, *l.Fault)
			}
			walk(l.Steps)
		}
	}
	walk(s.Load)
	return out
}
