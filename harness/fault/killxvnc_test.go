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
	"github.com/xrdp-harness/xrdp-harness/harness/fault"
)

var _ = Describe("KillXvnc", func() {
	It("rejects contradictory settings, naming each problem", func() {
		errs := (&fault.KillXvnc{Display: -1, All: true, Timeout: -time.Second}).Validate()
		Expect(errs).To(HaveLen(3))
		Expect(fmt.Sprint(errs)).To(And(ContainSubstring("display -1"), ContainSubstring("All and Display"), ContainSubstring("negative")))
		Expect((&fault.KillXvnc{}).Validate()).To(BeEmpty())
		_, err := (&fault.KillXvnc{Display: -3}).Inject(context.Background(), nil)
		Expect(err).To(MatchError(ContainSubstring("display -3")))
	})

	It("kills the lowest display's Xvnc on 0.9.21.1: sesman keeps the session and reconnects users to the dead display", Label("docker"), func(ctx SpecContext) {
		srv := run(ctx, containers.WithUsers(3))
		Expect(requestSession(ctx, srv, 1).Display).To(Equal(10))
		Expect(requestSession(ctx, srv, 2).Display).To(Equal(11))
		Eventually(liveXvnc).WithContext(ctx).WithArguments(srv).Should(HaveLen(2))
		before := liveXvnc(ctx, srv)

		f := &fault.KillXvnc{}
		detail, err := f.Inject(ctx, srv)
		Expect(err).NotTo(HaveOccurred())
		Expect(detail).To(Equal(fmt.Sprintf("SIGKILL Xvnc :10 pid %d", before[10])))
		Expect(f.Heal(ctx, srv)).To(Succeed())

		By("the X server is a zombie under its session's sesman child, which lives on")
		after := ps(ctx, srv)
		x, ok := findProc(after, before[10])
		Expect(ok).To(BeTrue(), "killed Xvnc not reaped by its parent")
		Expect(x.State).To(HavePrefix("Z"))
		parent, ok := findProc(after, x.PPID)
		Expect(ok).To(BeTrue())
		Expect(parent.Comm).To(Equal("xrdp-sesman"))
		Expect(parent.PPID).To(Equal(mainPID(ctx, srv, "xrdp-sesman")))
		Expect(liveXvnc(ctx, srv)).To(Equal(map[int]int{11: before[11]}))

		By("sesman hands the dead display out again, and xrdp cannot reach it")
		Expect(requestSession(ctx, srv, 1).Display).To(Equal(10))
		Expect(logOf(ctx, srv, containers.SesmanLog)).To(ContainSubstring("++ reconnected session: username user1, display :10.0"))
		Expect(logOf(ctx, srv, containers.SesmanLog)).NotTo(ContainSubstring("++ terminated session"))
		res := rdpLogin(ctx, srv.RDPAddr(), srv.Users()[0], 30*time.Second)
		Expect(res.Outcome).NotTo(Equal(fakeclient.OK))
		Eventually(logFn(srv, containers.XrdpLog)).WithContext(ctx).Should(ContainSubstring("VNC error - problem connecting"))
		report("kill-xvnc", "Xvnc :10 zombie under session child %d; reconnect -> display 10; RDP login %s/%s; xrdp: VNC error - problem connecting",
			x.PPID, res.Outcome, res.Reason)

		By("a user whose X server lives still logs in")
		Expect(rdpLogin(ctx, srv.RDPAddr(), srv.Users()[1], 30*time.Second).Outcome).To(Equal(fakeclient.OK))

		By("All kills the rest; a display with no Xvnc is an error that names the live ones")
		_, err = (&fault.KillXvnc{Display: 12}).Inject(ctx, srv)
		Expect(err).To(MatchError(ContainSubstring("no live Xvnc on display 12 (live: :11)")))
		detail, err = (&fault.KillXvnc{All: true}).Inject(ctx, srv)
		Expect(err).NotTo(HaveOccurred())
		Expect(strings.Count(detail, "Xvnc :")).To(Equal(1))
		Expect(liveXvnc(ctx, srv)).To(BeEmpty())
		_, err = (&fault.KillXvnc{}).Inject(ctx, srv)
		Expect(err).To(MatchError(ContainSubstring("no live Xvnc")))
	}, SpecTimeout(3*time.Minute))
})
