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
