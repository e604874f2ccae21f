package reports

import (
	"strings"
	"testing"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness/knee"
)

// A knee run shows in every format: the figure, baseline and threshold,
// every level with its resources, the cost fits and the projections, and in
// HTML a response-vs-sessions chart with the limit line.
func TestKneeInReports(t *testing.T) {
	mk := func(n, avgMS int, cores, mib float64) knee.Level {
		return knee.Level{Sessions: n, Logins: 2, Responses: 20, Avg: time.Duration(avgMS) * time.Millisecond,
			Client: 300 * time.Millisecond, ClientSamples: 5, CPUCores: cores, MemoryMiB: mib, Pids: float64(50 * n), NetTxBps: 4096}
	}
	levels := []knee.Level{mk(2, 2000, 0.3, 300), mk(4, 2200, 0.5, 600), mk(6, 3800, 0.7, 900), mk(8, 5000, 0.8, 1200)}
	samples := knee.Samples{"op": {1900 * time.Millisecond, 2000 * time.Millisecond, 2100 * time.Millisecond}}
	r := knee.Analyze(levels, samples, knee.Rule{})
	k := NewKnee(r, "cpus=1 memory=4096MB", 1, []knee.Node{{Name: "16c64g", Cores: 16, MemGiB: 64}})
	if !k.Reached || k.Sessions != 4 || k.Over != 2 {
		t.Fatalf("knee %+v", k)
	}
	run := fixtureSuite()
	run.Runs[0].Capacity = k.Capacity()
	for _, f := range []Writer{Markdown{}, HTML{}} {
		page := string(render(t, f, run))
		for _, want := range []string{"4 sessions (the next level, 6 sessions", "Baseline 2", "cpus=1 memory=4096MB",
			"a node of 16 cores and 64 GiB holds about 64 sessions of this workload, limited by CPU (the knee scaled by cores)",
			"MiB per session", "R²"} {
			if !strings.Contains(page, want) {
				t.Errorf("%T: no %q", f, want)
			}
		}
		if _, ok := f.(HTML); ok && !strings.Contains(page, "Response vs sessions") {
			t.Errorf("HTML: no knee chart")
		}
	}
}

// The per-session table names each level's sessions with their own counts,
// means and p90s, marks the one far slower than the others and the ones
// still warming up; a level cut at its cap says so.
func TestKneeSessionsInReports(t *testing.T) {
	ms := func(v int) time.Duration { return time.Duration(v) * time.Millisecond }
	t0 := time.Unix(1000, 0)
	levels := []knee.Level{
		{Sessions: 2, Logins: 2, Responses: 10, Avg: ms(900), Start: t0, End: t0.Add(40 * time.Second), PerSession: []knee.SessionLevel{
			{User: "alice", PerOp: map[string]knee.OpMean{"op": {Mean: ms(800), N: 5}}, Server: knee.Dist{N: 5, Mean: ms(800), P90: ms(1100)}, Client: knee.Dist{N: 3, Mean: ms(45), P90: ms(70)}},
			{User: "bob", Server: knee.Dist{N: 5, Mean: ms(850), P90: ms(1200)}, Client: knee.Dist{N: 3, Mean: ms(50), P90: ms(80)}}}},
		{Sessions: 4, Logins: 2, Responses: 12, Avg: ms(2500), Start: t0.Add(40 * time.Second), End: t0.Add(160 * time.Second),
			Capped: true, Short: []string{"dave"}, PerSession: []knee.SessionLevel{
				{User: "alice", Server: knee.Dist{N: 4, Mean: ms(900), P90: ms(1300)}},
				{User: "bob", Server: knee.Dist{N: 4, Mean: ms(950), P90: ms(1400)}},
				{User: "carol", PerOp: map[string]knee.OpMean{"op": {Mean: ms(4700), N: 4}}, Server: knee.Dist{N: 4, Errors: 2, Mean: ms(4700), P90: ms(6100)}, Client: knee.Dist{N: 2, Mean: ms(1900), P90: ms(2300)}},
				{User: "dave"}}},
	}
	r := knee.Analyze(levels, knee.Samples{"op": {ms(800), ms(850), ms(900)}}, knee.Rule{})
	k := NewKnee(r, "cpus=1", 1, nil)
	k.FrameAcks, k.ScreenClients = "not negotiated by xrdp's vnc backend", 4
	if got := k.Levels[1].Slowest(); got != "carol" {
		t.Fatalf("slowest %q, want carol", got)
	}
	if got := k.Levels[0].Slowest(); got != "" {
		t.Fatalf("slowest of an even level %q, want none", got)
	}
	run := fixtureSuite()
	run.Runs[0].Capacity = k.Capacity()
	md := string(render(t, Markdown{}, run))
	for _, want := range []string{"| level | session | response | ops (err) | ops mean | ops p90 | keystrokes (err) | keystroke mean | keystroke p90 |",
		"| 2 | alice | 800ms | 5 (0) | 800ms | 1.10s | 3 (0) | 45ms | 70ms |  |",
		"| 4 | carol | 4.70s | 4 (2) | 4.70s | 6.10s | 2 (0) | 1.90s | 2.30s | ▲ slowest |",
		"| 4 | dave | — | 0 (0) | — | — | 0 (0) | — | — | no judged op (warming up) |",
		"| 4 | 2m00s (cap) |",
		"the 4-session level ended at its cap after 2m00s with 1 session(s) short of a judged sample", "dave",
		"Frame acknowledgements: not negotiated by xrdp's vnc backend (4 RDP clients reported their screen; 0 frame markers received)."} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown: no %q", want)
		}
	}
	page := string(render(t, HTML{}, run))
	for _, want := range []string{"Per session", "<td>carol</td><td class=\"num\">4.70s</td><td class=\"num\">4 (2)</td><td class=\"num\">4.70s</td><td class=\"num\">6.10s</td>",
		"slowest", "warming up", "(cap)", "ended at its cap", "Frame acknowledgements: not negotiated by xrdp"} {
		if !strings.Contains(page, want) {
			t.Errorf("HTML: no %q", want)
		}
	}
}

// A baseline above the first judged level's own response is flagged, with
// the operation that had too few samples there.
func TestKneeBaselineNote(t *testing.T) {
	ms := func(v int) time.Duration { return time.Duration(v) * time.Millisecond }
	lv := func(n, open int, samples int) knee.Level {
		return knee.Level{Sessions: n, Logins: 2, Responses: samples, PerOp: map[string]knee.OpMean{"open": {Mean: ms(open), N: samples}}}
	}
	var loaded []time.Duration
	for i := 0; i < 20; i++ {
		loaded = append(loaded, ms(3000+10*i))
	}
	// The 2-session level has 3 samples of 1s; 20 loaded ones of 3s: the
	// baseline (15 lowest minus 2) is mostly loaded samples.
	few := knee.Analyze([]knee.Level{lv(2, 1000, 3), lv(4, 3100, 20)}, knee.Samples{"open": append(loaded, ms(1000), ms(1000), ms(1000))}, knee.Rule{})
	k := NewKnee(few, "", 0, nil)
	if !strings.Contains(k.BaselineNote, "above the 2-session level's own response (1.00s)") || !strings.Contains(k.BaselineNote, "as few as 3 samples of open") {
		t.Fatalf("note %q", k.BaselineNote)
	}
	var light []time.Duration
	for i := 0; i < 15; i++ {
		light = append(light, ms(1000+10*i))
	}
	enough := knee.Analyze([]knee.Level{lv(2, 1070, 15), lv(4, 3100, 20)}, knee.Samples{"open": append(loaded, light...)}, knee.Rule{})
	if n := NewKnee(enough, "", 0, nil).BaselineNote; n != "" {
		t.Fatalf("a baseline under the first level's response flagged: %q (baseline %v)", n, enough.Baseline)
	}
}

// A level capped for want of samples in all (no session short) says how
// many it counted of how many it waited for.
func TestKneeCappedOnTotal(t *testing.T) {
	t0 := time.Unix(1000, 0)
	l := KneeLevel{Sessions: 2, Start: t0, End: t0.Add(2 * time.Minute), Capped: true, Samples: 4, Want: 6}
	if n := l.CappedNote(); !strings.Contains(n, "the 2-session level ended at its cap after 2m00s with 4 judged samples of the 6 it waits for in all") {
		t.Fatalf("note %q", n)
	}
	if n := (KneeLevel{Sessions: 2}).CappedNote(); n != "" {
		t.Fatalf("uncapped level noted: %q", n)
	}
}

// A knee reached while the level past it was hardly throttled is flagged
// as not the envelope's; one throttled often, one not reached, one without
// an envelope or without throttling figures are not.
func TestKneeEnvelopeNote(t *testing.T) {
	ms := func(v int) time.Duration { return time.Duration(v) * time.Millisecond }
	lv := func(n, open int, cores, throttled float64, periods int64) knee.Level {
		return knee.Level{Sessions: n, Logins: 2, Responses: 15, CPUCores: cores, Periods: periods, Throttled: throttled,
			PerOp: map[string]knee.OpMean{"open": {Mean: ms(open), N: 15}}}
	}
	var base []time.Duration
	for i := 0; i < 15; i++ {
		base = append(base, ms(1000+10*i))
	}
	samples := knee.Samples{"open": base}
	for _, c := range []struct {
		name   string
		levels []knee.Level
		cores  float64
		want   string
	}{
		{"host-bound", []knee.Level{lv(2, 1050, 0.2, 0, 600), lv(4, 3000, 0.4, 0.01, 600)}, 1,
			"the 4-session level past the knee was throttled in 1.0% of its CPU quota periods (0.40 of the envelope's 1 cores in use)"},
		{"bursts held back at 0.6 of a core", []knee.Level{lv(2, 1050, 0.3, 0.02, 600), lv(4, 3000, 0.6, 0.3, 600)}, 1, ""},
		{"not reached", []knee.Level{lv(2, 1050, 0.2, 0, 600), lv(4, 1100, 0.3, 0, 600)}, 1, ""},
		{"no envelope", []knee.Level{lv(2, 1050, 0.2, 0, 600), lv(4, 3000, 0.4, 0, 600)}, 0, ""},
		{"throttling not measured", []knee.Level{lv(2, 1050, 0.2, 0, 0), lv(4, 3000, 0.4, 0, 0)}, 1, ""},
	} {
		r := knee.Analyze(c.levels, samples, knee.Rule{})
		n := NewKnee(r, "", c.cores, nil).EnvelopeNote
		if (c.want == "") != (n == "") || !strings.Contains(n, c.want) {
			t.Errorf("%s: note %q, want %q", c.name, n, c.want)
		}
	}
	l := KneeLevel{CPUCores: 0.61, Periods: 600, Throttled: 0.12}
	if got := l.CPUText(); got != "0.61 (12% throttled)" {
		t.Errorf("CPUText %q", got)
	}
	if got := (KneeLevel{CPUCores: 0.61}).CPUText(); got != "0.61" {
		t.Errorf("CPUText without periods %q", got)
	}
}

// A first judged level throttled in most of its quota periods is flagged:
// its baseline is a loaded one. One throttled in half of them, or one not
// measured, is not; a level with no response before it is skipped.
func TestKneeSaturatedNote(t *testing.T) {
	ms := func(v int) time.Duration { return time.Duration(v) * time.Millisecond }
	lv := func(n, open, responses int, throttled float64, periods int64) knee.Level {
		return knee.Level{Sessions: n, Logins: 2, Responses: responses, Periods: periods, Throttled: throttled,
			PerOp: map[string]knee.OpMean{"open": {Mean: ms(open), N: max(responses, 1)}}}
	}
	var base []time.Duration
	for i := 0; i < 15; i++ {
		base = append(base, ms(6000+10*i))
	}
	for _, c := range []struct {
		name   string
		levels []knee.Level
		want   string
	}{
		{"half a core", []knee.Level{lv(2, 6090, 30, 0.88, 700), lv(4, 12800, 53, 0.96, 950)},
			"the first judged level (2 sessions) was throttled in 88% of its CPU quota periods"},
		{"warming up first", []knee.Level{lv(1, 0, 0, 0.95, 300), lv(2, 6090, 30, 0.88, 700), lv(4, 12800, 53, 0.96, 950)},
			"the first judged level (2 sessions)"},
		{"one core", []knee.Level{lv(2, 6090, 30, 0.58, 400), lv(4, 12800, 44, 0.92, 400)}, ""},
		{"not measured", []knee.Level{lv(2, 6090, 30, 0, 0), lv(4, 12800, 44, 0, 0)}, ""},
	} {
		r := knee.Analyze(c.levels, knee.Samples{"open": base}, knee.Rule{NeedResponses: true})
		n := NewKnee(r, "", 0.5, nil).SaturatedNote
		if (c.want == "") != (n == "") || !strings.Contains(n, c.want) {
			t.Errorf("%s: note %q, want %q", c.name, n, c.want)
		}
	}
}
