package knee

import (
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// NotAResponse lists workload operations left out of response averages and
// the baseline: the desktop's start is part of a login, not of working.
var notAResponse = map[string]bool{"desktop-start": true}

// Counted says whether a response is one of the user's operations.
func Counted(r harness.Response) bool { return !notAResponse[r.Op] }

// FromRecord measures each level a capacity run recorded on target ("":
// every target), and returns the server-side samples of the whole run
// for the baseline (the client-side ones when the run has no server-side
// samples).
func FromRecord(rec *harness.Record, target string) ([]Level, []time.Duration) {
	var levels []Level
	for _, m := range rec.Levels {
		if target != "" && m.Target != target {
			continue
		}
		l := Level{Sessions: m.Sessions, Start: m.Start, End: m.End, Logins: m.Logins, FailedLogins: m.Failed}
		var sum, csum time.Duration
		for _, r := range rec.Responses {
			if (m.Target != "" && r.Target != m.Target) || r.Time.Before(m.Start) || !r.Time.Before(m.End) || !Counted(r) {
				continue
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
				sum += r.Dur
			}
		}
		if ok := l.Responses - l.Errors; ok > 0 {
			l.Avg = sum / time.Duration(ok)
		}
		if l.ClientSamples > 0 {
			l.Client = csum / time.Duration(l.ClientSamples)
		}
		measureResources(&l, rec.Ticks, m.Target)
		levels = append(levels, l)
	}
	var server, client []time.Duration
	for _, r := range rec.Responses {
		if (target != "" && r.Target != target) || r.Err != "" || !Counted(r) {
			continue
		}
		if r.Source == harness.ClientSide {
			client = append(client, r.Dur)
		} else {
			server = append(server, r.Dur)
		}
	}
	if len(server) == 0 {
		server = client
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
}
