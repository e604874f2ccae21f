package check

import (
	"iter"
	"slices"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Replayer rebuilds one target's process table from Record.Procs in a single
// forward pass. Queries in time order cost O(events) in total; a query for
// an earlier time than the last one replays from the start.
type Replayer struct {
	events    []harness.ProcEvent
	target    string
	filter    bool // events hold other targets too
	next      int
	table     *Table
	anomalies int
	hints     xHints
	names     sessionNames
}

// NewReplayer prepares a replay of target's events. Events are expected in
// time order; if they are not, a time-sorted copy is replayed (equal stamps
// keep their recorded order, which the sampler's snapshots define).
func NewReplayer(r *harness.Record, target string) *Replayer {
	p := &Replayer{target: target, table: newTable()}
	if r == nil {
		return p
	}
	p.hints = sesmanXHints(r, target)
	p.names = sessionNamesOf(r, target)
	p.table.hints, p.table.names = p.hints, p.names
	sorted, mixed := true, false
	var last time.Time
	n := 0
	for i := range r.Procs {
		ev := &r.Procs[i]
		if ev.Target != target {
			mixed = true
			continue
		}
		if n > 0 && ev.Time.Before(last) {
			sorted = false
		}
		last = ev.Time
		n++
	}
	switch {
	case sorted && !mixed:
		p.events = r.Procs
	case sorted:
		p.events, p.filter = r.Procs, true
	default:
		evs := make([]harness.ProcEvent, 0, n)
		for _, ev := range r.Procs {
			if ev.Target == target {
				evs = append(evs, ev)
			}
		}
		slices.SortStableFunc(evs, func(a, b harness.ProcEvent) int { return a.Time.Compare(b.Time) })
		p.events = evs
	}
	return p
}

// Table is the table as of the last applied event. It is live: later
// replay steps change it.
func (p *Replayer) Table() *Table { return p.table }

// Anomalies counts events that named a process or socket the table did
// not hold.
func (p *Replayer) Anomalies() int { return p.anomalies }

// skip moves next past events of other targets.
func (p *Replayer) skip() {
	if !p.filter {
		return
	}
	for p.next < len(p.events) && p.events[p.next].Target != p.target {
		p.next++
	}
}

// Peek returns the time of the next event.
func (p *Replayer) Peek() (time.Time, bool) {
	p.skip()
	if p.next >= len(p.events) {
		return time.Time{}, false
	}
	return p.events[p.next].Time, true
}

// Next applies the next event.
func (p *Replayer) Next() (Change, bool) {
	p.skip()
	if p.next >= len(p.events) {
		return Change{}, false
	}
	ch := p.table.apply(p.events[p.next])
	p.next++
	if !ch.Known {
		p.anomalies++
	}
	return ch, true
}

// Changes applies the remaining events one by one.
func (p *Replayer) Changes() iter.Seq[Change] {
	return func(yield func(Change) bool) {
		for {
			ch, ok := p.Next()
			if !ok || !yield(ch) {
				return
			}
		}
	}
}

// Until applies the events stamped at or before t, one by one.
func (p *Replayer) Until(t time.Time) iter.Seq[Change] {
	return func(yield func(Change) bool) {
		for {
			next, ok := p.Peek()
			if !ok || next.After(t) {
				return
			}
			ch, _ := p.Next()
			if !yield(ch) {
				return
			}
		}
	}
}

// AdvanceTo applies every event stamped at or before t; the table is then
// as of t (Table.At = t, which is what zombie ages count to).
func (p *Replayer) AdvanceTo(t time.Time) {
	for range p.Until(t) {
	}
	if t.After(p.table.At) {
		p.table.At = t
	}
}

// At returns the table as it was at t (after every event stamped at or
// before t). Going back in time replays from the start.
func (p *Replayer) At(t time.Time) *Table {
	if t.Before(p.table.At) {
		p.Reset()
	}
	p.AdvanceTo(t)
	return p.table
}

// Reset returns to the empty table before the first event.
func (p *Replayer) Reset() {
	p.next, p.anomalies, p.table = 0, 0, newTable()
	p.table.hints, p.table.names = p.hints, p.names
}
