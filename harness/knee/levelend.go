package knee

import (
	"fmt"
	"slices"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// LevelEnd is when a capacity level has measured enough to be judged. A
// level lasts at least Min; from then on it ends as soon as every session
// it holds has PerSession judged samples inside it, and at the latest at
// Max (then short of samples, which the Record and the report say). In a
// small envelope one Xfce workload cycle can outlast any fixed level, and
// a level with nothing judged leaves the baseline to the loaded levels.
type LevelEnd struct {
	Min, Max time.Duration
	// Source is whose samples count: ServerSide counts workload cycles
	// that ran wholly inside the level (the session's previous cycle, or
	// its warm-up, ended at or after the level's start: a cycle that began
	// under the previous level's load does not count, nor does a warm-up);
	// ClientSide counts keystroke probes. "": nothing is counted and a
	// level lasts Min.
	Source harness.ResponseSource
	// PerSession is the samples each session needs (zero: 1); Total the
	// samples the level needs in all, over its sessions (zero: no more
	// than PerSession each gives). A level of one or two sessions with one
	// cycle each holds five to ten operations, whose summed means swing by
	// more than a second between runs: Total gives the first levels more.
	PerSession int
	Total      int
}

// Validate reports every problem of the rule.
func (e LevelEnd) Validate() []error {
	var errs []error
	if e.Min <= 0 {
		errs = append(errs, fmt.Errorf("level end: min %v: want > 0 (the capacity load's every)", e.Min))
	}
	if e.Source != "" && e.Max < e.Min {
		errs = append(errs, fmt.Errorf("level end: max %v below min %v: want max ≥ min (the capacity load's maxEvery ≥ every)", e.Max, e.Min))
	}
	switch e.Source {
	case "", harness.ServerSide, harness.ClientSide:
	default:
		errs = append(errs, fmt.Errorf("level end: source %q: want %q, %q or empty", e.Source, harness.ServerSide, harness.ClientSide))
	}
	if e.PerSession < 0 {
		errs = append(errs, fmt.Errorf("level end: perSession %d: want ≥ 0 (0 means 1)", e.PerSession))
	}
	if e.Total < 0 {
		errs = append(errs, fmt.Errorf("level end: total %d: want ≥ 0 (0: none beyond perSession)", e.Total))
	}
	return errs
}

func (e LevelEnd) need() int { return max(e.PerSession, 1) }

// LevelState is what a level has measured at a moment.
type LevelState struct {
	// Done: the level may end now; Capped: it ends because it reached Max
	// while Short sessions (sorted) still lack samples, or the level as a
	// whole lacks them (Total short of LevelEnd.Total).
	Done, Capped bool
	Short        []string
	// Samples counts each session's judged samples so far, Total all of
	// them.
	Samples map[string]int
	Total   int
}

// State says whether a level that started at start and holds users'
// sessions on target can end at now, given the responses recorded so far.
func (e LevelEnd) State(rs []harness.Response, target string, users []string, start, now time.Time) LevelState {
	el := now.Sub(start)
	st := LevelState{Samples: e.count(rs, target, users, start, now)}
	for _, n := range st.Samples {
		st.Total += n
	}
	if el < e.Min {
		return st
	}
	if e.Source == "" {
		st.Done = true
		return st
	}
	for _, u := range users {
		if st.Samples[u] < e.need() {
			st.Short = append(st.Short, u)
		}
	}
	slices.Sort(st.Short)
	st.Short = slices.Compact(st.Short)
	enough := st.Total >= e.Total || len(users) == 0
	switch {
	case len(st.Short) == 0 && enough:
		st.Done = true
	case el >= e.Max:
		st.Done, st.Capped = true, true
	default:
		st.Short = nil // not final: only a capped level names its short sessions
	}
	return st
}

// count gives each user's judged samples in [start, now].
func (e LevelEnd) count(rs []harness.Response, target string, users []string, start, now time.Time) map[string]int {
	n := map[string]int{}
	for _, u := range users {
		n[u] = 0
	}
	in := func(r harness.Response) bool {
		_, held := n[r.User]
		return held && (target == "" || r.Target == target) && !r.Time.After(now)
	}
	switch e.Source {
	case harness.ClientSide:
		for _, r := range rs {
			if in(r) && r.Source == harness.ClientSide && r.Op == "keystroke" && !r.Time.Before(start) {
				n[r.User]++
			}
		}
	case harness.ServerSide:
		// Each session's cycle ends in time order: a cycle counts when the
		// end before it (its own start, think time included) is inside the
		// level.
		ends := map[string][]harness.Response{}
		for _, r := range rs {
			if in(r) && r.Source != harness.ClientSide && (r.Op == "cycle" || r.Op == "warmup-cycle") {
				ends[r.User] = append(ends[r.User], r)
			}
		}
		for u, es := range ends {
			slices.SortStableFunc(es, func(a, b harness.Response) int { return a.Time.Compare(b.Time) })
			for i := 1; i < len(es); i++ {
				if es[i].Op == "cycle" && !es[i-1].Time.Before(start) {
					n[u]++
				}
			}
		}
	}
	return n
}
