package knee

import (
	"cmp"
	"slices"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// SessionLevel is what one session met in one level: its workload's judged
// operations (server side, warm-up left out, as in the level's figure) and
// its client's keystrokes (end to end), so that an operator sees which
// sessions degraded and whether all of them did.
type SessionLevel struct {
	User           string
	Server, Client Dist
	// Response is the session's own response, summed like the level's
	// (each operation's mean in the session, its baseline when the session
	// has no sample of it); Analyze fills it. Zero: no judged operation.
	Response time.Duration
	// PerOp holds the session's mean and count per operation.
	PerOp map[string]OpMean
}

// Dist summarises response samples: Mean and P90 over the successful ones
// (nearest rank), Errors the failed ones.
type Dist struct {
	N, Errors int
	Mean, P90 time.Duration
}

// dist builds a Dist from the successful durations and the failure count.
func dist(ds []time.Duration, errs int) Dist {
	d := Dist{N: len(ds), Errors: errs}
	if len(ds) == 0 {
		return d
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	var sum time.Duration
	for _, x := range s {
		sum += x
	}
	d.Mean = sum / time.Duration(len(s))
	d.P90 = s[(len(s)*9+9)/10-1]
	return d
}

// sessionAcc gathers one session's samples in a level.
type sessionAcc struct {
	server, client       []time.Duration
	serverErr, clientErr int
	sums                 map[string]time.Duration
	counts               map[string]int
}

// perSession turns each user's samples into SessionLevels, sorted by user
// (a session the level saw only warming up gets a row without samples).
func perSession(acc map[string]*sessionAcc) []SessionLevel {
	out := make([]SessionLevel, 0, len(acc))
	for u, a := range acc {
		sl := SessionLevel{User: u, Server: dist(a.server, a.serverErr), Client: dist(a.client, a.clientErr)}
		if len(a.counts) > 0 {
			sl.PerOp = map[string]OpMean{}
			for op, n := range a.counts {
				sl.PerOp[op] = OpMean{Mean: a.sums[op] / time.Duration(n), N: n}
			}
		}
		out = append(out, sl)
	}
	slices.SortFunc(out, func(a, b SessionLevel) int { return cmp.Compare(a.User, b.User) })
	return out
}

// add records one counted response of the level.
func (a *sessionAcc) add(r harness.Response) {
	switch {
	case r.Source == harness.ClientSide && r.Err != "":
		a.clientErr++
	case r.Source == harness.ClientSide:
		a.client = append(a.client, r.Dur)
	case r.Err != "":
		a.serverErr++
	default:
		a.server = append(a.server, r.Dur)
		if a.sums == nil {
			a.sums, a.counts = map[string]time.Duration{}, map[string]int{}
		}
		a.sums[r.Op] += r.Dur
		a.counts[r.Op]++
	}
}
