package fault_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/fakeclient"
	"github.com/xrdp-harness/xrdp-harness/fakeclient/scp"
	"github.com/xrdp-harness/xrdp-harness/harness/fault"
)

var _ = Describe("Restart", func() {
	It("rejects bad settings, naming each problem", func() {
		errs := (&fault.Restart{Process: "sesman", Sig: "CONT", Timeout: -1}).Validate()
		Expect(errs).To(HaveLen(3))
		Expect(fmt.Sprint(errs)).To(And(ContainSubstring(`process "sesman"`), ContainSubstring("signal CONT"), ContainSubstring("negative")))
		Expect((&fault.Restart{Process: "xrdp", Sig: "KILL"}).Validate()).To(BeEmpty())
	})

	It("restarts sesman on 0.9.21.1: the new one does not know the old sessions and starts a second one for the same user", Label("docker"), func(ctx SpecContext) {
		srv := run(ctx, containers.WithUsers(2))
		Expect(requestSession(ctx, srv, 1).Display).To(Equal(10))
		Eventually(liveXvnc).WithContext(ctx).WithArguments(srv).Should(HaveKey(10))
		old := mainPID(ctx, srv, "xrdp-sesman")

		f := &fault.Restart{Process: "xrdp-sesman"}
		detail, err := f.Inject(ctx, srv)
		Expect(err).NotTo(HaveOccurred())
		Expect(detail).To(Equal(fmt.Sprintf(`SIGTERM xrdp-sesman pid %d; heal starts "xrdp-sesman"`, old)))

		By("while it is down, SCP requests are refused")
		u := srv.Users()[0]
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err = scp.RequestSession(rctx, srv.SesmanAddr(), scp.SessionRequest{Username: u.Name, Password: u.Password})
		cancel()
		Expect(err).To(HaveOccurred())

		By("after Heal a new sesman answers, and gives user1 a second session")
		Expect(f.Heal(ctx, srv)).To(Succeed())
		Expect(mainPID(ctx, srv, "xrdp-sesman")).NotTo(Equal(old))
		Expect(requestSession(ctx, srv, 1).Display).To(Equal(11))
		Eventually(liveXvnc).WithContext(ctx).WithArguments(srv).Should(And(HaveKey(10), HaveKey(11)))
		Expect(strings.Count(logOf(ctx, srv, containers.SesmanLog), "++ created session (access granted): username user1")).To(Equal(2))
		Expect(logOf(ctx, srv, containers.SesmanLog)).NotTo(ContainSubstring("++ reconnected session"))
		Expect(f.Heal(ctx, srv)).To(Succeed(), "a second Heal has nothing to do")
		report("restart sesman", "old session (display 10) orphaned under init and alive; user1 got a new session on display 11: two Xvnc for one user")
	}, SpecTimeout(3*time.Minute))

	It("restarts xrdp after SIGKILL: the stale pid file is removed, connected clients keep their xrdp child", Label("docker"), func(ctx SpecContext) {
		srv := run(ctx, containers.WithUsers(2))
		u := srv.Users()[0]
		dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		conn, res := fakeclient.Dial(dctx, fakeclient.Config{Addr: srv.RDPAddr(), User: u.Name, Password: u.Password, BPP: 24})
		cancel()
		Expect(res.Err).NotTo(HaveOccurred())
		DeferCleanup(func(ctx context.Context) { _ = conn.Close(ctx, fakeclient.Abrupt) })
		old := mainPID(ctx, srv, "xrdp")
		var child int
		for _, p := range ps(ctx, srv) {
			if p.Comm == "xrdp" && p.PPID == old {
				child = p.PID
			}
		}
		Expect(child).NotTo(BeZero(), "no xrdp child for the connection")

		f := &fault.Restart{Process: "xrdp", Sig: "KILL"}
		detail, err := f.Inject(ctx, srv)
		Expect(err).NotTo(HaveOccurred())
		Expect(detail).To(HavePrefix(fmt.Sprintf("SIGKILL xrdp pid %d; heal starts", old)))
		Expect(logOf(ctx, srv, "/var/run/xrdp/xrdp.pid")).To(HavePrefix(fmt.Sprint(old)), "SIGKILL leaves the pid file")
		p, ok := findProc(ps(ctx, srv), child)
		Expect(ok).To(BeTrue(), "the connection's xrdp child died with the main process")
		Expect(p.PPID).To(Equal(1))
		Expect(conn.Done()).NotTo(BeClosed(), "the client lost its connection")

		Expect(f.Heal(ctx, srv)).To(Succeed())
		Expect(mainPID(ctx, srv, "xrdp")).NotTo(Equal(old))
		Expect(rdpLogin(ctx, srv.RDPAddr(), srv.Users()[1], 30*time.Second).Outcome).To(Equal(fakeclient.OK))
		Expect(conn.Done()).NotTo(BeClosed(), "the client lost its connection")
		report("restart xrdp", "SIGKILL main xrdp: the connected client's xrdp child %d lives on under init, its connection stays up; pid file stale until heal", child)
	}, SpecTimeout(3*time.Minute))
})
