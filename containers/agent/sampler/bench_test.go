package sampler

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkSnapshot measures one snapshot+diff with nothing changing (the
// steady state at 10 Hz) and reports it as a share of one core at 10 Hz.
//
//	real:          this machine's /proc as it is
//	real-250:      this machine's /proc topped up with sleep processes to 250
//	real-250-full: the same, reading every stat file every sample
//	               (FullEvery 1) instead of gating on statm
//	fake-250:      a synthetic tree of 250 processes on disk (parsing and
//	               diffing only: reading plain files costs less than procfs)
//
// A tight loop keeps caches warm: the agent waking every 100 ms pays more
// per snapshot (measure it with the agent's own tick "cpu").
func BenchmarkSnapshot(b *testing.B) {
	b.Run("real", func(b *testing.B) { benchSnapshot(b, "", 0) })
	b.Run("real-250", func(b *testing.B) {
		topUpProcs(b, 250)
		benchSnapshot(b, "", 0)
	})
	b.Run("real-250-full", func(b *testing.B) {
		topUpProcs(b, 250)
		benchSnapshot(b, "", 1)
	})
	b.Run("fake-250", func(b *testing.B) { benchSnapshot(b, fakeTree(b, 250), 1) })
}

func benchSnapshot(b *testing.B, root string, fullEvery int) {
	s, err := New(Options{Root: root, FullEvery: fullEvery})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.Sample(time.Now()); err != nil {
		b.Fatal(err)
	}
	s.Reset()
	procs := len(s.procs)
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		if err := s.Sample(time.Now()); err != nil {
			b.Fatal(err)
		}
		s.Reset()
	}
	b.StopTimer()
	// CPU time, not wall time: on a busy machine ns/op grows with the
	// wait for a core, which costs the target nothing.
	cpuPerOp := float64((cpuTime() - cpu0).Nanoseconds()) / float64(b.N)
	b.ReportMetric(float64(procs), "procs")
	b.ReportMetric(cpuPerOp, "cpu-ns/op")
	b.ReportMetric(cpuPerOp/1e8*100, "%core@10Hz")
}

// topUpProcs starts sleep processes until /proc lists n processes.
func topUpProcs(b *testing.B, n int) {
	ents, _ := filepath.Glob("/proc/[0-9]*")
	var cmds []*exec.Cmd
	for i := len(ents); i < n; i++ {
		c := exec.Command("sleep", "3600")
		if err := c.Start(); err != nil {
			b.Fatal(err)
		}
		cmds = append(cmds, c)
	}
	b.Cleanup(func() {
		for _, c := range cmds {
			c.Process.Kill()
			c.Wait()
		}
	})
}

// fakeTree writes a synthetic /proc of n processes.
func fakeTree(b *testing.B, n int) string {
	root := filepath.Join(b.TempDir(), "proc")
	os.MkdirAll(filepath.Join(root, "net"), 0o755)
	os.WriteFile(filepath.Join(root, "stat"), []byte("btime 1700000000\n"), 0o644)
	tcp, _ := os.ReadFile("testdata/proc/net/tcp")
	os.WriteFile(filepath.Join(root, "net/tcp"), tcp, 0o644)
	for pid := 1; pid <= n; pid++ {
		dir := filepath.Join(root, fmt.Sprint(pid))
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "stat"), []byte(fmt.Sprintf(
			"%d (Xvnc) S %d %d %d 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 %d 10000000 500 18446744073709551615 1 1 0\n",
			pid, max(pid/5, 1), pid, pid, 1000+pid)), 0o644)
		os.WriteFile(filepath.Join(dir, "cmdline"), []byte("Xvnc\x00:10\x00-localhost\x00"), 0o644)
	}
	return root
}
