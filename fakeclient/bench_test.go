package fakeclient_test

// Benchmarks against a live xrdp: a 0.9.21.1 container of their own, or the
// server XRDP_ADDR names (users as in integration_test.go; XRDP_CONTAINER to
// read its logs for the xfreerdp comparison):
//
//	go test ./fakeclient -run '^$' -bench Login -benchtime 20x
//	go test ./fakeclient -run '^$' -bench IdleClients -benchtime 1x
//	go test ./fakeclient -run '^$' -bench FreeRDP -benchtime 3x
//
// cpu-s/op is the process's user+system CPU time per login; heap-B/client
// and rss-B/client are the growth per connected idle client; pss-B/op is
// xfreerdp's proportional set size once its session showed.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/fakeclient"
)

// benchLab is the xrdp the benchmarks run against: XRDP_ADDR when set (see
// integration_test.go for the other variables), else a 0.9.21.1 container
// started for the benchmark.
func benchLab(b *testing.B) (lab, string) {
	if addr := os.Getenv("XRDP_ADDR"); addr != "" {
		l := lab{addr: addr}
		up, pp := envOr("XRDP_USER_PREFIX", "u"), envOr("XRDP_PASSWORD_PREFIX", "pass")
		n := 20
		if s := os.Getenv("XRDP_USERS"); s != "" {
			n, _ = strconv.Atoi(s)
		}
		for i := 1; i <= n; i++ {
			l.users = append(l.users, userOf(up, pp, i))
		}
		return l, os.Getenv("XRDP_CONTAINER")
	}
	ctx := context.Background()
	srv, err := containers.Run(ctx, "0.9.21.1", containers.WithUsers(20))
	b.Cleanup(func() { _ = srv.Terminate(context.Background()) })
	if err != nil {
		b.Fatal(err)
	}
	return lab{addr: srv.RDPAddr(), users: srv.Users(), read: srv.ReadFile}, srv.ID()
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkLogin(b *testing.B) {
	l, _ := benchLab(b)
	b.ReportAllocs()
	ctx := context.Background()
	cpu0 := cpuTime()
	i := 0
	for b.Loop() {
		u := l.users[i%len(l.users)]
		i++
		dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		cfg := fakeclient.Config{Addr: l.addr, User: u.Name, Password: u.Password, ClientName: "fc-bench", SettleTimeout: -1}
		c, res := fakeclient.Dial(dctx, cfg)
		cancel()
		if res.Outcome != fakeclient.OK {
			b.Fatalf("login %s: %v", u.Name, res.Err)
		}
		if err := c.Close(ctx, fakeclient.Abrupt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(i), "cpu-s/op")
}

func rss() int64 {
	s, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(s), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

func heap() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse + m.StackInuse)
}

// BenchmarkIdleClients connects FAKECLIENT_IDLE_N clients (default 100,
// cycling through the users: xrdp serves several connections of one user
// from the same session) and reports the memory each idle client holds.
func BenchmarkIdleClients(b *testing.B) {
	l, _ := benchLab(b)
	n := 100
	if s := os.Getenv("FAKECLIENT_IDLE_N"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	ctx := context.Background()
	for b.Loop() {
		// Warm up TLS and the runtime so the baseline is not the first use.
		warm := dialOK(b, ctx, l, 0)
		_ = warm.Close(ctx, fakeclient.Abrupt)
		h0, r0 := heap(), rss()
		conns := make([]*fakeclient.Conn, 0, n)
		for i := range n {
			conns = append(conns, dialOK(b, ctx, l, i))
		}
		h1, r1 := heap(), rss()
		b.ReportMetric(float64(h1-h0)/float64(n), "heap-B/client")
		b.ReportMetric(float64(r1-r0)/float64(n), "rss-B/client")
		b.ReportMetric(float64(runtime.NumGoroutine()), "goroutines")
		for _, c := range conns {
			select {
			case <-c.Done():
				b.Fatalf("an idle client was disconnected: %v", c.Err())
			default:
			}
			_ = c.Close(ctx, fakeclient.Abrupt)
		}
	}
}

func dialOK(b *testing.B, ctx context.Context, l lab, i int) *fakeclient.Conn {
	u := l.users[i%len(l.users)]
	dctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	c, res := fakeclient.Dial(dctx, fakeclient.Config{Addr: l.addr, User: u.Name, Password: u.Password,
		ClientName: fmt.Sprintf("fc-idle-%d", i), SettleTimeout: -1})
	if res.Outcome != fakeclient.OK {
		b.Fatalf("login %s: %v", u.Name, res.Err)
	}
	return c
}

// BenchmarkFreeRDPLogin measures one xfreerdp per iteration: CPU seconds of
// the xfreerdp process and its PSS once xrdp logged "connected ok" for it.
func BenchmarkFreeRDPLogin(b *testing.B) {
	l, name := benchLab(b)
	if _, err := exec.LookPath("xfreerdp"); err != nil {
		b.Skip("xfreerdp not installed (apt-get install -y freerdp2-x11 xvfb)")
	}
	ctx := context.Background()
	count := func() int {
		out, _ := exec.CommandContext(ctx, "docker", "exec", name, "grep", "-c", "VNC connection complete, connected ok", "/var/log/xrdp.log").Output()
		n, _ := strconv.Atoi(strings.TrimSpace(string(out)))
		return n
	}
	var cpu, pss float64
	i := 0
	for b.Loop() {
		u := l.users[i%len(l.users)]
		i++
		before := count()
		cmd := exec.CommandContext(ctx, "xvfb-run", "-a", "xfreerdp", "/v:"+l.addr, "/u:"+u.Name, "/p:"+u.Password,
			"/cert:ignore", "/sec:tls", "/size:1024x768", "/bpp:32", "/log-level:ERROR")
		cmd.SysProcAttr = procGroup()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for count() <= before {
			if time.Now().After(deadline) {
				killGroup(cmd)
				b.Fatal("xfreerdp's session did not show within 30s")
			}
		}
		pid := findComm(cmd.Process.Pid, "xfreerdp")
		c, p := procCPU(pid), procPSS(pid)
		cpu += c
		pss += p
		killGroup(cmd)
		_ = cmd.Wait()
	}
	b.ReportMetric(cpu/float64(i), "cpu-s/op")
	b.ReportMetric(pss/float64(i), "pss-B/op")
}

// findComm finds the process named comm in pgid's process group.
func findComm(pgid int, comm string) int {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		c, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if strings.TrimSpace(string(c)) != comm {
			continue
		}
		if g, err := syscall.Getpgid(pid); err == nil && g == pgid {
			return pid
		}
	}
	return 0
}

func procCPU(pid int) float64 {
	s, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(s[strings.LastIndexByte(string(s), ')')+2:]))
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ is 100 on Linux
}

func procPSS(pid int) float64 {
	s, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(s), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "Pss:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb * 1024
		}
	}
	return 0
}
