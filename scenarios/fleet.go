package scenarios

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/containers/sshhost"
	"github.com/xrdp-harness/xrdp-harness/fakeclient"
	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/harness/fault"
	"github.com/xrdp-harness/xrdp-harness/harness/fleet"
	"github.com/xrdp-harness/xrdp-harness/harness/load"
)

// How a fleet's users reach its targets (Spec.Spread).
const (
	SpreadRoundRobin = "round-robin" // the zero value: the harness's own balancer
	SpreadFront      = "front"       // the operator's balancer at Spec.Front
)

// entry is the scenario as seen by one fleet entry: the same load and
// checks, that entry as its target.
func (s Spec) entry(t TargetSpec) Spec {
	e := s
	e.Target = t
	e.Targets = nil
	return e
}

// validateFleet checks targets:, spread: and front:.
func (s Spec) validateFleet() []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if len(s.Targets) == 0 {
		if s.Spread != "" || s.Front != "" {
			add("spread/front: set without targets; they say how a fleet's users reach several targets")
		}
		return errs
	}
	if !isZeroTarget(s.Target) {
		add("target and targets: both set; a scenario has one target or a fleet of them")
	}
	if len(s.Targets) < 2 {
		add("targets: %d entry; a fleet has two or more (use target: for one)", len(s.Targets))
	}
	for i, t := range s.Targets {
		e := s.entry(t)
		for _, err := range append(t.validateContainer(), e.validateKind()...) {
			add("targets[%d]: %v", i, err)
		}
	}
	switch s.Spread {
	case "", SpreadRoundRobin:
		if s.Front != "" {
			add("front %q: set, but spread is round-robin; add spread: front", s.Front)
		}
		var first []string
		for i, t := range s.Targets {
			u := t.testUsers()
			if i == 0 {
				first = u
			} else if !slices.Equal(u, first) {
				add("targets[%d]: test users %v differ from targets[0]'s %v; round robin gives each user any host, so every host needs the same users", i, u, first)
			}
		}
		for _, c := range cookieCollisions(first) {
			add("targets: test users %s share the routing cookie %q (mstsc and the fakeclient send the first %d characters of the name): "+
				"round robin keys on it and would give them one host; use names that differ within their first %d characters",
				strings.Join(c.users, ", "), c.cookie, fakeclient.CookieLength, fakeclient.CookieLength)
		}
	case SpreadFront:
		if s.needsProxy() {
			add("spread front: the scenario has network faults, which act on the harness's proxy in front of a host; the operator's balancer at %s dials the hosts itself, past any proxy: use spread: round-robin for network faults", s.Front)
		}
		host, _, err := net.SplitHostPort(s.Front)
		if err != nil || (host != "127.0.0.1" && host != "::1" && host != "localhost") {
			add("front %q: want 127.0.0.1:PORT (the harness dials loopback only: forward the operator's balancer there)", s.Front)
		}
	default:
		add("spread %q: want %s or %s", s.Spread, SpreadRoundRobin, SpreadFront)
	}
	return errs
}

func isZeroTarget(t TargetSpec) bool {
	return t.Kind == "" && t.SSH == nil && t.Users == 0 && t.DisplayOffset == 0 && t.MaxSessions == 0 &&
		t.Policy == "" && len(t.Ini) == 0 && t.Config == "" && t.Reconnect.RunTime == 0 && t.Reconnect.Align == 0 &&
		t.Resources.CPUs == 0 && t.Resources.MemoryMB == 0 && t.Resources.PidsLimit == 0 && len(t.Capabilities) == 0
}

// testUsers names an entry's test users: an ssh host's list, a
// container's user1..N.
func (t TargetSpec) testUsers() []string {
	if t.kind() == KindSSH && t.SSH != nil {
		return t.SSH.Users
	}
	n := t.Users
	if n == 0 {
		n = defaultUsers
	}
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("user%d", i+1)
	}
	return out
}

// fleetLab is the lab of a fleet scenario on one xrdp version (for its
// container entries): every entry's lab, behind the spread's balancer.
func (s Spec) fleetLab(version string, opts ...containers.Option) (harness.Lab, error) {
	var labs []harness.Lab
	// One password for every container of the run: a balancer or the
	// spread may send a user to any of them.
	password := containers.WithPassword(containers.RandomPassword())
	for i, t := range s.Targets {
		if t.kind() == KindSSH {
			labs = append(labs, &sshhost.Lab{Hosts: []sshhost.Config{t.sshConfig("")}})
			continue
		}
		copts, err := s.entry(t).Options()
		if err != nil {
			return nil, fmt.Errorf("targets[%d]: %w", i, err)
		}
		copts = append(append(append([]containers.Option{password}, copts...), opts...), containers.WithTargetName(fmt.Sprintf("xrdp-%s-%d", version, i+1)))
		labs = append(labs, &containers.Lab{Nodes: []containers.Node{{Version: version}}, Options: copts})
	}
	lab := fleet.Labs(labs...)
	if s.needsProxy() {
		// The network faults' proxies sit between the balancer and each
		// host, where a fleet's traffic flows; a proxy in front of the
		// balancer would carry every host's clients, and one in front of
		// a host the balancer does not dial would carry none.
		lab = fault.Proxied(lab)
	}
	if s.Spread == SpreadFront {
		addr := s.Front
		return fleet.Front(lab, func(context.Context, []harness.Target) (string, error) { return addr, nil }), nil
	}
	return fleet.Spread(lab), nil
}

// cookieCollision is test users that send one mstshash cookie.
type cookieCollision struct {
	cookie string
	users  []string
}

// cookieCollisions finds users whose routing cookies (fakeclient.Cookie)
// are the same, in the order of their first user.
func cookieCollisions(users []string) []cookieCollision {
	by := map[string][]string{}
	var order []string
	for _, u := range users {
		c := fakeclient.Cookie(u)
		if len(by[c]) == 0 {
			order = append(order, c)
		}
		by[c] = append(by[c], u)
	}
	var out []cookieCollision
	for _, c := range order {
		if len(by[c]) > 1 {
			out = append(out, cookieCollision{cookie: c, users: by[c]})
		}
	}
	return out
}

// entryName is the name fleet entry i has in Records.
func (s Spec) entryName(version string, i int) string {
	if t := s.Targets[i]; t.kind() == KindSSH && t.SSH != nil {
		return t.SSH.Addr
	}
	return fmt.Sprintf("xrdp-%s-%d", version, i+1)
}

// aimNemeses points the fault steps of the load (nested in sequences too)
// that name no target at target: in a fleet the first target is the
// balancer, which has no processes to fault.
func aimNemeses(execs []harness.Executor, target string) {
	for _, e := range execs {
		switch x := e.(type) {
		case *load.Nemesis:
			if x.Target == "" {
				x.Target = target
			}
		case *load.Sequence:
			aimNemeses(x.Steps, target)
		}
	}
}
