package scenarios

import (
	"fmt"
	"slices"
	"strings"
)

// Hosts are existing hosts named on the command line (run --ssh) instead
// of in a scenario file: every scenario of the run goes to them.
type Hosts struct {
	// Logins are USER@HOST:PORT, one per host; two or more make a fleet.
	Logins []string
	// SSH holds what every host shares (identity or agent, known_hosts or
	// a pinned fingerprint, test users, where the passwords are); its Addr
	// and User come from each login.
	SSH SSHSpec
	// AllowFaults lets the scenarios' faults act on the hosts.
	AllowFaults bool
	// Front is the operator's balancer in front of a fleet (127.0.0.1:PORT);
	// empty: the harness's round robin.
	Front string
}

// ParseLogin splits USER@HOST:PORT.
func ParseLogin(s string) (user, addr string, err error) {
	user, addr, ok := strings.Cut(s, "@")
	if !ok || user == "" || addr == "" {
		return "", "", fmt.Errorf("--ssh %q: want USER@HOST:PORT, e.g. ops@staging1.example.net:22", s)
	}
	return user, addr, nil
}

// OnHosts is s with its target replaced by h's hosts: one host is target:,
// several a fleet spread round robin (or through h.Front). A scenario's
// container settings cannot apply to a host, which runs its own config:
// they are dropped and named in the second result. The new scenario is
// validated as a scenario file would be; the error joins every problem.
func (s Spec) OnHosts(h Hosts) (Spec, []string, error) {
	var errs []string
	if len(h.Logins) == 0 {
		errs = append(errs, "--ssh: no host given")
	}
	var entries []TargetSpec
	for _, l := range h.Logins {
		user, addr, err := ParseLogin(l)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		ssh := h.SSH
		ssh.User, ssh.Addr = user, addr
		ssh.Users = append([]string(nil), h.SSH.Users...)
		entries = append(entries, TargetSpec{Kind: KindSSH, SSH: &ssh, AllowFaults: h.AllowFaults})
	}
	if len(h.Logins) < 2 && h.Front != "" {
		errs = append(errs, fmt.Sprintf("--front %q: a balancer fronts a fleet; give two or more --ssh hosts", h.Front))
	}
	if len(errs) > 0 {
		return s, nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	var dropped []string
	for _, t := range append([]TargetSpec{s.Target}, s.Targets...) {
		for _, f := range t.containerSettings() {
			if !slices.Contains(dropped, f) {
				dropped = append(dropped, f)
			}
		}
	}
	out := s
	out.Target, out.Targets, out.Spread, out.Front = TargetSpec{}, nil, "", ""
	if len(entries) == 1 {
		out.Target = entries[0]
	} else {
		out.Targets = entries
		if h.Front != "" {
			out.Spread, out.Front = SpreadFront, h.Front
		}
	}
	var msgs []string
	if fs := out.allFaults(); len(fs) > 0 && !h.AllowFaults {
		kinds := make([]string, len(fs))
		for i, f := range fs {
			kinds[i] = f.Kind
		}
		msgs = append(msgs, fmt.Sprintf("it injects %s into the hosts; a host is someone's server: add --allow-faults to accept that, or pick a scenario without faults",
			strings.Join(slices.Compact(kinds), ", ")))
	}
	for _, e := range out.Validate() {
		if !strings.HasPrefix(e.Error(), "target.allowFaults:") && !strings.Contains(e.Error(), "]: target.allowFaults:") {
			msgs = append(msgs, e.Error())
		}
	}
	if len(msgs) > 0 {
		return s, dropped, fmt.Errorf("scenario %s on --ssh hosts: %s", s.Name, strings.Join(msgs, "; "))
	}
	return out, dropped, nil
}
