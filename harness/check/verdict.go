package check

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// targetNames lists the hosts a Record speaks of: those declared in
// Targets, in order, then any other name its events carry, sorted. A
// balancer in front of a fleet (Flavour harness.FlavourFront) is not a
// host: it has no processes or logs, and its ops are the hosts' once
// attributed (fleet.Attribute); see frontsWithOps for what stays on it.
func targetNames(r *harness.Record) []string {
	var names []string
	seen := map[string]bool{}
	for _, t := range r.Targets {
		if t.Flavour == harness.FlavourFront {
			seen[t.Name] = true
			continue
		}
		if !seen[t.Name] {
			seen[t.Name] = true
			names = append(names, t.Name)
		}
	}
	var extra []string
	note := func(n string) {
		if !seen[n] {
			seen[n] = true
			extra = append(extra, n)
		}
	}
	// Events of one target come in long runs: comparing with the previous
	// name keeps this pass cheap.
	prev := "\x00"
	for i := range r.Procs {
		if n := r.Procs[i].Target; n != prev {
			note(n)
			prev = n
		}
	}
	for i := range r.Ops {
		note(r.Ops[i].Target)
	}
	for i := range r.Logs {
		note(r.Logs[i].Target)
	}
	for i := range r.Ticks {
		note(r.Ticks[i].Target)
	}
	for i := range r.Faults {
		note(r.Faults[i].Target)
	}
	slices.Sort(extra)
	return append(names, extra...)
}

// frontsWithOps lists the fronts (Flavour harness.FlavourFront) that still
// hold ops: connections no host logged, which only the ops themselves can
// judge.
func frontsWithOps(r *harness.Record) []string {
	var out []string
	for _, t := range r.Targets {
		if t.Flavour != harness.FlavourFront || slices.Contains(out, t.Name) {
			continue
		}
		if slices.ContainsFunc(r.Ops, func(op harness.Op) bool { return op.Target == t.Name }) {
			out = append(out, t.Name)
		}
	}
	return out
}

// targetInfo returns the declared TargetInfo of name (zero when undeclared).
func targetInfo(r *harness.Record, name string) harness.TargetInfo {
	for _, t := range r.Targets {
		if t.Name == name {
			return t
		}
	}
	return harness.TargetInfo{Name: name}
}

// nilRecord is the answer of every checker to a nil Record.
// perTarget runs check once per target of r, with cfg's defaults filled in.
func perTarget(r *harness.Record, name string, cfg Config,
	check func(r *harness.Record, target string, cfg Config) harness.Verdict) []harness.Verdict {
	if r == nil {
		return nilRecord(name)
	}
	cfg = cfg.withDefaults()
	var out []harness.Verdict
	for _, t := range targetNames(r) {
		out = append(out, check(r, t, cfg))
	}
	return out
}

func nilRecord(name string) []harness.Verdict {
	return []harness.Verdict{{Checker: name, Valid: harness.Unknown, Summary: "no record"}}
}

// horizon is the end of the record for target: Ended, or the last stamp
// the record holds for it.
func horizon(r *harness.Record, target string) time.Time {
	if !r.Ended.IsZero() {
		return r.Ended
	}
	var end time.Time
	later := func(t time.Time) {
		if t.After(end) {
			end = t
		}
	}
	for i := range r.Procs {
		if r.Procs[i].Target == target {
			later(r.Procs[i].Time)
		}
	}
	for i := range r.Ticks {
		if r.Ticks[i].Target == target {
			later(r.Ticks[i].Time)
		}
	}
	for i := range r.Logs {
		if r.Logs[i].Target == target {
			later(r.Logs[i].Time)
		}
	}
	for i := range r.Ops {
		if r.Ops[i].Target == target {
			later(r.Ops[i].End)
		}
	}
	return end
}

// evidence collects the facts behind a verdict, in time order, capped at
// max items with a last item counting the rest.
type evidence struct {
	target string
	max    int
	items  []harness.Evidence
}

func newEvidence(target string, max int) *evidence { return &evidence{target: target, max: max} }

func (e *evidence) add(t time.Time, format string, args ...any) {
	e.items = append(e.items, harness.Evidence{Time: t, Target: e.target, What: fmt.Sprintf(format, args...)})
}

func (e *evidence) len() int { return len(e.items) }

func (e *evidence) list() []harness.Evidence {
	if len(e.items) == 0 {
		return nil
	}
	out := slices.Clone(e.items)
	slices.SortStableFunc(out, func(a, b harness.Evidence) int { return a.Time.Compare(b.Time) })
	if len(out) > e.max {
		rest := len(out) - e.max
		out = append(out[:e.max], harness.Evidence{Time: out[e.max].Time, Target: e.target,
			What: fmt.Sprintf("… and %d more", rest)})
	}
	return out
}

// faults holds one target's fault windows that had an effect, for the
// "fault windows excuse" rule of the package doc.
type faults struct {
	spans  []Span // Inject..Heal; Heal zero: the instant of Inject
	strict bool
}

func newFaults(r *harness.Record, target string, strict bool) faults {
	f := faults{strict: strict}
	for _, w := range r.Faults {
		if w.Target != target || w.Inject.IsZero() {
			continue
		}
		end := w.Heal
		if end.Before(w.Inject) {
			end = w.Inject
		}
		f.spans = append(f.spans, Span{w.Inject, end})
	}
	slices.SortFunc(f.spans, func(a, b Span) int { return a.From.Compare(b.From) })
	return f
}

// graceStart is when a grace period for a condition that began at t
// starts: t, or the Heal of the fault window(s) active at t.
func (f faults) graceStart(t time.Time) time.Time {
	if f.strict {
		return t
	}
	for moved := true; moved; {
		moved = false
		for _, s := range f.spans {
			if !t.Before(s.From) && t.Before(s.To) {
				t, moved = s.To, true
			}
		}
	}
	return t
}

// overlaps reports whether [a, b] meets a fault window.
func (f faults) overlaps(a, b time.Time) bool {
	for _, s := range f.spans {
		if !s.From.After(b) && !s.To.Before(a) {
			return true
		}
	}
	return false
}

// targetOps returns the ops of target in start order.
func targetOps(r *harness.Record, target string) []harness.Op {
	var out []harness.Op
	for _, op := range r.Ops {
		if op.Target == target {
			out = append(out, op)
		}
	}
	slices.SortStableFunc(out, func(a, b harness.Op) int { return a.Start.Compare(b.Start) })
	return out
}

// targetLogs returns the log lines of target from the given sources (all
// sources when none given), in time order.
func targetLogs(r *harness.Record, target string, sources ...harness.LogSource) []harness.LogLine {
	var out []harness.LogLine
	for _, l := range r.Logs {
		if l.Target == target && (len(sources) == 0 || slices.Contains(sources, l.Source)) {
			out = append(out, l)
		}
	}
	slices.SortStableFunc(out, func(a, b harness.LogLine) int { return a.Time.Compare(b.Time) })
	return out
}

func isSessionOp(k harness.OpKind) bool {
	return k == harness.OpLogin || k == harness.OpReconnect || k == harness.OpSCP
}

// secs renders a duration in seconds with one decimal, as evidence reads.
func secs(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) }

// plural renders "1 zombie" / "3 zombies".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// joinSorted renders a set of names sorted.
func joinSorted(set map[string]bool) string {
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	slices.SortFunc(names, cmp.Compare[string])
	return strings.Join(names, ", ")
}
