package fault

import (
	"context"
	"errors"
	"fmt"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Blackhole drops every byte the proxy would forward in the chosen
// direction(s), like a network that loses every packet: nothing fails,
// clients wait until their own deadline. While a blackhole covers the
// client → server direction, new connections are accepted and held without
// reaching the server at all; they stay held after Heal (the client has
// lost bytes and must reconnect). It needs a target of a Proxied lab.
type Blackhole struct {
	Direction Direction // zero value: Both
}

var (
	_ harness.Fault = (*Blackhole)(nil)
	_ Toxic         = (*Blackhole)(nil)
	_ ConnToxic     = (*Blackhole)(nil)
)

func (*Blackhole) Name() string { return "blackhole" }

// Validate reports every problem of the settings.
func (f *Blackhole) Validate() []error {
	if err := f.Direction.validate("blackhole"); err != nil {
		return []error{err}
	}
	return nil
}

func (f *Blackhole) Inject(ctx context.Context, t harness.Target) (string, error) {
	if errs := f.Validate(); len(errs) > 0 {
		return "", errors.Join(errs...)
	}
	return injectToxic(t, f.Name(), f, fmt.Sprintf("blackhole %s", f.Direction))
}

func (f *Blackhole) Heal(ctx context.Context, t harness.Target) error {
	return healToxic(t, f.Name(), f)
}

// Pipe drops the chunk.
func (f *Blackhole) Pipe(ctx context.Context, c Chunk, next func(Chunk) error) error {
	if !f.Direction.covers(c.Dir) {
		return next(c)
	}
	return nil
}

// Accept holds new connections when the client's bytes would be lost.
func (f *Blackhole) Accept() ConnAction {
	if f.Direction.covers(Upstream) {
		return Hold
	}
	return Forward
}
