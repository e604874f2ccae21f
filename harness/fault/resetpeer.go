package fault

import (
	"context"
	"fmt"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// ResetScope says which connections ResetPeer resets.
type ResetScope int

const (
	ResetAll      ResetScope = iota // open connections at Inject, and new ones during the hold
	ResetNew                        // only connections made during the hold
	ResetExisting                   // only connections open at Inject
)

// ResetPeer resets TCP connections through the proxy, on both sides: the
// client and xrdp each get an RST, as from a middlebox that dropped its
// state. Open connections are reset once at Inject; new ones, while the
// fault holds, right after they are accepted. It needs a target of a
// Proxied lab.
type ResetPeer struct {
	Scope ResetScope // zero value: ResetAll
}

var (
	_ harness.Fault = (*ResetPeer)(nil)
	_ Toxic         = (*ResetPeer)(nil)
	_ ConnToxic     = (*ResetPeer)(nil)
)

func (*ResetPeer) Name() string { return "reset-peer" }

// Validate reports every problem of the settings.
func (f *ResetPeer) Validate() []error {
	if f.Scope < ResetAll || f.Scope > ResetExisting {
		return []error{fmt.Errorf("fault: reset-peer: scope %d: want ResetAll, ResetNew or ResetExisting", int(f.Scope))}
	}
	return nil
}

func (f *ResetPeer) Inject(ctx context.Context, t harness.Target) (string, error) {
	if errs := f.Validate(); len(errs) > 0 {
		return "", errs[0]
	}
	p, err := proxyOf(t, f.Name())
	if err != nil {
		return "", err
	}
	detail := ""
	if f.Scope != ResetNew {
		detail = fmt.Sprintf("reset %d open connections", p.ResetConns())
	}
	if f.Scope != ResetExisting {
		p.Add(f)
		if detail != "" {
			detail += ", "
		}
		detail += "reset new connections"
	}
	return fmt.Sprintf("%s at proxy %s -> %s", detail, p.Addr(), p.Upstream()), nil
}

func (f *ResetPeer) Heal(ctx context.Context, t harness.Target) error {
	return healToxic(t, f.Name(), f)
}

// Pipe passes bytes on: the resets happen per connection.
func (f *ResetPeer) Pipe(ctx context.Context, c Chunk, next func(Chunk) error) error {
	return next(c)
}

// Accept resets new connections unless only open ones are in scope.
func (f *ResetPeer) Accept() ConnAction {
	if f.Scope == ResetExisting {
		return Forward
	}
	return Reset
}
