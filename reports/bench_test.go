package reports

import (
	"fmt"
	"io"
	"testing"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// bigRun is a long run: 10k ops, 100k process events, a tick per second
// for an hour, 20k log lines, three faults.
func bigRun() Run {
	rec := synthRecord(recordSpec{scenario: "soak", version: "0.9.22.1", seconds: 3600, ops: 10000, sessions: 50,
		failEvery: 50, zombieGrowth: 1, faults: []harness.FaultWindow{
			{Name: "freeze-sesman", Inject: at(600), Heal: at(630)},
			{Name: "kill-xvnc", Inject: at(1800)},
			{Name: "squat-port", Inject: at(2400), Heal: at(2700)},
		}})
	tg := rec.Targets[0].Name
	for i := range 100000 {
		rec.Procs = append(rec.Procs, harness.ProcEvent{Time: at(float64(i) * 0.036), Target: tg,
			Kind: harness.ProcStart, PID: 1000 + i, PPID: 7, Comm: "Xvnc", Args: fmt.Sprintf("Xvnc :%d", 10+i%50), State: "S"})
	}
	for i := range 20000 {
		rec.Logs = append(rec.Logs, harness.LogLine{Time: at(float64(i) * 0.18), Target: tg, Source: harness.LogXrdp,
			Text: fmt.Sprintf("[INFO ] connected client computer name: xh%09d", i)})
	}
	return NewRun(rec, []harness.Verdict{
		verdict("login-latency", tg, harness.Invalid, "p50 1.4s p99 2.0s, 200/10000 failed (2.0%)",
			map[string]float64{"latency_p50_s": 1.4, "latency_p99_s": 2.0, "error_rate": 0.02}),
		verdict("zombies", tg, harness.Invalid, "zombie count grew by 360 over the run",
			map[string]float64{"zombies_max": 360}, ev(3000, "zombie count rose")),
	}, nil)
}

// countingWriter measures output without keeping it.
type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func benchWriter(b *testing.B, w Writer) {
	s := Suite{Name: "bench", Started: t0, Ended: at(3600), Runs: []Run{bigRun()}}
	var cw countingWriter
	if err := w.Write(&cw, s); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := w.Write(io.Discard, s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cw.n), "out-bytes")
}

// BenchmarkHTML: the page of one run with 10k ops and 100k process events.
func BenchmarkHTML(b *testing.B) { benchWriter(b, HTML{}) }

func BenchmarkMarkdown(b *testing.B) { benchWriter(b, Markdown{}) }

func BenchmarkJUnit(b *testing.B) { benchWriter(b, JUnit{}) }

func BenchmarkJSON(b *testing.B) { benchWriter(b, JSON{}) }

func BenchmarkJSONOmitEvents(b *testing.B) { benchWriter(b, JSON{OmitEvents: true}) }
