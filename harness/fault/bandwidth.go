package fault

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Bandwidth limits each connection's throughput through the proxy to Rate
// bytes per second in the chosen direction(s), by writing chunks in pieces
// of at most a tenth of a second's worth and waiting after each. It needs a
// target of a Proxied lab.
type Bandwidth struct {
	Rate      int64     // bytes per second; required
	Direction Direction // zero value: Both
}

var (
	_ harness.Fault = (*Bandwidth)(nil)
	_ Toxic         = (*Bandwidth)(nil)
)

func (*Bandwidth) Name() string { return "bandwidth" }

// Validate reports every problem of the settings.
func (f *Bandwidth) Validate() []error {
	var errs []error
	if f.Rate <= 0 {
		errs = append(errs, fmt.Errorf("fault: bandwidth: rate %d B/s: want more than 0", f.Rate))
	}
	if err := f.Direction.validate("bandwidth"); err != nil {
		errs = append(errs, err)
	}
	return errs
}

func (f *Bandwidth) Inject(ctx context.Context, t harness.Target) (string, error) {
	if errs := f.Validate(); len(errs) > 0 {
		return "", errors.Join(errs...)
	}
	return injectToxic(t, f.Name(), f, fmt.Sprintf("bandwidth %d B/s %s", f.Rate, f.Direction))
}

func (f *Bandwidth) Heal(ctx context.Context, t harness.Target) error {
	return healToxic(t, f.Name(), f)
}

// Pipe writes the chunk piece by piece, each followed by the time it takes
// at Rate.
func (f *Bandwidth) Pipe(ctx context.Context, c Chunk, next func(Chunk) error) error {
	if !f.Direction.covers(c.Dir) {
		return next(c)
	}
	piece := max(int(f.Rate/10), 1)
	for data := c.Data; len(data) > 0; {
		n := min(piece, len(data))
		p := c
		p.Data = data[:n]
		if err := next(p); err != nil {
			return err
		}
		data = data[n:]
		if !harness.SleepUntil(ctx, time.Now().Add(time.Duration(n)*time.Second/time.Duration(f.Rate))) {
			return ctx.Err()
		}
	}
	return nil
}
