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

// listening reports whether some socket of the container listens on TCP
// port (IPv4 or IPv6), from /proc/net/tcp*.
func listening(ctx context.Context, srv *containers.Server, port int) (bool, error) {
	_, out, err := srv.Exec(ctx, "sh", "-c", "cat /proc/net/tcp /proc/net/tcp6")
	if err != nil {
		return false, err
	}
	needle := fmt.Sprintf(":%04X ", port)
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) > 3 && strings.HasSuffix(f[1]+" ", needle) && f[3] == "0A" {
			return true, nil
		}
	}
	return false, nil
}

var _ = Describe("SquatPort", func() {
	It("rejects bad settings, naming each problem", func() {
		errs := (&fault.SquatPort{Port: 70000, Addr: "localhost", Timeout: -1}).Validate()
		Expect(errs).To(HaveLen(3))
		Expect(fmt.Sprint(errs)).To(And(ContainSubstring("port 70000"), ContainSubstring(`addr "localhost"`), ContainSubstring("negative")))
		Expect((&fault.SquatPort{}).Validate()).To(BeEmpty())
	})

	It("takes the next display's VNC port below 100: 0.9.21.1 sesman detects it and skips the display", Label("docker"), func(ctx SpecContext) {
		srv := run(ctx, containers.WithUsers(3))
		Expect(requestSession(ctx, srv, 1).Display).To(Equal(10))
		Eventually(liveXvnc).WithContext(ctx).WithArguments(srv).Should(HaveKey(10))

		f := &fault.SquatPort{}
		detail, err := f.Inject(ctx, srv)
		Expect(err).NotTo(HaveOccurred())
		Expect(detail).To(MatchRegexp(`^listen 0\.0\.0\.0:5911 \(VNC port of next display 11\) pid \d+$`))
		Expect(listening(ctx, srv, 5911)).To(BeTrue())

		By("sesman finds the port taken and uses display 12")
		Expect(requestSession(ctx, srv, 2).Display).To(Equal(12))
		Expect(logOf(ctx, srv, containers.SesmanLog)).To(ContainSubstring("Found X server running at 5911"))
		Eventually(liveXvnc).WithContext(ctx).WithArguments(srv).Should(HaveKey(12))

		By("Heal frees the port and sesman hands display 11 out again")
		Expect(f.Heal(ctx, srv)).To(Succeed())
		Expect(listening(ctx, srv, 5911)).To(BeFalse())
		Expect(requestSession(ctx, srv, 3).Display).To(Equal(11))
		Eventually(liveXvnc).WithContext(ctx).WithArguments(srv).Should(HaveKey(11))
		Expect(f.Heal(ctx, srv)).To(Succeed(), "a second Heal has nothing to do")

		By("a port that is already taken makes Inject fail and leaves nothing behind")
		_, err = (&fault.SquatPort{Port: containers.RDPPort}).Inject(ctx, srv)
		Expect(err).To(MatchError(ContainSubstring("address already in use")))
		Expect(ps(ctx, srv)).NotTo(ContainElement(HaveField("Args", ContainSubstring(" listen "))), "no squatter left")
	}, SpecTimeout(3*time.Minute))

	It("takes 6018 for display 118: 0.9.21.1 sesman misses it, Xvnc cannot bind and the session dies", Label("docker"), func(ctx SpecContext) {
		srv := run(ctx, containers.WithUsers(3), containers.WithDisplayOffset(118))
		f := &fault.SquatPort{}
		detail, err := f.Inject(ctx, srv)
		Expect(err).NotTo(HaveOccurred())
		Expect(detail).To(MatchRegexp(`^listen 0\.0\.0\.0:6018 \(VNC port of next display 118 = X11 port of display 18\) pid \d+$`))

		By("sesman gives display 118 out anyway; xrdp reaches the squatter instead of Xvnc")
		res := rdpLogin(ctx, srv.RDPAddr(), srv.Users()[0], 30*time.Second)
		Expect(res.Outcome).NotTo(Equal(fakeclient.OK))
		xlog := logOf(ctx, srv, containers.XrdpLog)
		Expect(xlog).To(ContainSubstring("login successful for user user1 on display 118"))
		Expect(xlog).To(ContainSubstring("VNC connecting to 127.0.0.1 6018"))
		Expect(xlog).To(ContainSubstring("VNC error - problem connecting"))
		Expect(logOf(ctx, srv, containers.SesmanLog)).NotTo(ContainSubstring("Found X server running at"))

		By("Xvnc cannot bind; sesman times out and ends the session")
		Eventually(logFn(srv, containers.SesmanLog)).WithContext(ctx).WithTimeout(30 * time.Second).Should(And(
			ContainSubstring("Timed out waiting for X server on display 118"),
			MatchRegexp(`X server on display 118 \(pid \d+\) returned exit code 1`),
			ContainSubstring("++ terminated session:  username user1, display :118.0")))
		report("squat-port display 118", "RDP login %s/%s; xrdp: VNC connecting to 127.0.0.1 6018, VNC error - problem connecting; sesman: Timed out waiting for X server on display 118, Xvnc exit code 1, ++ terminated session",
			res.Outcome, res.Reason)

		By("after Heal display 118 works")
		Expect(f.Heal(ctx, srv)).To(Succeed())
		Expect(rdpLogin(ctx, srv.RDPAddr(), srv.Users()[1], 30*time.Second).Outcome).To(Equal(fakeclient.OK))
		Expect(liveXvnc(ctx, srv)).To(HaveKey(118))
	}, SpecTimeout(3*time.Minute))
})
