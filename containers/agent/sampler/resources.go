package sampler

import (
	"bytes"
	"os"
	"strings"
)

// Resources of the target as its cgroup and network namespace count them,
// read once per tick. Zero fields could not be read.
type Resources struct {
	CPUNanos int64 // CPU time of every process in the cgroup since it was made
	Memory   int64 // working set bytes: usage minus inactive file cache (as cAdvisor/kubelet count it)
	Pids     int64 // tasks (threads included) the pids controller counts
	NetRx    int64 // bytes received on every interface but lo
	NetTx    int64
	// Periods and Throttled count the CFS quota's periods since the
	// cgroup was made and those in which the cgroup ran out of quota and
	// waited (cpu.stat nr_periods, nr_throttled; zero without a quota):
	// how often a CPU envelope held the target back.
	Periods, Throttled int64
	haveCPU            bool
	haveMemory         bool
}

// resourceFiles are where a cgroup's counters live: v2 (one hierarchy,
// cpu.stat usage_usec, memory.current, memory.stat inactive_file) or v1
// (cpuacct.usage, memory.usage_in_bytes, memory.stat total_inactive_file),
// both as Docker mounts them inside a container (the container's own
// cgroup at /sys/fs/cgroup). Found once.
type resourceFiles struct {
	v2                           bool
	cpu, memUsage, memStat, pids string
	cpuStat                      string // v1: cpu.stat of the cpu controller (v2: cpu)
	netDev                       string
	buf                          []byte
}

func findResourceFiles(cgroupRoot, procRoot string) *resourceFiles {
	r := &resourceFiles{netDev: procRoot + "/net/dev"}
	exists := func(p string) bool { _, err := os.Stat(p); return err == nil }
	if exists(cgroupRoot + "/cgroup.controllers") {
		r.v2 = true
		r.cpu, r.memUsage, r.memStat, r.pids = cgroupRoot+"/cpu.stat", cgroupRoot+"/memory.current",
			cgroupRoot+"/memory.stat", cgroupRoot+"/pids.current"
		r.cpuStat = r.cpu
		return r
	}
	for _, d := range []string{"cpuacct", "cpu,cpuacct", "cpuacct,cpu"} {
		if p := cgroupRoot + "/" + d + "/cpuacct.usage"; exists(p) {
			r.cpu = p
			break
		}
	}
	for _, d := range []string{"cpu", "cpu,cpuacct", "cpuacct,cpu"} {
		if p := cgroupRoot + "/" + d + "/cpu.stat"; exists(p) {
			r.cpuStat = p
			break
		}
	}
	r.memUsage, r.memStat = cgroupRoot+"/memory/memory.usage_in_bytes", cgroupRoot+"/memory/memory.stat"
	r.pids = cgroupRoot + "/pids/pids.current"
	return r
}

// read takes one reading; files that are missing leave their fields zero.
func (r *resourceFiles) read() Resources {
	var out Resources
	if b, err := readWhole(r.cpu, &r.buf); err == nil {
		if r.v2 {
			if v, ok := statField(b, "usage_usec"); ok {
				out.CPUNanos, out.haveCPU = v*1000, true
			}
		} else if v, ok := atoi64(bytes.TrimSpace(b)); ok {
			out.CPUNanos, out.haveCPU = v, true
		}
	}
	if r.cpuStat != "" {
		if b, err := readWhole(r.cpuStat, &r.buf); err == nil {
			out.Periods, _ = statField(b, "nr_periods")
			out.Throttled, _ = statField(b, "nr_throttled")
		}
	}
	if b, err := readWhole(r.memUsage, &r.buf); err == nil {
		if v, ok := atoi64(bytes.TrimSpace(b)); ok {
			out.Memory, out.haveMemory = v, true
		}
	}
	if out.haveMemory {
		key := "total_inactive_file"
		if r.v2 {
			key = "inactive_file"
		}
		if b, err := readWhole(r.memStat, &r.buf); err == nil {
			if v, ok := statField(b, key); ok && v < out.Memory {
				out.Memory -= v
			}
		}
	}
	if b, err := readWhole(r.pids, &r.buf); err == nil {
		if v, ok := atoi64(bytes.TrimSpace(b)); ok {
			out.Pids = v
		}
	}
	if b, err := readWhole(r.netDev, &r.buf); err == nil {
		out.NetRx, out.NetTx = netDevBytes(b)
	}
	return out
}

// statField finds "key value" in a flat-keyed cgroup file.
func statField(b []byte, key string) (int64, bool) {
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, " ")
		if ok && k == key {
			return atoi64([]byte(strings.TrimSpace(v)))
		}
	}
	return 0, false
}

// netDevBytes sums received and sent bytes of /proc/net/dev over every
// interface but loopback (inside a container: its eth0s).
func netDevBytes(b []byte) (rx, tx int64) {
	for _, line := range strings.Split(string(b), "\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(name) == "lo" {
			continue
		}
		f := strings.Fields(rest)
		if len(f) < 9 {
			continue
		}
		r, ok1 := atoi64([]byte(f[0]))
		t, ok2 := atoi64([]byte(f[8]))
		if ok1 && ok2 {
			rx, tx = rx+r, tx+t
		}
	}
	return rx, tx
}

func atoi64(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}
