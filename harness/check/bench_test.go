package check

import (
	"fmt"
	"slices"
	"testing"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// healthyLoad builds the record of a long healthy run: users u1..u50 log in
// and reconnect in turn every 0.5 s (each reconnect forks reconnectwm.sh,
// reaped at once), every 7th op of a user ends their session first, the
// sampler ticks every second, xrdp and sesman log every op, and a brief
// fault comes every 1000 ops. It stops at
// `ops` ops once it holds at least `events` process events (a background
// `sleep` per op pads the table).
func healthyLoad(ops, events int) *harness.Record {
	b := newBuilder().lab(0)
	const users = 50
	live := map[int]bool{}
	pid := 100000
	end := 0.0
	for i := 0; i < ops || len(b.r.Procs) < events; i++ {
		s := 1 + 0.5*float64(i)
		u := i % users
		user := fmt.Sprintf("u%d", u+1)
		d := 10 + u
		sess := 1000 + 10*u
		name := fmt.Sprintf("C%d", u+1)
		if live[u] && (i/users)%7 == 6 {
			b.endSession(s-0.4, sess, d).sesmanLog(s-0.1, fmt.Sprintf("++ terminated session:  username %s, display :%d.0, session_pid %d, ip 127.0.0.1", user, d, sess))
			live[u] = false
		}
		if i < ops {
			kind := harness.OpLogin
			if live[u] {
				kind = harness.OpReconnect
			}
			b.op(kind, user, s, s+0.4, harness.OK, client(name), display(d)).
				xrdpLog(s+0.05, "Connected client computer name: "+name).
				xrdpLog(s+0.3, "VNC connection complete, connected ok")
		}
		if !live[u] {
			b.session(s+0.1, sess, d).
				sesmanLog(s+0.1, "++ created session (access granted): username "+user+", ip 127.0.0.1").
				sesmanLog(s+0.2, fmt.Sprintf("Session started successfully for user %s on display %d", user, d))
			live[u] = true
		} else {
			b.sesmanLog(s+0.1, fmt.Sprintf("++ reconnected session: username %s, display :%d.0, session_pid %d", user, d, sess)).
				reconnectScript(s+0.1, pid, 0.01)
			pid++
		}
		if i%1000 == 500 {
			// A brief fault every 1000 ops gives recovery-time work.
			b.fault("sigstop-sesman", s+0.45, s+0.48)
		}
		b.sesmanLog(s+0.3, "sesman_data_in: scp_process_msg failed").
			proc(s+0.2, pid, 1, "sleep", "sleep 0.1").exit(s+0.35, pid)
		pid++
		end = s + 1
	}
	b.ticks(0, end).end(end)
	// The builder wrote some events out of order; a sampler does not.
	slices.SortStableFunc(b.r.Procs, func(x, y harness.ProcEvent) int { return x.Time.Compare(y.Time) })
	return b.record()
}

// TestHealthyLoadIsValid: a long healthy run gives no false positive.
func TestHealthyLoadIsValid(t *testing.T) {
	r := healthyLoad(2000, 0)
	cs, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		v := one(t, c, r)
		if v.Valid != harness.Valid {
			t.Errorf("%s: %s: %s", c.Name(), v.Valid, v.Summary)
			for _, e := range v.Evidence[:min(5, len(v.Evidence))] {
				t.Logf("  %s %s", e.Time.Sub(t0), e.What)
			}
		}
	}
}

func BenchmarkCheckers(b *testing.B) {
	r := healthyLoad(10000, 100000)
	b.Logf("record: %d proc events, %d ops, %d log lines, %d ticks", len(r.Procs), len(r.Ops), len(r.Logs), len(r.Ticks))
	cs, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range cs {
		b.Run(c.Name(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.Check(r)
			}
		})
	}
	b.Run("replay", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p := NewReplayer(r, "t1")
			for range p.Changes() {
			}
		}
	})
}

func BenchmarkParseLine(b *testing.B) {
	line := "[20261125-03:20:48] [ERROR] [pid:123 tid:140234] VNC error - problem connecting"
	b.ReportAllocs()
	for b.Loop() {
		ParseLine(line)
	}
}
