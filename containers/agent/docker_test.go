package agent_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/containers/agent"
	"github.com/xrdp-harness/xrdp-harness/fakeclient/scp"
	"github.com/xrdp-harness/xrdp-harness/harness"
)

// sink collects what Server.Watch streams, the way the engine receives it,
// and replays the process table.
type sink struct {
	mu    sync.Mutex
	procs []harness.ProcEvent
	ticks []harness.Tick
	logs  []harness.LogLine
	table map[int]harness.ProcEvent
}

var _ harness.Sink = (*sink)(nil)

func (s *sink) Proc(p harness.ProcEvent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.procs = append(s.procs, p)
	switch p.Kind {
	case harness.ProcStart:
		s.table[p.PID] = p
	case harness.ProcExit:
		delete(s.table, p.PID)
	case harness.ProcState, harness.ProcReparent, harness.ProcExec:
		cur := s.table[p.PID]
		cur.PPID, cur.Comm = p.PPID, p.Comm
		if p.State != "" {
			cur.State = p.State
		}
		if p.Kind == harness.ProcExec {
			cur.Args = p.Args
		}
		s.table[p.PID] = cur
	}
}

func (s *sink) Tick(t harness.Tick) { s.mu.Lock(); s.ticks = append(s.ticks, t); s.mu.Unlock() }

func (s *sink) Log(l harness.LogLine) { s.mu.Lock(); s.logs = append(s.logs, l); s.mu.Unlock() }

// findProc returns the first process event that matches (match runs under
// the lock and may read s.table).
func (s *sink) findProc(match func(harness.ProcEvent) bool) *harness.ProcEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.procs {
		if match(p) {
			return &p
		}
	}
	return nil
}

func (s *sink) proc(pid int) harness.ProcEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.table[pid]
}

func (s *sink) maxZombies() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, t := range s.ticks {
		n = max(n, t.Zombies)
	}
	return n
}

func (s *sink) hasLog(src harness.LogSource, text string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.logs {
		if l.Source == src && strings.Contains(l.Text, text) {
			return true
		}
	}
	return false
}

// The sampler as the engine runs it: containers.Run copies the agent in,
// Server.Watch runs `xrdp-harness-agent sample` with docker exec -i and
// decodes its stream into a harness.Sink.
var _ = Describe("the in-container sampler in a real xrdp container", Label("docker"), Ordered, func() {
	var (
		srv     *containers.Server
		s       *sink
		stop    context.CancelFunc
		stopped chan error
	)

	run := func(ctx context.Context, script string) {
		code, out, err := srv.Exec(ctx, "sh", "-c", script)
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(Equal(0), out)
	}

	BeforeAll(func(ctx SpecContext) {
		var err error
		srv, err = containers.Run(ctx, "0.9.21.1", containers.WithUsers(2))
		DeferCleanup(func(ctx SpecContext) { Expect(srv.Terminate(ctx)).To(Succeed()) })
		Expect(err).NotTo(HaveOccurred())
		s = &sink{table: map[int]harness.ProcEvent{}}
		var wctx context.Context
		wctx, stop = context.WithCancel(context.Background())
		stopped = make(chan error, 1)
		go func() { stopped <- srv.Watch(wctx, s) }()
		DeferCleanup(func() { stop() })
	}, NodeTimeout(5*time.Minute))

	It("starts with the whole process table and a tick", func(ctx SpecContext) {
		Eventually(func() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.ticks) }).WithContext(ctx).Should(BeNumerically(">", 0))
		Expect(s.proc(1).Comm).To(Equal("tini"))
		sesman := s.findProc(func(p harness.ProcEvent) bool { return p.Kind == harness.Listen && p.Port == containers.SesmanPort })
		Expect(sesman).NotTo(BeNil(), "sesman's listener")
		Expect(sesman.Comm).To(Equal("xrdp-sesman"))
	}, SpecTimeout(30*time.Second))

	It("reports a real zombie: a parent that never waits", func(ctx SpecContext) {
		started := time.Now()
		run(ctx, "nohup sh -c 'sleep 0.1 & exec sleep 30' >/dev/null 2>&1 &")
		var zombie *harness.ProcEvent
		Eventually(func() *harness.ProcEvent {
			zombie = s.findProc(func(p harness.ProcEvent) bool {
				return p.State == "Z" && !p.Time.Before(started) && strings.HasPrefix(s.table[p.PPID].Args, "sleep 30")
			})
			return zombie
		}).WithContext(ctx).ShouldNot(BeNil())
		GinkgoWriter.Printf("zombie seen %v after the exec began (it exits 100ms after its start)\n", time.Since(started))
		Eventually(s.maxZombies).WithContext(ctx).Should(BeNumerically(">=", 1))

		By("the parent ends: tini reaps the zombie")
		run(ctx, "kill "+strconv.Itoa(zombie.PPID))
		Eventually(func() *harness.ProcEvent {
			return s.findProc(func(p harness.ProcEvent) bool { return p.Kind == harness.ProcExit && p.PID == zombie.PID })
		}).WithContext(ctx).ShouldNot(BeNil())
	}, SpecTimeout(30*time.Second))

	It("reports a squatted port with its owner, and its release", func(ctx SpecContext) {
		started := time.Now()
		run(ctx, "nohup "+agent.DefaultBin+" listen 0.0.0.0:6018 >/dev/null 2>&1 &")
		var l *harness.ProcEvent
		Eventually(func() *harness.ProcEvent {
			l = s.findProc(func(p harness.ProcEvent) bool {
				return p.Kind == harness.Listen && p.Port == 6018 && !p.Time.Before(started)
			})
			return l
		}).WithContext(ctx).ShouldNot(BeNil())
		Expect(l.Addr).To(Equal("0.0.0.0"))
		Expect(l.Comm).To(Equal("xrdp-harness-ag"))
		Expect(s.proc(l.PID).Args).To(Equal(agent.DefaultBin + " listen 0.0.0.0:6018"))

		run(ctx, "kill "+strconv.Itoa(l.PID))
		Eventually(func() *harness.ProcEvent {
			return s.findProc(func(p harness.ProcEvent) bool { return p.Kind == harness.Unlisten && p.Port == 6018 })
		}).WithContext(ctx).ShouldNot(BeNil())
	}, SpecTimeout(30*time.Second))

	// What every Xvnc's VNC socket needs: a listener of another user than
	// root, named by pid (containers.Run adds SYS_PTRACE; without it the
	// kernel hides the user's /proc/PID/fd from root and the pid is 0).
	It("names the owner of a socket a test user holds", func(ctx SpecContext) {
		started := time.Now()
		user := srv.Users()[0].Name
		run(ctx, "su -s /bin/sh "+user+" -c 'nohup "+agent.DefaultBin+" listen 0.0.0.0:6019 >/dev/null 2>&1 &'")
		var l *harness.ProcEvent
		Eventually(func() *harness.ProcEvent {
			l = s.findProc(func(p harness.ProcEvent) bool {
				return p.Kind == harness.Listen && p.Port == 6019 && !p.Time.Before(started)
			})
			return l
		}).WithContext(ctx).ShouldNot(BeNil())
		Expect(l.PID).NotTo(BeZero(), "the owner of %s's listener", user)
		Expect(l.Comm).To(Equal("xrdp-harness-ag"))
		run(ctx, "kill "+strconv.Itoa(l.PID))
	}, SpecTimeout(30*time.Second))

	It("streams new sesman log lines", func(ctx SpecContext) {
		u := srv.Users()[0]
		Expect(scp.Authenticate(ctx, srv.SesmanAddr(), u.Name, u.Password)).To(Succeed())
		Eventually(func() bool { return s.hasLog(harness.LogSesman, "Access permitted for user: "+u.Name) }).
			WithContext(ctx).Should(BeTrue())
	}, SpecTimeout(30*time.Second))

	It("stops the sampler inside the target when the watch ends", func(ctx SpecContext) {
		stop()
		Eventually(stopped).WithContext(ctx).Should(Receive(MatchError(context.Canceled)))
		Eventually(func() string {
			_, out, _ := srv.Exec(ctx, "ps", "-eo", "args")
			return out
		}).WithContext(ctx).ShouldNot(ContainSubstring(agent.DefaultBin + " sample"))
	}, SpecTimeout(30*time.Second))
})
