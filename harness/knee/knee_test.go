package knee

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

func ms(v ...int) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, x := range v {
		out[i] = time.Duration(x) * time.Millisecond
	}
	return out
}

func TestBaseline(t *testing.T) {
	for _, tc := range []struct {
		name    string
		samples []time.Duration
		want    time.Duration
		ok      bool
	}{
		{"none", nil, 0, false},
		{"one sample is its own baseline", ms(700), 700 * time.Millisecond, true},
		{"two samples: none dropped", ms(100, 300), 200 * time.Millisecond, true},
		{"seven samples: none dropped", ms(100, 200, 300, 400, 500, 600, 700), 400 * time.Millisecond, true},
		{"eight samples: the lowest dropped", ms(100, 200, 300, 400, 500, 600, 700, 800), 500 * time.Millisecond, true},
		// 20 samples 1..20 (×100ms): 15 lowest are 1..15, minus 1 and 2:
		// 3..15, mean 9 → 900ms.
		{"Login VSI 4.1: 15 lowest minus 2 lowest", ms(2000, 1900, 1800, 1700, 1600, 100, 200, 300, 400, 500, 600, 700, 800, 900,
			1000, 1100, 1200, 1300, 1400, 1500), 900 * time.Millisecond, true},
		{"exactly 15", ms(10, 20, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30), 30 * time.Millisecond, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Baseline(tc.samples)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("Baseline = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestLeastSquares(t *testing.T) {
	for _, tc := range []struct {
		name             string
		x, y             []float64
		slope, intercept float64
		r2               float64
		valid            bool
	}{
		{"exact line", []float64{1, 2, 3, 4}, []float64{0.7, 0.9, 1.1, 1.3}, 0.2, 0.5, 1, true},
		{"flat", []float64{1, 2, 3}, []float64{5, 5, 5}, 0, 5, 1, true},
		// A noisy rise: slope 1.6 through the means (2.5, 5), R² 0.8.
		{"noisy", []float64{1, 2, 3, 4}, []float64{3, 3, 7, 7}, 1.6, 1, 0.8, true},
		{"one point", []float64{3}, []float64{1}, math.NaN(), 1, math.NaN(), false},
		{"no spread in x", []float64{2, 2}, []float64{1, 3}, math.NaN(), 2, math.NaN(), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := LeastSquares(tc.x, tc.y)
			if f.Valid() != tc.valid {
				t.Fatalf("Valid = %v, want %v (%+v)", f.Valid(), tc.valid, f)
			}
			near := func(a, b float64) bool { return (math.IsNaN(a) && math.IsNaN(b)) || math.Abs(a-b) < 1e-9 }
			if !near(f.Slope, tc.slope) || !near(f.Intercept, tc.intercept) || !near(f.R2, tc.r2) {
				t.Fatalf("fit = slope %v intercept %v R² %v; want %v %v %v", f.Slope, f.Intercept, f.R2, tc.slope, tc.intercept, tc.r2)
			}
		})
	}
}

// lv is a level of n sessions with an average response, costing 0.25 core
// and 150 MiB per session over 0.1 core and 200 MiB fixed.
func lv(n int, avg int) Level {
	return Level{Sessions: n, Logins: 2, Responses: 10, Avg: time.Duration(avg) * time.Millisecond,
		CPUCores: 0.1 + 0.25*float64(n), MemoryMiB: 200 + 150*float64(n)}
}

func TestAnalyze(t *testing.T) {
	base := ms(400, 400, 420, 430, 440, 450, 460, 470, 480, 490, 500, 500, 500, 500, 500, 900, 1000)
	failing := lv(4, 600)
	failing.FailedLogins = 1
	for _, tc := range []struct {
		name    string
		levels  []Level
		rule    Rule
		reached bool
		knee    int
		over    int
		figure  string
	}{
		{"knee at the last level under baseline+1s", []Level{lv(2, 500), lv(4, 700), lv(6, 1400), lv(8, 2200), lv(10, 3000)},
			Rule{}, true, 6, 3, "6 sessions (the next level, 8 sessions: average response 2.2s > baseline"},
		{"never degrades: a lower bound", []Level{lv(2, 500), lv(4, 520), lv(6, 560)},
			Rule{}, false, 6, -1, "not reached up to 6 sessions (a lower bound)"},
		{"fails at the first level", []Level{lv(2, 2500), lv(4, 3000)},
			Rule{}, true, 0, 0, "fails at the first level (2 sessions): average response 2.5s"},
		{"a failed login is past the knee", []Level{lv(2, 500), failing, lv(6, 600)},
			Rule{}, true, 2, 1, "2 sessions (the next level, 4 sessions: error rate"},
		{"an error rate within the check holds", []Level{lv(2, 500), failing, lv(6, 600)},
			Rule{MaxErrorRate: 0.2}, false, 6, -1, "not reached up to 6"},
		{"a smaller threshold moves the knee down", []Level{lv(2, 500), lv(4, 700), lv(6, 1400)},
			Rule{Threshold: 200 * time.Millisecond}, true, 2, 1, "2 sessions (the next level, 4 sessions"},
		{"no responses at all is past the knee when a workload runs", []Level{lv(2, 500), {Sessions: 4, Logins: 2}},
			Rule{NeedResponses: true}, true, 2, 1, "no operation completed"},
		{"a first level still warming up is not judged", []Level{{Sessions: 2, Logins: 2}, lv(4, 500), lv(6, 2500)},
			Rule{NeedResponses: true}, true, 4, 2, "4 sessions (the next level, 6 sessions"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Analyze(tc.levels, Samples{"op": base}, tc.rule)
			// 15 lowest minus the 2 lowest (400, 400): 420..490 and five 500s,
			// 6140/13 → 472.3ms.
			if r.Baseline.Round(time.Millisecond) != 472*time.Millisecond {
				t.Fatalf("baseline %v", r.Baseline)
			}
			if r.Reached != tc.reached || r.Knee != tc.knee || r.Over != tc.over {
				t.Fatalf("reached %v knee %d over %d; want %v %d %d (%s)", r.Reached, r.Knee, r.Over, tc.reached, tc.knee, tc.over, r.Why)
			}
			if !strings.Contains(r.Figure(), tc.figure) {
				t.Fatalf("figure %q, want it to contain %q", r.Figure(), tc.figure)
			}
			if math.Abs(r.CPU.Slope-0.25) > 1e-9 || math.Abs(r.Memory.Slope-150) > 1e-9 || math.Abs(r.CPU.R2-1) > 1e-9 {
				t.Fatalf("fits: cpu %+v memory %+v", r.CPU, r.Memory)
			}
		})
	}
}

func TestProject(t *testing.T) {
	cost := Result{CPU: LeastSquares([]float64{2, 4}, []float64{0.6, 1.1}), // 0.25 core/session + 0.1
		Memory: LeastSquares([]float64{2, 4}, []float64{500, 800})} // 150 MiB/session + 200
	for _, tc := range []struct {
		node    string
		r       Result
		n       int
		limited string
	}{
		{"8c32g", cost, 31, "CPU"},    // (8-0.1)/0.25 = 31.6; memory (32768-200)/150 = 217
		{"16c64g", cost, 63, "CPU"},   // 63.6
		{"64c8g", cost, 53, "memory"}, // (8192-200)/150 = 53.3; CPU 255
		{"8c32g", Result{CPU: LeastSquares([]float64{2}, []float64{1})}, 0, ""},
		{"8c32g", Result{CPU: LeastSquares([]float64{2, 4}, []float64{1, 1}), Memory: cost.Memory}, 217, "memory"},
	} {
		n, err := ParseNode(tc.node)
		if err != nil {
			t.Fatal(err)
		}
		p := Project(tc.r, n, 0)
		if p.Sessions != tc.n || p.LimitedBy != tc.limited {
			t.Errorf("%s: %d limited by %q, want %d by %q (%s)", tc.node, p.Sessions, p.LimitedBy, tc.n, tc.limited, p)
		}
	}
}

// A knee reached inside an envelope of 1 core scales by cores; memory
// still limits a node short of it.
func TestProjectScalesTheKnee(t *testing.T) {
	r := Result{Reached: true, Knee: 4, CPU: LeastSquares([]float64{2, 4}, []float64{0.3, 0.4}),
		Memory: LeastSquares([]float64{2, 4}, []float64{500, 800})}
	for _, tc := range []struct {
		node    string
		n       int
		limited string
	}{{"16c64g", 64, "CPU"}, {"2c24g", 8, "CPU"}, {"64c8g", 53, "memory"}} {
		n, _ := ParseNode(tc.node)
		p := Project(r, n, 1)
		if p.Sessions != tc.n || p.LimitedBy != tc.limited || !p.Scaled {
			t.Errorf("%s: %d by %q (scaled %v), want %d by %q", tc.node, p.Sessions, p.LimitedBy, p.Scaled, tc.n, tc.limited)
		}
	}
	// Failed at the first level (2 sessions in 1 core): fewer than 32 on
	// 16 cores, not the fit's 316.
	failed := r
	failed.Knee, failed.Levels = 0, []Level{{Sessions: 2}, {Sessions: 4}}
	n16, _ := ParseNode("16c64g")
	if p := Project(failed, n16, 1); !p.Below || p.Sessions != 32 || p.LimitedBy != "CPU" ||
		!strings.Contains(p.String(), "holds fewer than 32 sessions of this workload, limited by CPU (the first level, 2 sessions, already failed in 1 cores)") {
		t.Errorf("failed at the first level: %+v %q", p, p.String())
	}
	// Not reached: a lower bound is not scaled, the fit is used.
	r.Reached = false
	n, _ := ParseNode("16c64g")
	if p := Project(r, n, 1); p.Scaled || p.ByCPU != 316 { // (16-0.2)/0.05
		t.Errorf("lower bound: %+v", p)
	}
}

func TestParseNode(t *testing.T) {
	n, err := ParseNode("2.5c7g")
	if err != nil || n.Cores != 2.5 || n.MemGiB != 7 {
		t.Fatalf("ParseNode = %+v, %v", n, err)
	}
	for _, bad := range []string{"", "8c", "32g", "8c32", "8C32G", "0c32g", "c32g", "8c32gb"} {
		if _, err := ParseNode(bad); err == nil || !strings.Contains(err.Error(), "8c32g") {
			t.Errorf("ParseNode(%q) = %v, want an error showing the form", bad, err)
		}
	}
}

// A level's response is the sum of its operations' means (an operation
// it has no sample of counts at its baseline); the desktop's start and the
// workload's own cycle sums stay out, and so do other levels' responses.
func TestFromRecordSumsOperations(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	srv := func(s int, op string, d int, err string) harness.Response {
		return harness.Response{Time: at(s), Target: "x", Source: harness.ServerSide, Op: op, Dur: time.Duration(d) * time.Millisecond, Err: err}
	}
	rec := &harness.Record{
		Levels: []harness.LevelMark{{Target: "x", Sessions: 2, Start: at(0), End: at(30), Logins: 2},
			{Target: "x", Sessions: 4, Start: at(30), End: at(60), Logins: 2, Failed: 1}},
		Responses: []harness.Response{
			srv(1, "warmup-cycle", 9000, ""), // the session's first cycle ended: what follows counts
			srv(5, "desktop-start", 9000, ""), srv(8, "cycle", 7000, ""),
			srv(9, "open", 800, ""), srv(10, "open", 1000, ""), srv(12, "type", 300, ""),
			srv(40, "open", 2000, ""), srv(50, "type", 0, "timeout after 30s"),
			{Time: at(45), Target: "x", Source: harness.ClientSide, Op: "keystroke", Dur: 200 * time.Millisecond},
		},
		Ticks: []harness.Tick{{Time: at(30), Target: "x", TargetCPU: 10 * time.Second, MemoryWS: 600 << 20, Pids: 200, CPUPeriods: 1000, CPUThrottled: 100},
			{Time: at(60), Target: "x", TargetCPU: 25 * time.Second, MemoryWS: 800 << 20, Pids: 300, NetTx: 3 << 20, CPUPeriods: 1300, CPUThrottled: 175}},
	}
	levels, samples := FromRecord(rec, "")
	if len(levels) != 2 || len(samples["open"]) != 3 || len(samples["type"]) != 1 || len(samples) != 2 {
		t.Fatalf("%d levels, samples %v", len(levels), samples)
	}
	r := Analyze(levels, samples, Rule{MaxErrorRate: 1})
	// Baselines: open {800, 1000, 2000} → 1267 (too few to drop any),
	// type {300} → 300.
	if r.Baseline.Round(time.Millisecond) != 1567*time.Millisecond {
		t.Errorf("baseline %v", r.Baseline)
	}
	l1, l2 := r.Levels[0], r.Levels[1]
	if l1.Avg != 1200*time.Millisecond || l1.Responses != 3 || l1.Errors != 0 { // open 900 + type 300
		t.Errorf("level 1: %+v", l1)
	}
	// open 2000 + type at its baseline (its only sample timed out).
	if l2.Avg != 2300*time.Millisecond || l2.Responses != 2 || l2.Errors != 1 || l2.Client != 200*time.Millisecond || l2.ErrorRate() != 0.5 {
		t.Errorf("level 2: %+v (error rate %v)", l2, l2.ErrorRate())
	}
	// Ticks at 30s and 60s both touch level 2: 15s of CPU over 30s.
	if l2.CPUCores != 0.5 || l2.MemoryMiB != 700 || l2.Pids != 250 {
		t.Errorf("level 2 resources: %+v", l2)
	}
	// 300 quota periods in the level, 75 of them throttled.
	if l2.Periods != 300 || l2.Throttled != 0.25 {
		t.Errorf("level 2 throttling: %d periods, %v throttled", l2.Periods, l2.Throttled)
	}
}

// A session's first cycle is its warm-up: its operations, up to the
// workload's warmup-cycle line, stay out; so do those of a session that
// never finished its first cycle.
func TestFromRecordLeavesWarmUpsOut(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	op := func(s int, user, name string, d int) harness.Response {
		return harness.Response{Time: at(s), Target: "x", User: user, Source: harness.ServerSide, Op: name, Dur: time.Duration(d) * time.Millisecond}
	}
	rec := &harness.Record{
		Levels: []harness.LevelMark{{Target: "x", Sessions: 2, Start: at(0), End: at(60)}},
		Responses: []harness.Response{
			op(5, "u1", "open", 9000), op(10, "u1", "warmup-cycle", 9000), op(20, "u1", "open", 1000), op(30, "u1", "open", 1200),
			op(25, "u2", "open", 8000), // u2 is still in its first cycle
		},
	}
	levels, samples := FromRecord(rec, "")
	if len(samples["open"]) != 2 || levels[0].Responses != 2 || levels[0].PerOp["open"].Mean != 1100*time.Millisecond {
		t.Fatalf("samples %v, level %+v", samples, levels[0])
	}
}

// Each level holds every session's own responses: server-side operations
// after its warm-up and client keystrokes, with count, errors, mean and
// p90, so the slow session stands out.
func TestFromRecordPerSession(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	op := func(s int, user, name string, d int, err string) harness.Response {
		return harness.Response{Time: at(s), Target: "x", User: user, Source: harness.ServerSide, Op: name, Dur: time.Duration(d) * time.Millisecond, Err: err}
	}
	key := func(s int, user string, d int) harness.Response {
		r := op(s, user, "keystroke", d, "")
		r.Source = harness.ClientSide
		return r
	}
	rs := []harness.Response{op(1, "u1", "warmup-cycle", 5000, ""), op(1, "u2", "warmup-cycle", 5000, "")}
	for i := 1; i <= 10; i++ { // u1: 100..1000 ms, u2: ten times slower
		rs = append(rs, op(1+i, "u1", "open", 100*i, ""), op(1+i, "u2", "open", 1000*i, ""))
	}
	rs = append(rs, op(15, "u2", "type", 0, "timed out"), key(16, "u1", 40), key(17, "u1", 60), key(18, "u2", 900),
		op(20, "u3", "open", 9000, ""), // u3 is still warming up
		op(40, "u1", "open", 1, ""))    // the next level
	rec := &harness.Record{Levels: []harness.LevelMark{{Target: "x", Sessions: 3, Start: at(0), End: at(30)}}, Responses: rs}
	levels, _ := FromRecord(rec, "")
	got := Analyze(levels, Samples{"open": ms(100, 200, 300), "type": ms(400)}, Rule{}).Levels[0].PerSession
	want := []SessionLevel{
		{User: "u1", Server: Dist{N: 10, Mean: 550 * time.Millisecond, P90: 900 * time.Millisecond},
			Client:   Dist{N: 2, Mean: 50 * time.Millisecond, P90: 60 * time.Millisecond},
			Response: 950 * time.Millisecond}, // open 550 + type at its baseline 400
		{User: "u2", Server: Dist{N: 10, Errors: 1, Mean: 5500 * time.Millisecond, P90: 9000 * time.Millisecond},
			Client:   Dist{N: 1, Mean: 900 * time.Millisecond, P90: 900 * time.Millisecond},
			Response: 5900 * time.Millisecond},
		{User: "u3"},
	}
	if len(got) != len(want) {
		t.Fatalf("per session %+v", got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.User != w.User || g.Server != w.Server || g.Client != w.Client || g.Response != w.Response {
			t.Errorf("session %d: %+v, want %+v", i, g, w)
		}
	}
	if got[0].PerOp["open"] != (OpMean{Mean: 550 * time.Millisecond, N: 10}) {
		t.Errorf("u1 per op %+v", got[0].PerOp)
	}
}
