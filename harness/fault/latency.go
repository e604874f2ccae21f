package fault

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Latency delays every chunk the proxy forwards by Delay ± Jitter from
// when it was read, in the chosen direction(s): with Both a round trip
// takes at least 2×Delay longer. Chunks keep their order. It needs a target
// of a Proxied lab.
type Latency struct {
	Delay time.Duration // added to every chunk; required
	// Jitter spreads the delay uniformly over Delay±Jitter; 0 means none.
	// It cannot exceed Delay.
	Jitter    time.Duration
	Direction Direction // zero value: Both
}

var (
	_ harness.Fault = (*Latency)(nil)
	_ Toxic         = (*Latency)(nil)
)

func (*Latency) Name() string { return "latency" }

// Validate reports every problem of the settings.
func (f *Latency) Validate() []error {
	var errs []error
	if f.Delay <= 0 {
		errs = append(errs, fmt.Errorf("fault: latency: delay %v: want more than 0", f.Delay))
	}
	if f.Jitter < 0 || f.Jitter > f.Delay {
		errs = append(errs, fmt.Errorf("fault: latency: jitter %v: want 0..delay (%v)", f.Jitter, f.Delay))
	}
	if err := f.Direction.validate("latency"); err != nil {
		errs = append(errs, err)
	}
	return errs
}

func (f *Latency) Inject(ctx context.Context, t harness.Target) (string, error) {
	if errs := f.Validate(); len(errs) > 0 {
		return "", errors.Join(errs...)
	}
	what := fmt.Sprintf("latency %v", f.Delay)
	if f.Jitter > 0 {
		what += fmt.Sprintf("±%v", f.Jitter)
	}
	return injectToxic(t, f.Name(), f, what+" "+f.Direction.String())
}

func (f *Latency) Heal(ctx context.Context, t harness.Target) error {
	return healToxic(t, f.Name(), f)
}

// Pipe holds the chunk until its due time.
func (f *Latency) Pipe(ctx context.Context, c Chunk, next func(Chunk) error) error {
	if !f.Direction.covers(c.Dir) {
		return next(c)
	}
	d := f.Delay
	if f.Jitter > 0 {
		d += time.Duration(rand.Int64N(2*int64(f.Jitter)+1)) - f.Jitter
	}
	if !harness.SleepUntil(ctx, c.Read.Add(d)) {
		return ctx.Err()
	}
	return next(c)
}
