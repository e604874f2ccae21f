package reports

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/harness/load"
)

// LevelFromVerdicts reads one load level's figures from the verdicts of the
// run (or the part of a run) that held sessions sessions: p50, p99 and error
// rate from login-latency, zombies from zombies (those that outlived the
// grace; the highest count at once when that is missing). The level held
// when no verdict is invalid; Why then names what broke, worst first.
// MemoryMB is left for the caller (the sampler does not measure it).
func LevelFromVerdicts(sessions int, vs []harness.Verdict) CapacityLevel {
	l := CapacityLevel{Sessions: sessions, Held: true}
	r := Run{Verdicts: vs}
	if v, ok := runMetric(r, "latency_p50_s"); ok {
		l.P50 = seconds(v)
	}
	if v, ok := runMetric(r, "latency_p99_s"); ok {
		l.P99 = seconds(v)
	}
	if v, ok := runMetric(r, "error_rate"); ok {
		l.ErrorRate = v
	}
	if v, ok := runMetric(r, "zombies_lasting"); ok {
		l.Zombies = int(v)
	} else if v, ok := runMetric(r, "zombies_max"); ok {
		l.Zombies = int(v)
	}
	var why []string
	for _, v := range vs {
		if v.Valid != harness.Invalid {
			continue
		}
		l.Held = false
		var w string
		switch v.Checker {
		case "login-latency":
			w = fmt.Sprintf("login p99 %s, %.1f%% errors", fmtDur(l.P99), 100*l.ErrorRate)
		case "zombies":
			w = fmt.Sprintf("%d lasting zombies", l.Zombies)
		default:
			w = v.Checker
		}
		if !slices.Contains(why, w) {
			why = append(why, w)
		}
	}
	l.Why = strings.Join(why, "; ")
	return l
}

// NewCapacity orders levels by session count and finds the capacity: the
// highest level below the first one that did not hold, and what broke
// there.
func NewCapacity(levels ...CapacityLevel) Capacity {
	c := Capacity{Levels: slices.Clone(levels)}
	slices.SortStableFunc(c.Levels, func(a, b CapacityLevel) int { return a.Sessions - b.Sessions })
	for _, l := range c.Levels {
		if !l.Held {
			c.Limit = l.Why
			if c.Limit == "" {
				c.Limit = "did not hold"
			}
			c.Limit = fmt.Sprintf("%s at %d sessions", c.Limit, l.Sessions)
			break
		}
		c.Sessions = l.Sessions
	}
	return c
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// CapacityFromRecord splits the run's logins into the executor's levels (in the
// order they were recorded, Step at a time) and finds the highest level
// that held.
func CapacityFromRecord(rec *harness.Record, cp *load.Capacity) *Capacity {
	var logins []harness.Op
	for _, o := range rec.Ops {
		if o.Kind == harness.OpLogin || o.Kind == harness.OpReconnect || o.Kind == harness.OpSCP {
			logins = append(logins, o)
		}
	}
	out := &Capacity{}
	held := 0
	for i := 0; i < len(logins); i += cp.Step {
		ops := logins[i:min(i+cp.Step, len(logins))]
		l := load.MeasureLevel(ops, held)
		held = l.Sessions
		from, to := ops[0].Start, ops[0].End
		for _, o := range ops {
			to = later(to, o.End)
		}
		lv := CapacityLevel{Sessions: l.Sessions, P50: l.P50, P99: l.P99, ErrorRate: l.ErrorRate,
			Zombies: zombiesBetween(rec, from, to.Add(cp.Every))}
		bad, why := cp.Degraded(l)
		lv.Held, lv.Why = !bad, why
		out.Levels = append(out.Levels, lv)
		if bad {
			if out.Limit == "" {
				out.Limit = why
			}
			continue
		}
		if out.Limit == "" {
			out.Sessions = l.Sessions
		}
	}
	return out
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func zombiesBetween(rec *harness.Record, from, to time.Time) int {
	n := 0
	for _, t := range rec.Ticks {
		if !t.Time.Before(from) && !t.Time.After(to) {
			n = max(n, t.Zombies)
		}
	}
	return n
}
