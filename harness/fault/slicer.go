package fault

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Slicer cuts every chunk the proxy forwards into pieces of Size bytes,
// Delay apart, in the chosen direction(s): PDUs arrive split across many
// TCP segments, which exercises the server's reassembly. It needs a target
// of a Proxied lab.
type Slicer struct {
	Size      int           // bytes per piece; required
	Delay     time.Duration // pause between pieces; 0 means none
	Direction Direction     // zero value: Both
}

var (
	_ harness.Fault = (*Slicer)(nil)
	_ Toxic         = (*Slicer)(nil)
)

func (*Slicer) Name() string { return "slicer" }

// Validate reports every problem of the settings.
func (f *Slicer) Validate() []error {
	var errs []error
	if f.Size <= 0 {
		errs = append(errs, fmt.Errorf("fault: slicer: size %d: want at least 1 byte", f.Size))
	}
	if f.Delay < 0 {
		errs = append(errs, fmt.Errorf("fault: slicer: delay %v cannot be negative", f.Delay))
	}
	if err := f.Direction.validate("slicer"); err != nil {
		errs = append(errs, err)
	}
	return errs
}

func (f *Slicer) Inject(ctx context.Context, t harness.Target) (string, error) {
	if errs := f.Validate(); len(errs) > 0 {
		return "", errors.Join(errs...)
	}
	return injectToxic(t, f.Name(), f, fmt.Sprintf("slices of %d B every %v %s", f.Size, f.Delay, f.Direction))
}

func (f *Slicer) Heal(ctx context.Context, t harness.Target) error {
	return healToxic(t, f.Name(), f)
}

// Pipe passes the chunk on in pieces.
func (f *Slicer) Pipe(ctx context.Context, c Chunk, next func(Chunk) error) error {
	if !f.Direction.covers(c.Dir) {
		return next(c)
	}
	for i := 0; i < len(c.Data); i += f.Size {
		if i > 0 && f.Delay > 0 {
			if !harness.SleepUntil(ctx, time.Now().Add(f.Delay)) {
				return ctx.Err()
			}
		}
		p := c
		p.Data = c.Data[i:min(i+f.Size, len(c.Data))]
		if err := next(p); err != nil {
			return err
		}
	}
	return nil
}
