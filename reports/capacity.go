package reports

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
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
