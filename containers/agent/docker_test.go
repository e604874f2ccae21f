package agent_test

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/xrdp-harness/xrdp-harness/containers/agent"
	"github.com/xrdp-harness/xrdp-harness/fakeclient/scp"
	"github.com/xrdp-harness/xrdp-harness/harness"
)

// stream is a running `xrdp-harness-agent sample` and what it printed.
type stream struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	done  chan error

	mu     sync.Mutex
	events []agent.Event
	procs  map[int]harness.ProcEvent // replayed process table
	errs   []error
}

func (s *stream) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		ev, err := agent.Decode(sc.Bytes())
		s.mu.Lock()
		if err != nil {
			s.errs = append(s.errs, err)
		} else {
			s.events = append(s.events, ev)
			if p := ev.Proc; p != nil {
				switch p.Kind {
				case harness.ProcStart:
					s.procs[p.PID] = *p
				case harness.ProcExit:
					delete(s.procs, p.PID)
				case harness.ProcState, harness.ProcReparent, agent.ProcExec:
					cur := s.procs[p.PID]
					cur.PPID, cur.Comm = p.PPID, p.Comm
					if p.State != "" {
						cur.State = p.State
					}
					if p.Kind == agent.ProcExec {
						cur.Args = p.Args
					}
					s.procs[p.PID] = cur
				}
			}
		}
		s.mu.Unlock()
	}
}

// find returns the first event that matches, or nil. match runs under the
// lock and must not call other methods of s.
func (s *stream) find(match func(agent.Event) bool) *agent.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.events {
		if match(s.events[i]) {
			ev := s.events[i]
			return &ev
		}
	}
	return nil
}

func (s *stream) proc(pid int) harness.ProcEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.procs[pid]
}

// The target comes from the environment for now (XRDP_CONTAINER, and
// XRDP_SESMAN_ADDR for the log check; see /tmp/dev/devxrdp.sh); the lead
// will switch this to containers.Run.
var _ = Describe("xrdp-harness-agent sample in a real xrdp container", Label("docker"), Ordered, func() {
	var (
		ctr, sesmanAddr string
		s               *stream
	)

	dockerExec := func(ctx context.Context, args ...string) string {
		var opts []string
		if args[0] == "-d" { // docker exec -d CONTAINER ...
			opts, args = args[:1], args[1:]
		}
		out, err := exec.CommandContext(ctx, "docker", append(append(append([]string{"exec"}, opts...), ctr), args...)...).CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), "docker exec %q: %s", args, out)
		return string(out)
	}

	BeforeAll(func(ctx SpecContext) {
		ctr, sesmanAddr = os.Getenv("XRDP_CONTAINER"), os.Getenv("XRDP_SESMAN_ADDR")
		if ctr == "" || sesmanAddr == "" {
			Skip("set XRDP_CONTAINER and XRDP_SESMAN_ADDR (see /tmp/dev/devxrdp.sh)")
		}
		bin, err := agent.Build(ctx, GinkgoT().TempDir(), "")
		Expect(err).NotTo(HaveOccurred())
		out, err := exec.CommandContext(ctx, "docker", "cp", bin, ctr+":"+agent.DefaultBin).CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), string(out))

		argv := agent.SampleArgs{Logs: map[string]string{"sesman": "/var/log/xrdp-sesman.log"}}.Argv()
		s = &stream{procs: map[int]harness.ProcEvent{}, done: make(chan error, 1)}
		s.cmd = exec.Command("docker", append([]string{"exec", "-i", ctr}, argv...)...)
		s.stdin, err = s.cmd.StdinPipe()
		Expect(err).NotTo(HaveOccurred())
		stdout, err := s.cmd.StdoutPipe()
		Expect(err).NotTo(HaveOccurred())
		s.cmd.Stderr = GinkgoWriter
		Expect(s.cmd.Start()).To(Succeed())
		go func() {
			s.read(stdout)
			s.done <- s.cmd.Wait()
		}()
		DeferCleanup(func() {
			s.stdin.Close()
			s.cmd.Process.Kill()
		})
	}, NodeTimeout(3*time.Minute))

	It("starts with a hello, the whole process table and a tick", func(ctx SpecContext) {
		Eventually(func() *agent.Event {
			return s.find(func(e agent.Event) bool { return e.Tick != nil })
		}).WithContext(ctx).ShouldNot(BeNil())
		hello := s.find(func(e agent.Event) bool { return e.Hello != nil })
		Expect(hello).NotTo(BeNil())
		Expect(hello.Hello.Sockets).To(Equal("netlink"))
		Expect(s.proc(1).Comm).To(Equal("tini"))
		sesman := s.find(func(e agent.Event) bool {
			return e.Proc != nil && e.Proc.Kind == harness.Listen && e.Proc.Port == 3350
		})
		Expect(sesman).NotTo(BeNil(), "sesman's listener")
		Expect(sesman.Proc.Comm).To(Equal("xrdp-sesman"))
		Expect(s.errs).To(BeEmpty())
	}, SpecTimeout(30*time.Second))

	It("reports a real zombie: a parent that never waits", func(ctx SpecContext) {
		started := time.Now()
		dockerExec(ctx, "-d", "sh", "-c", "sleep 0.1 & exec sleep 30")
		var zombie *agent.Event
		Eventually(func() *agent.Event {
			zombie = s.find(func(e agent.Event) bool {
				p := e.Proc
				return p != nil && p.State == "Z" && !p.Time.Before(started) &&
					strings.HasPrefix(s.procs[p.PPID].Args, "sleep 30") // under the lock
			})
			return zombie
		}).WithContext(ctx).ShouldNot(BeNil())
		// Informational: includes docker exec's own start-up time.
		GinkgoWriter.Printf("zombie seen %v after docker exec -d began (it exits 100ms after its start)\n", time.Since(started))
		Eventually(func() *agent.Event {
			return s.find(func(e agent.Event) bool { return e.Tick != nil && e.Tick.Zombies >= 1 })
		}).WithContext(ctx).ShouldNot(BeNil())

		By("the parent we started ends: the zombie is reaped by tini")
		parent := zombie.Proc.PPID
		dockerExec(ctx, "kill", strconv.Itoa(parent))
		Eventually(func() *agent.Event {
			return s.find(func(e agent.Event) bool {
				return e.Proc != nil && e.Proc.Kind == harness.ProcExit && e.Proc.PID == zombie.Proc.PID
			})
		}).WithContext(ctx).ShouldNot(BeNil())
	}, SpecTimeout(30*time.Second))

	It("reports a squatted port with its owner, and its release", func(ctx SpecContext) {
		started := time.Now()
		dockerExec(ctx, "-d", agent.DefaultBin, "listen", "0.0.0.0:6018")
		var l *agent.Event
		Eventually(func() *agent.Event {
			l = s.find(func(e agent.Event) bool {
				return e.Proc != nil && e.Proc.Kind == harness.Listen && e.Proc.Port == 6018 && !e.Proc.Time.Before(started)
			})
			return l
		}).WithContext(ctx).ShouldNot(BeNil())
		DeferCleanup(func(ctx SpecContext) {
			exec.CommandContext(ctx, "docker", "exec", ctr, "kill", strconv.Itoa(l.Proc.PID)).Run()
		})
		Expect(l.Proc.Addr).To(Equal("0.0.0.0"))
		Expect(l.Proc.Comm).To(Equal("xrdp-harness-ag"))
		Expect(s.proc(l.Proc.PID).Args).To(Equal(agent.DefaultBin + " listen 0.0.0.0:6018"))

		dockerExec(ctx, "kill", strconv.Itoa(l.Proc.PID))
		Eventually(func() *agent.Event {
			return s.find(func(e agent.Event) bool {
				return e.Proc != nil && e.Proc.Kind == harness.Unlisten && e.Proc.Port == 6018
			})
		}).WithContext(ctx).ShouldNot(BeNil())
	}, SpecTimeout(30*time.Second))

	It("streams new sesman log lines", func(ctx SpecContext) {
		Expect(scp.Authenticate(ctx, sesmanAddr, "u4", "pass4")).To(Succeed())
		Eventually(func() *agent.Event {
			return s.find(func(e agent.Event) bool {
				return e.Log != nil && e.Log.Source == harness.LogSesman && strings.Contains(e.Log.Text, "Access permitted for user: u4")
			})
		}).WithContext(ctx).ShouldNot(BeNil())
	}, SpecTimeout(30*time.Second))

	It("exits when the harness closes its stdin", func(ctx SpecContext) {
		s.stdin.Close()
		Eventually(s.done).WithContext(ctx).Should(Receive(BeNil()))
		Eventually(func() string {
			return dockerExec(ctx, "ps", "-eo", "args")
		}).WithContext(ctx).ShouldNot(ContainSubstring(agent.DefaultBin + " sample"))
	}, SpecTimeout(30*time.Second))
})
