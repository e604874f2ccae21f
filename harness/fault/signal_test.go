package fault_test

import (
	"context"
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/fakeclient"
	"github.com/xrdp-harness/xrdp-harness/harness/fault"
)

var _ = Describe("Signal", func() {
	It("rejects bad settings, naming each problem", func() {
		errs := (&fault.Signal{Process: "Xvnc", Sig: "BOGUS"}).Validate()
		Expect(errs).To(HaveLen(2))
		Expect(fmt.Sprint(errs)).To(And(ContainSubstring(`process "Xvnc"`), ContainSubstring(`signal "BOGUS"`)))
		Expect((&fault.Signal{Process: "xrdp", Sig: "STOP"}).Validate()).To(ConsistOf(MatchError(ContainSubstring("use FreezeSesman"))))
		Expect((&fault.Signal{Process: "xrdp-sesman", Sig: "sighup"}).Validate()).To(BeEmpty())
		Expect((&fault.Signal{Process: "xrdp"}).Validate()).To(BeEmpty())
	})

	It("HUP reloads sesman, is ignored by xrdp; TERM ends sesman and orphans its sessions (0.9.21.1)", Label("docker"), func(ctx SpecContext) {
		srv := run(ctx, containers.WithUsers(2))
		Expect(requestSession(ctx, srv, 1).Display).To(Equal(10))
		Eventually(liveXvnc).WithContext(ctx).WithArguments(srv).Should(HaveKey(10))
		sesman, xrdp := mainPID(ctx, srv, "xrdp-sesman"), mainPID(ctx, srv, "xrdp")

		By("SIGHUP to sesman: config reload, same process, sessions kept")
		detail, err := (&fault.Signal{Process: "xrdp-sesman", Sig: "HUP"}).Inject(ctx, srv)
		Expect(err).NotTo(HaveOccurred())
		Expect(detail).To(Equal(fmt.Sprintf("SIGHUP xrdp-sesman pid %d", sesman)))
		Eventually(logFn(srv, containers.SesmanLog)).WithContext(ctx).Should(And(
			ContainSubstring("receiving SIGHUP"), ContainSubstring("configuration reloaded, log subsystem restarted")))
		Expect(mainPID(ctx, srv, "xrdp-sesman")).To(Equal(sesman))
		Expect(requestSession(ctx, srv, 1).Display).To(Equal(10))

		By("SIGHUP to xrdp: nothing changes, logins work")
		detail, err = (&fault.Signal{Process: "xrdp", Sig: "HUP"}).Inject(ctx, srv)
		Expect(err).NotTo(HaveOccurred())
		Expect(detail).To(Equal(fmt.Sprintf("SIGHUP xrdp pid %d", xrdp)))
		Expect(rdpLogin(ctx, srv.RDPAddr(), srv.Users()[1], 30*time.Second).Outcome).To(Equal(fakeclient.OK))
		Expect(mainPID(ctx, srv, "xrdp")).To(Equal(xrdp))

		By("SIGTERM to sesman: it exits, its session children live on under init")
		f := &fault.Signal{Process: "xrdp-sesman"}
		detail, err = f.Inject(ctx, srv)
		Expect(err).NotTo(HaveOccurred())
		Expect(detail).To(Equal(fmt.Sprintf("SIGTERM xrdp-sesman pid %d", sesman)))
		Expect(f.Heal(ctx, srv)).To(Succeed())
		Eventually(func(ctx context.Context) bool { _, ok := findProc(ps(ctx, srv), sesman); return ok }).WithContext(ctx).Should(BeFalse())
		Expect(logOf(ctx, srv, containers.SesmanLog)).To(ContainSubstring("sesman_main_loop: sesman asked to terminate"))
		orphans := 0
		for _, p := range ps(ctx, srv) {
			if p.Comm == "xrdp-sesman" {
				Expect(p.PPID).To(Equal(1), "session child %d not adopted by init", p.PID)
				orphans++
			}
		}
		Expect(orphans).To(Equal(2), "one session child per session (user1, user2)")
		Expect(liveXvnc(ctx, srv)).To(HaveLen(2))
		started := time.Now()
		res := rdpLogin(ctx, srv.RDPAddr(), srv.Users()[1], 40*time.Second)
		Expect(res.Outcome).NotTo(Equal(fakeclient.OK))
		Expect(logOf(ctx, srv, containers.XrdpLog)).To(ContainSubstring("Error connecting to sesman on 127.0.0.1:3350"))
		report("signal", "HUP sesman: reload; HUP xrdp: ignored; TERM sesman: exits, %d session children adopted by init, Xvnc live; RDP login then %s/%s after %v (xrdp: Error connecting to sesman)",
			orphans, res.Outcome, res.Reason, time.Since(started).Round(time.Second))
	}, SpecTimeout(3*time.Minute))
})
