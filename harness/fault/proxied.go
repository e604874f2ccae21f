package fault

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Proxier is the optional capability of targets that reach their RDP port
// through a Proxy; the network faults find the proxy through it.
type Proxier interface {
	Proxy() *Proxy
}

// Proxied wraps a lab so that every target it brings up is reached through
// a Proxy of its own: the targets' RDPAddr is the proxy's address, so every
// client of the run goes through it, and the network faults (Latency,
// Bandwidth, Slicer, Blackhole, ResetPeer) act on it. Only the client → xrdp
// path is proxied; sesman's SCP endpoint is not.
func Proxied(lab harness.Lab) harness.Lab {
	return &proxiedLab{lab: lab}
}

type proxiedLab struct {
	lab  harness.Lab
	down harness.Teardown
}

var _ harness.Lab = (*proxiedLab)(nil)

func (l *proxiedLab) Up(ctx context.Context) ([]harness.Target, error) {
	l.down.Add(l.lab.Down) // after a failed Up too: Down removes what did start
	targets, err := l.lab.Up(ctx)
	wrapped := make([]harness.Target, 0, len(targets))
	for _, t := range targets {
		p, perr := NewProxy(ctx, t.RDPAddr())
		if perr != nil {
			return wrapped, errors.Join(err, fmt.Errorf("fault: proxied lab: target %s: %w", t.Name(), perr))
		}
		l.down.Add(func(context.Context) error { return p.Close() })
		wrapped = append(wrapped, &ProxiedTarget{Target: t, proxy: p})
	}
	return wrapped, err
}

// Down closes the proxies, then brings the wrapped lab down.
func (l *proxiedLab) Down(ctx context.Context) error { return l.down.Down(ctx) }

var _ harness.RecordFinisher = (*proxiedLab)(nil)

// FinishRecord hands the Record to the wrapped lab when it finishes
// Records (a fleet's front attributes its ops to the hosts).
func (l *proxiedLab) FinishRecord(r *harness.Record) {
	if f, ok := l.lab.(harness.RecordFinisher); ok {
		f.FinishRecord(r)
	}
}

// ProxiedTarget is a target reached through a Proxy: RDPAddr is the
// proxy's, everything else is the wrapped target's.
type ProxiedTarget struct {
	harness.Target
	proxy *Proxy
}

var (
	_ harness.Target = (*ProxiedTarget)(nil)
	_ Proxier        = (*ProxiedTarget)(nil)
	_ Unwrapper      = (*ProxiedTarget)(nil)
)

// NewProxiedTarget puts an existing proxy in front of t.
func NewProxiedTarget(t harness.Target, p *Proxy) *ProxiedTarget {
	return &ProxiedTarget{Target: t, proxy: p}
}

func (t *ProxiedTarget) RDPAddr() string        { return t.proxy.Addr() }
func (t *ProxiedTarget) Proxy() *Proxy          { return t.proxy }
func (t *ProxiedTarget) Unwrap() harness.Target { return t.Target }

// Info is the wrapped target's, with the proxy noted in Config.
func (t *ProxiedTarget) Info() harness.TargetInfo {
	info := t.Target.Info()
	info.Config = maps.Clone(info.Config)
	if info.Config == nil {
		info.Config = map[string]string{}
	}
	info.Config["rdp.proxy"] = t.proxy.Addr() + " -> " + t.proxy.Upstream()
	return info
}

// proxyOf finds the proxy in front of t.
func proxyOf(t harness.Target, fault string) (*Proxy, error) {
	if p, ok := capability[Proxier](t); ok && p.Proxy() != nil {
		return p.Proxy(), nil
	}
	name := "<nil>"
	if t != nil {
		name = t.Name()
	}
	return nil, &CapabilityError{Fault: fault, Target: name, Capability: "fault.Proxier",
		Hint: "wrap the lab with fault.Proxied so that clients go through a proxy"}
}

// injectToxic and healToxic are the Inject and Heal of the network faults: switch tox on
// (or off) at t's proxy.
func injectToxic(t harness.Target, fault string, tox Toxic, what string) (string, error) {
	p, err := proxyOf(t, fault)
	if err != nil {
		return "", err
	}
	p.Add(tox)
	return fmt.Sprintf("%s at proxy %s -> %s", what, p.Addr(), p.Upstream()), nil
}

func healToxic(t harness.Target, fault string, tox Toxic) error {
	p, err := proxyOf(t, fault)
	if err != nil {
		return err
	}
	p.Remove(tox)
	return nil
}
