package harness

import (
	"context"
	"time"
)

// Sleep waits d or until ctx ends; it reports whether d elapsed (a d ≤ 0
// elapses at once unless ctx has ended). The one interruptible wait of the
// engine, its executors and faults.
func Sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// SleepUntil waits for the wall clock to reach at or for ctx to end; it
// reports whether at was reached.
func SleepUntil(ctx context.Context, at time.Time) bool { return Sleep(ctx, time.Until(at)) }
