package check

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Zombies judges defunct processes. A zombie that its parent reaps within
// Config.ZombieGrace is normal; one that stays longer, or a zombie count
// that is higher over the last grace period of the run than over the first,
// is the SIGCHLD defect of sesman 0.9.17/0.9.18 (`[reconnectwm.sh]
// <defunct>` under the main sesman) or a relative of it. The growth rule
// catches zombies that rotate out one per signal while the count never
// drops, even when each one alone is reaped within the grace.
//
// Unknown: the sampler sent no ticks, or a zombie's life or the end of the
// run fell in a blind span, or a blind span is longer than the grace (a
// lasting zombie could have come and gone there), and nothing else was found.
type Zombies struct{ Config Config }

var _ harness.Checker = Zombies{}

// Name is "zombies".
func (Zombies) Name() string { return "zombies" }

// Check returns one verdict per target.
func (z Zombies) Check(r *harness.Record) []harness.Verdict {
	if r == nil {
		return nilRecord(z.Name())
	}
	cfg := z.Config.withDefaults()
	var out []harness.Verdict
	for _, t := range targetNames(r) {
		out = append(out, z.check(r, t, cfg))
	}
	return out
}

// zombieLife is one process's time in state Z as the sampler saw it.
type zombieLife struct {
	pid, ppid  int
	comm       string
	parent     string // parent's comm when it became a zombie
	parentMain bool   // the parent was the main sesman
	from, to   time.Time
	atEnd      bool // still defunct when the record ended
	atStart    bool // already defunct in the first snapshot
	reparented bool // its parent died before reaping it
}

func (l *zombieLife) describe() string {
	parent := fmt.Sprintf("%d (%s)", l.ppid, l.parent)
	switch {
	case l.parent == "":
		parent = fmt.Sprintf("%d (not in the table)", l.ppid)
	case l.parentMain:
		parent = fmt.Sprintf("%d (%s, main sesman)", l.ppid, l.parent)
	}
	atLeast := ""
	if l.atStart {
		atLeast = "at least "
	}
	s := fmt.Sprintf("pid %d [%s] <defunct> under %s, defunct %s%s", l.pid, l.comm, parent, atLeast, secs(l.to.Sub(l.from)))
	if l.atEnd {
		s += " and still at the end"
	} else {
		s += " until " + l.to.Format("15:04:05.000")
	}
	if l.reparented {
		s += " (its parent died first)"
	}
	return s
}

// countPoint is the zombie count from t on.
type countPoint struct {
	t time.Time
	n int
}

// zombieSeries replays target and returns every zombie life and the zombie
// count over time.
func zombieSeries(r *harness.Record, target string, end time.Time) ([]*zombieLife, []countPoint) {
	p := NewReplayer(r, target)
	live := map[int]*zombieLife{}
	var lives []*zombieLife
	var series []countPoint
	// A zombie's parent is looked up once the snapshot that showed it is
	// complete: in the first snapshot the parent may come later.
	var unresolved []*zombieLife
	var batch time.Time
	resolve := func() {
		tab := p.Table()
		for _, l := range unresolved {
			if pp, ok := tab.Proc(l.ppid); ok {
				l.parent = pp.Comm
				m, ok := tab.MainSesman()
				l.parentMain = ok && m.PID == pp.PID
			}
		}
		unresolved = unresolved[:0]
	}
	var first time.Time
	if t, ok := p.Peek(); ok {
		first = t
	}
	open := func(ch Change) {
		l := &zombieLife{pid: ch.Proc.PID, ppid: ch.Proc.PPID, comm: ch.Proc.Comm, from: ch.Event.Time,
			atStart: ch.Event.Time.Equal(first)}
		live[l.pid] = l
		lives = append(lives, l)
		unresolved = append(unresolved, l)
	}
	closeAt := func(pid int, t time.Time) {
		if l, ok := live[pid]; ok {
			l.to = t
			delete(live, pid)
		}
	}
	for {
		if next, ok := p.Peek(); !ok || !next.Equal(batch) {
			resolve()
			if !ok {
				break
			}
			batch = next
		}
		ch, _ := p.Next()
		ev := ch.Event
		switch ev.Kind {
		case harness.ProcStart:
			closeAt(ev.PID, ev.Time)
			if ch.Proc.Zombie() {
				open(ch)
			}
		case harness.ProcState:
			if ch.Known && !ch.Prev.Zombie() && ch.Proc.Zombie() {
				open(ch)
			} else if ch.Known && ch.Prev.Zombie() && !ch.Proc.Zombie() {
				closeAt(ev.PID, ev.Time)
			}
		case harness.ProcExit:
			closeAt(ev.PID, ev.Time)
		case harness.ProcReparent:
			if l, ok := live[ev.PID]; ok {
				l.reparented = true
			}
		}
		n := p.Table().ZombieCount()
		switch {
		case len(series) > 0 && series[len(series)-1].t.Equal(ev.Time):
			series[len(series)-1].n = n
		case len(series) == 0 || series[len(series)-1].n != n:
			series = append(series, countPoint{ev.Time, n})
		}
	}
	for _, l := range live {
		l.to, l.atEnd = end, true
		if l.to.Before(l.from) {
			l.to = l.from
		}
	}
	return lives, series
}

// countAt is the zombie count at t.
func countAt(series []countPoint, t time.Time) int {
	i, _ := slices.BinarySearchFunc(series, t, func(p countPoint, t time.Time) int {
		if p.t.After(t) {
			return 1
		}
		return -1
	})
	if i == 0 {
		return 0
	}
	return series[i-1].n
}

// minCount is the lowest zombie count over [a, b].
func minCount(series []countPoint, a, b time.Time) int {
	low := countAt(series, a)
	for _, p := range series {
		if p.t.After(a) && !p.t.After(b) && p.n < low {
			low = p.n
		}
	}
	return low
}

func (z Zombies) check(r *harness.Record, target string, cfg Config) harness.Verdict {
	v := harness.Verdict{Checker: z.Name(), Target: target}
	grace := cfg.ZombieGrace
	end := horizon(r, target)
	cov := NewCoverage(r, target, cfg.MaxTickGap)
	f := newFaults(r, target, cfg.StrictDuringFaults)
	ev := newEvidence(target, cfg.MaxEvidence)
	lives, series := zombieSeries(r, target, end)

	var lasting, uncertain []*zombieLife
	for _, l := range lives {
		deadline := f.graceStart(l.from).Add(grace)
		if !l.to.After(deadline) {
			continue
		}
		if cov.WatchedIn(deadline, l.to) {
			lasting = append(lasting, l)
		} else {
			uncertain = append(uncertain, l)
		}
	}
	maxN, final := 0, 0
	for _, p := range series {
		maxN = max(maxN, p.n)
	}
	if len(series) > 0 {
		final = series[len(series)-1].n
	}

	// Growth: the floor of the count over the last grace period against
	// that over the first one after the first snapshot.
	growth, growthKnown := 0, false
	if len(series) > 0 {
		first := series[0].t
		tail := end.Add(-grace)
		excused := f.graceStart(tail).After(tail)
		if tail.After(first) && !excused && cov.WatchedAll(tail, end) {
			growthKnown = true
			startLevel := minCount(series, first, first.Add(grace))
			endLevel := minCount(series, tail, end)
			growth = endLevel - startLevel
			if growth > 0 {
				ev.add(tail, "zombie count rose from at least %d over the first %s to at least %d over the last %s",
					startLevel, secs(grace), endLevel, secs(grace))
			}
		}
	}

	for _, l := range lasting {
		ev.add(l.from, "%s", l.describe())
	}
	blind := cov.LongBlind(grace)
	v.Metrics = map[string]float64{
		"zombies_max":       float64(maxN),
		"zombies_final":     float64(final),
		"zombies_lasting":   float64(len(lasting)),
		"zombies_seen":      float64(len(lives)),
		"zombies_uncertain": float64(len(uncertain)),
	}
	if growthKnown {
		v.Metrics["zombies_growth"] = float64(growth)
	}
	switch {
	case len(lasting) > 0 || growth > 0:
		v.Valid = harness.Invalid
		var parts []string
		if len(lasting) > 0 {
			parts = append(parts, fmt.Sprintf("%s defunct longer than %s (%s)",
				plural(len(lasting), "zombie"), secs(grace), zombieGroups(lasting)))
		}
		if growth > 0 {
			parts = append(parts, fmt.Sprintf("zombie count grew by %d over the run", growth))
		}
		v.Summary = fmt.Sprintf("%s; max %d at once, %d at the end", strings.Join(parts, "; "), maxN, final)
	case !cov.HasTicks():
		v.Valid = harness.Unknown
		v.Summary = fmt.Sprintf("no sampler ticks: cannot tell how long %s stayed defunct", plural(len(lives), "zombie"))
	case len(uncertain) > 0 || len(blind) > 0 || !growthKnown && len(lives) > 0:
		v.Valid = harness.Unknown
		for _, l := range uncertain {
			ev.add(l.from, "unconfirmed (sampler blind past the grace): %s", l.describe())
		}
		for _, s := range blind {
			ev.add(s.From, "sampler blind for %s until %s", secs(s.Duration()), s.To.Format("15:04:05.000"))
		}
		v.Summary = fmt.Sprintf("no zombie seen lasting past %s, but %d unconfirmed and %d blind spans longer than the grace",
			secs(grace), len(uncertain), len(blind))
		if !growthKnown && len(uncertain) == 0 && len(blind) == 0 {
			v.Summary = "no zombie lasted past the grace, but growth is unknown: the run is shorter than the grace " +
				"or its end was not watched"
		}
	default:
		v.Valid = harness.Valid
		v.Summary = fmt.Sprintf("%s seen, each reaped within %s; max %d at once", plural(len(lives), "zombie"), secs(grace), maxN)
	}
	v.Evidence = ev.list()
	return v
}

// zombieGroups summarises zombies by name and parent: "[reconnectwm.sh]
// under main sesman ×40".
func zombieGroups(ls []*zombieLife) string {
	type key struct{ comm, parent string }
	count := map[key]int{}
	var keys []key
	for _, l := range ls {
		k := key{l.comm, l.parent}
		if l.parentMain {
			k.parent = "main sesman"
		}
		if count[k] == 0 {
			keys = append(keys, k)
		}
		count[k]++
	}
	parts := make([]string, len(keys))
	for i, k := range keys {
		parent := k.parent
		if parent == "" {
			parent = "unknown parent"
		}
		parts[i] = fmt.Sprintf("[%s] under %s ×%d", k.comm, parent, count[k])
	}
	return strings.Join(parts, ", ")
}
