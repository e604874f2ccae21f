package fault_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/harness/fault"
)

// tracerOf reads TracerPid of pid (0: not traced).
func tracerOf(ctx context.Context, srv *containers.Server, pid int) string {
	GinkgoHelper()
	_, out, err := srv.Exec(ctx, "sh", "-c", fmt.Sprintf("grep TracerPid /proc/%d/status", pid))
	Expect(err).NotTo(HaveOccurred())
	return strings.TrimSpace(strings.TrimPrefix(out, "TracerPid:"))
}

// endSession kills the window manager of display d's session, which ends
// the session: its sesman child cleans up and exits. It returns that
// child's pid.
func endSession(ctx context.Context, srv *containers.Server, d int) int {
	GinkgoHelper()
	procs := ps(ctx, srv)
	x, ok := findProc(procs, liveXvnc(ctx, srv)[d])
	Expect(ok).To(BeTrue(), "no Xvnc on display %d", d)
	for _, p := range procs {
		if p.PPID == x.PPID && p.Comm == "sleep" { // startwm.sh: exec sleep infinity
			code, out, err := srv.Exec(ctx, "kill", fmt.Sprint(p.PID))
			Expect(err).NotTo(HaveOccurred())
			Expect(code).To(BeZero(), out)
			return x.PPID
		}
	}
	Fail(fmt.Sprintf("no window manager under session child %d", x.PPID))
	return 0
}

func zombiePIDs(ctx context.Context, srv *containers.Server, ppid int) []int {
	var pids []int
	for _, z := range zombiesUnder(ctx, srv, ppid) {
		pids = append(pids, z.PID)
	}
	return pids
}

var _ = Describe("SIGCHLDLoss", func() {
	It("rejects bad settings, naming each problem", func() {
		errs := (&fault.SIGCHLDLoss{Probability: 2, Process: "Xvnc", Timeout: -1}).Validate()
		Expect(errs).To(HaveLen(3))
		Expect(fmt.Sprint(errs)).To(And(ContainSubstring("probability 2"), ContainSubstring(`process "Xvnc"`), ContainSubstring("negative")))
		Expect((&fault.SIGCHLDLoss{}).Validate()).To(BeEmpty())
	})

	It("leaves ended sessions as zombies in 0.9.21.1 sesman's list until a SIGCHLD gets through after Heal", Label("docker"), func(ctx SpecContext) {
		srv := run(ctx, containers.WithUsers(3), containers.WithCapabilities("SYS_PTRACE"))
		for i, d := range []int{10, 11, 12} {
			Expect(requestSession(ctx, srv, i+1).Display).To(Equal(d))
		}
		Eventually(liveXvnc).WithContext(ctx).WithArguments(srv).Should(HaveLen(3))
		sesman := mainPID(ctx, srv, "xrdp-sesman")

		f := &fault.SIGCHLDLoss{}
		detail, err := f.Inject(ctx, srv)
		Expect(err).NotTo(HaveOccurred())
		Expect(detail).To(MatchRegexp(fmt.Sprintf(`^drop SIGCHLD \(p=1\) to xrdp-sesman pid %d via ptrace \(agent pid \d+\)$`, sesman)))
		Expect(tracerOf(ctx, srv, sesman)).NotTo(Equal("0"))

		By("user1's session ends: its sesman child stays a zombie, sesman keeps the session")
		child := endSession(ctx, srv, 10)
		Eventually(zombiePIDs).WithContext(ctx).WithArguments(srv, sesman).Should(ConsistOf(child))
		Eventually(logFn(srv, containers.SesmanLog)).WithContext(ctx).Should(MatchRegexp(`\[pid:%d tid:\d+\] cleanup_sockets:`, child),
			"the session child did not finish its cleanup")
		Expect(logOf(ctx, srv, containers.SesmanLog)).NotTo(ContainSubstring(fmt.Sprintf("Process %d has exited", child)))

		By("user1 is 'reconnected' to the dead display, and the reconnect script becomes a zombie too")
		Expect(requestSession(ctx, srv, 1).Display).To(Equal(10))
		Expect(logOf(ctx, srv, containers.SesmanLog)).To(ContainSubstring(fmt.Sprintf("++ reconnected session: username user1, display :10.0, session_pid %d", child)))
		Eventually(zombiesUnder).WithContext(ctx).WithArguments(srv, sesman).Should(ContainElement(HaveField("Comm", "reconnectwm.sh")))
		Expect(zombiePIDs(ctx, srv, sesman)).To(HaveLen(2))

		By("Heal detaches; the lost exits wait for the next SIGCHLD")
		Expect(f.Heal(ctx, srv)).To(Succeed())
		Expect(tracerOf(ctx, srv, sesman)).To(Equal("0"))
		Expect(zombiePIDs(ctx, srv, sesman)).To(HaveLen(2), "a lost SIGCHLD is not redelivered")
		Expect(requestSession(ctx, srv, 2).Display).To(Equal(11)) // its reconnect script's exit signals sesman
		Eventually(zombiePIDs).WithContext(ctx).WithArguments(srv, sesman).Should(BeEmpty())
		Eventually(logFn(srv, containers.SesmanLog)).WithContext(ctx).Should(And(
			ContainSubstring(fmt.Sprintf("Process %d has exited", child)),
			ContainSubstring("++ terminated session:  username user1, display :10.0")))
		report("sigchld-loss", "session child %d zombie under sesman %d, user1 reconnected to dead display 10, reconnectwm.sh zombie; after heal both reaped at the next delivered SIGCHLD (user2's reconnect)", child, sesman)

		By("KickOnHeal notices lost exits at once")
		g := &fault.SIGCHLDLoss{KickOnHeal: true}
		_, err = g.Inject(ctx, srv)
		Expect(err).NotTo(HaveOccurred())
		child = endSession(ctx, srv, 12)
		Eventually(zombiePIDs).WithContext(ctx).WithArguments(srv, sesman).Should(ConsistOf(child))
		Expect(g.Heal(ctx, srv)).To(Succeed())
		Eventually(zombiePIDs).WithContext(ctx).WithArguments(srv, sesman).Should(BeEmpty())
		Eventually(logFn(srv, containers.SesmanLog)).WithContext(ctx).Should(ContainSubstring("++ terminated session:  username user3, display :12.0"))
		Expect(ps(ctx, srv)).NotTo(ContainElement(HaveField("Args", ContainSubstring(" sigdrop "))), "sigdrop agent left running")
	}, SpecTimeout(3*time.Minute))
})
