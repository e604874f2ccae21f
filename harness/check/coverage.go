package check

import (
	"slices"
	"sort"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Span is the time interval from From to To.
type Span struct{ From, To time.Time }

// Duration is To-From.
func (s Span) Duration() time.Duration { return s.To.Sub(s.From) }

// Coverage says when the sampler of one target was watching. The sampler
// sends a Tick once per second; two ticks further apart than the allowed
// gap leave a blind span between them, where a process could have come and
// gone unseen. Runs of ticks closer than the gap are watched from their
// first tick to their last; the end of the record is watched when the last
// tick is within the gap of it (or, with no end stamp, for one gap after the
// last tick).
//
// A gap inside a pause-container fault window is no blind span: the
// container's processes (its sampler with them) were frozen by the cgroup
// freezer, so none could start, change or end unseen; the state after the
// gap is the state before it. A process event inside a gap does NOT close
// it: it proves a read at its time, not that the sampler had not stalled
// before it (an exit seen after a stall may have happened anywhere in it).
type Coverage struct {
	watched []Span // sorted, disjoint, closed intervals
	blind   []Span
	ticks   int
}

// NewCoverage reads target's ticks from r. maxGap ≤ 0 means the default 3 s.
func NewCoverage(r *harness.Record, target string, maxGap time.Duration) *Coverage {
	if maxGap <= 0 {
		maxGap = 3 * time.Second
	}
	c := &Coverage{}
	if r == nil {
		return c
	}
	var ts []time.Time
	for _, tk := range r.Ticks {
		if tk.Target == target {
			ts = append(ts, tk.Time)
		}
	}
	c.ticks = len(ts)
	if len(ts) == 0 {
		return c
	}
	var frozen []Span
	for _, f := range r.Faults {
		if f.Target == target && f.Name == "pause-container" && f.Err == "" && !f.Heal.IsZero() {
			frozen = append(frozen, Span{f.Inject, f.Heal})
		}
	}
	if !slices.IsSortedFunc(ts, time.Time.Compare) {
		slices.SortFunc(ts, time.Time.Compare)
	}
	// Watching starts with the load; while the lab was booting there was
	// nothing to watch (older Records lack LoadStarted: use Started).
	watchFrom := r.LoadStarted
	if watchFrom.IsZero() {
		watchFrom = r.Started
	}
	if !watchFrom.IsZero() && ts[0].Sub(watchFrom) > maxGap {
		c.blind = append(c.blind, Span{watchFrom, ts[0]})
	}
	run := Span{ts[0], ts[0]}
	for _, t := range ts[1:] {
		if t.Sub(run.To) > maxGap && !within(frozen, run.To, t, maxGap) {
			c.watched = append(c.watched, run)
			c.blind = append(c.blind, Span{run.To, t})
			run = Span{t, t}
			continue
		}
		run.To = t
	}
	switch end := r.Ended; {
	case end.IsZero():
		run.To = run.To.Add(maxGap)
	case end.Sub(run.To) > maxGap:
		c.blind = append(c.blind, Span{run.To, end})
	case end.After(run.To):
		run.To = end
	}
	c.watched = append(c.watched, run)
	return c
}

// within reports whether the gap (a, b) is covered by one frozen span, give
// or take slack at either end (the fault is injected and healed between two
// reads).
func within(frozen []Span, a, b time.Time, slack time.Duration) bool {
	for _, f := range frozen {
		if !a.Before(f.From.Add(-slack)) && !b.After(f.To.Add(slack)) {
			return true
		}
	}
	return false
}

// HasTicks reports whether the sampler sent any tick for the target.
func (c *Coverage) HasTicks() bool { return c.ticks > 0 }

// Start is the first tick (zero without ticks).
func (c *Coverage) Start() time.Time {
	if len(c.watched) == 0 {
		return time.Time{}
	}
	return c.watched[0].From
}

// End is the last watched instant (zero without ticks).
func (c *Coverage) End() time.Time {
	if len(c.watched) == 0 {
		return time.Time{}
	}
	return c.watched[len(c.watched)-1].To
}

// Watched reports whether the sampler was watching at t.
func (c *Coverage) Watched(t time.Time) bool {
	i := c.firstEndingAfter(t)
	return i < len(c.watched) && !c.watched[i].From.After(t)
}

// WatchedIn reports whether the sampler was watching at some instant of
// [a, b].
func (c *Coverage) WatchedIn(a, b time.Time) bool {
	if b.Before(a) {
		return false
	}
	i := c.firstEndingAfter(a)
	return i < len(c.watched) && !c.watched[i].From.After(b)
}

// WatchedAll reports whether the sampler watched the whole of [a, b].
func (c *Coverage) WatchedAll(a, b time.Time) bool {
	i := c.firstEndingAfter(a)
	return i < len(c.watched) && !c.watched[i].From.After(a) && !c.watched[i].To.Before(b)
}

// firstEndingAfter is the index of the first watched span that ends at or
// after t.
func (c *Coverage) firstEndingAfter(t time.Time) int {
	return sort.Search(len(c.watched), func(i int) bool { return !c.watched[i].To.Before(t) })
}

// Blind returns the blind spans, in order.
func (c *Coverage) Blind() []Span { return slices.Clone(c.blind) }

// LongBlind returns the blind spans longer than d: those that could hide a
// condition lasting d.
func (c *Coverage) LongBlind(d time.Duration) []Span {
	var out []Span
	for _, s := range c.blind {
		if s.Duration() > d {
			out = append(out, s)
		}
	}
	return out
}
