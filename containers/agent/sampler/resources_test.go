package sampler

import (
	"os"
	"path/filepath"
	"testing"
)

// The cgroup counters of both layouts as Docker mounts them in a
// container: v2 (one cpu.stat with usage and throttling) and v1 (cpuacct
// usage, the cpu controller's cpu.stat), with the quota's periods and
// throttled periods read from each; without a quota (no cpu.stat
// throttling lines) they stay zero.
func TestResourceFiles(t *testing.T) {
	write := func(root, name, body string) {
		t.Helper()
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	proc := t.TempDir()
	write(proc, "net/dev", "Inter-|   Receive |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes\n"+
		"    lo: 100 1 0 0 0 0 0 0 100 1 0 0 0 0 0 0\n  eth0: 2000 10 0 0 0 0 0 0 3000 12 0 0 0 0 0 0\n")

	v2 := t.TempDir()
	write(v2, "cgroup.controllers", "cpu memory pids\n")
	write(v2, "cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 40\nnr_throttled 7\nthrottled_usec 9000\n")
	write(v2, "memory.current", "10000\n")
	write(v2, "memory.stat", "anon 6000\ninactive_file 4000\n")
	write(v2, "pids.current", "12\n")
	r := findResourceFiles(v2, proc).read()
	if r.CPUNanos != 1500000 || r.Memory != 6000 || r.Pids != 12 || r.NetRx != 2000 || r.NetTx != 3000 || r.Periods != 40 || r.Throttled != 7 {
		t.Errorf("v2: %+v", r)
	}

	v1 := t.TempDir()
	write(v1, "cpu,cpuacct/cpuacct.usage", "2500000\n")
	write(v1, "cpu,cpuacct/cpu.stat", "nr_periods 90\nnr_throttled 30\nthrottled_time 123456\n")
	write(v1, "memory/memory.usage_in_bytes", "8000\n")
	write(v1, "memory/memory.stat", "total_inactive_file 3000\n")
	write(v1, "pids/pids.current", "5\n")
	r = findResourceFiles(v1, proc).read()
	if r.CPUNanos != 2500000 || r.Memory != 5000 || r.Pids != 5 || r.Periods != 90 || r.Throttled != 30 {
		t.Errorf("v1: %+v", r)
	}

	noQuota := t.TempDir()
	write(noQuota, "cgroup.controllers", "cpu\n")
	write(noQuota, "cpu.stat", "usage_usec 10\n")
	if r := findResourceFiles(noQuota, proc).read(); r.Periods != 0 || r.Throttled != 0 || r.CPUNanos != 10000 {
		t.Errorf("no quota: %+v", r)
	}
}
