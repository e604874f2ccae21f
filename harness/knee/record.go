package knee

import (
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Counted says whether a response enters the knee: not the desktop's start
// (part of a login) nor the workload's per-cycle sums (the knee sums the
// operations' means itself).
func Counted(r harness.Response) bool {
	switch r.Op {
	case "desktop-start", "cycle", "warmup-cycle":
		return false
	}
	return true
}

// FromRecord measures each level a capacity run recorded on target ("":
// every target), and returns the server-side samples of the whole run
// for the baseline (the client-side ones when the run has no server-side
// samples).
func FromRecord(rec *harness.Record, target string) ([]Level, Samples) {
	warm := warmUps(rec.Responses)
	var levels []Level
	for _, m := range rec.Levels {
		if target != "" && m.Target != target {
			continue
		}
		l := Level{Sessions: m.Sessions, Start: m.Start, End: m.End, Logins: m.Logins, FailedLogins: m.Failed,
			Capped: m.Capped, Short: m.Short, Samples: m.Samples, Want: m.Want}
		var csum time.Duration
		sums := map[string]time.Duration{}
		l.PerOp = map[string]OpMean{}
		acc := map[string]*sessionAcc{}
		for _, r := range rec.Responses {
			if (m.Target != "" && r.Target != m.Target) || r.Time.Before(m.Start) || !r.Time.Before(m.End) {
				continue
			}
			if acc[r.User] == nil && r.User != "" {
				acc[r.User] = &sessionAcc{} // a session the level saw, warming up or not
			}
			if !Counted(r) || warm.in(r) {
				continue
			}
			if a := acc[r.User]; a != nil {
				a.add(r)
			}
			switch r.Source {
			case harness.ClientSide:
				if r.Err == "" {
					csum += r.Dur
					l.ClientSamples++
				}
			default:
				l.Responses++
				if r.Err != "" {
					l.Errors++
					continue
				}
				sums[r.Op] += r.Dur
				m := l.PerOp[r.Op]
				m.N++
				l.PerOp[r.Op] = m
			}
		}
		for op, m := range l.PerOp {
			m.Mean = sums[op] / time.Duration(m.N)
			l.PerOp[op] = m
		}
		if l.ClientSamples > 0 {
			l.Client = csum / time.Duration(l.ClientSamples)
		}
		l.PerSession = perSession(acc)
		measureResources(&l, rec.Ticks, m.Target)
		levels = append(levels, l)
	}
	server, client := Samples{}, Samples{}
	for _, r := range rec.Responses {
		if (target != "" && r.Target != target) || r.Err != "" || !Counted(r) || warm.in(r) {
			continue
		}
		if r.Source == harness.ClientSide {
			client[r.Op] = append(client[r.Op], r.Dur)
		} else {
			server[r.Op] = append(server[r.Op], r.Dur)
		}
	}
	if len(server) == 0 {
		// No workload: the client's keystrokes are the response.
		for i := range levels {
			levels[i].Avg, levels[i].Responses = levels[i].Client, levels[i].ClientSamples
		}
		return levels, client
	}
	return levels, server
}

// measureResources averages the target's ticks inside the level: cores from
// the growth of the cgroup's CPU time, the rest as means.
func measureResources(l *Level, ticks []harness.Tick, target string) {
	var first, last *harness.Tick
	var mem, pids float64
	n := 0
	for i := range ticks {
		t := &ticks[i]
		if (target != "" && t.Target != target) || t.Time.Before(l.Start) || t.Time.After(l.End) || t.TargetCPU == 0 {
			continue
		}
		if first == nil {
			first = t
		}
		last = t
		mem += float64(t.MemoryWS) / (1 << 20)
		pids += float64(t.Pids)
		n++
	}
	if n == 0 {
		return
	}
	l.MemoryMiB, l.Pids = mem/float64(n), pids/float64(n)
	if dt := last.Time.Sub(first.Time).Seconds(); dt > 0 {
		l.CPUCores = float64(last.TargetCPU-first.TargetCPU) / 1e9 / dt
		l.NetRxBps = float64(last.NetRx-first.NetRx) / dt
		l.NetTxBps = float64(last.NetTx-first.NetTx) / dt
	}
	if p := last.CPUPeriods - first.CPUPeriods; p > 0 {
		l.Periods, l.Throttled = p, float64(last.CPUThrottled-first.CPUThrottled)/float64(p)
	}
}

// warmUp holds when each session's first workload cycle ended (the
// workload's "warmup-cycle" line): cold caches and each program's first
// start make a session's first cycle slower than any later one, so its
// operations (and their failures) stay out of the knee, as its desktop's
// start does. A session that has not finished its first cycle is still
// warming up: so a judgement taken during the run sees what the one after
// it sees.
type warmUp map[[2]string]time.Time

func warmUps(rs []harness.Response) warmUp {
	w := warmUp{}
	for _, r := range rs {
		if r.Op == "warmup-cycle" {
			w[[2]string{r.Target, r.User}] = r.Time
		}
	}
	return w
}

func (w warmUp) in(r harness.Response) bool {
	if r.Source == harness.ClientSide {
		return false
	}
	end, ok := w[[2]string{r.Target, r.User}]
	return !ok || !r.Time.After(end)
}
