package rfb_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/fakeclient/scp"
)

// probeOut is what `xrdp-harness-agent rfb-probe` prints.
type probeOut struct {
	Banner        string `json:"banner"`
	SecurityTypes []int  `json:"securityTypes"`
	Reason        string `json:"reason"`
	AuthTried     bool   `json:"authTried"`
	AuthOK        bool   `json:"authOK"`
	Width         int    `json:"width"`
	Height        int    `json:"height"`
	Name          string `json:"name"`
	Err           string `json:"error"`
}

// Xvnc listens on 127.0.0.1 inside the container only, so the probe runs
// there, as the agent binary (which containers.Run copies in).
var _ = Describe("the RFB probe against a real Xvnc started by sesman", Label("docker"), Ordered, func() {
	var srv *containers.Server
	var user containers.User

	BeforeAll(func(ctx SpecContext) {
		var err error
		srv, err = containers.Run(ctx, "0.9.21.1", containers.WithUsers(2))
		DeferCleanup(func(ctx SpecContext) { Expect(srv.Terminate(ctx)).To(Succeed()) })
		Expect(err).NotTo(HaveOccurred())
		user = srv.Users()[1]
	}, NodeTimeout(5*time.Minute))

	probe := func(ctx context.Context, args ...string) probeOut {
		// Exit status 1 when the probe failed; the JSON (first line, before
		// the message on stderr) says why.
		_, b, err := srv.Exec(ctx, append([]string{containers.AgentPath, "rfb-probe"}, args...)...)
		Expect(err).NotTo(HaveOccurred())
		var out probeOut
		Expect(json.NewDecoder(strings.NewReader(b)).Decode(&out)).To(Succeed(), "rfb-probe printed %q", b)
		return out
	}

	It("passes VNC authentication with the password derived from the session GUID", func(ctx SpecContext) {
		rep, err := scp.RequestSession(ctx, srv.SesmanAddr(), scp.SessionRequest{Username: user.Name, Password: user.Password})
		Expect(err).NotTo(HaveOccurred())
		Expect(rep.HasGUID).To(BeTrue())
		addr := "127.0.0.1:" + strconv.Itoa(5900+rep.Display)

		// Xvnc may still be starting right after a new session was granted.
		var res probeOut
		Eventually(func() string {
			res = probe(ctx, addr, "-password-guid", rep.GUIDHex())
			return res.Err
		}).WithContext(ctx).Should(BeEmpty())
		Expect(res.Banner).To(Equal("RFB 003.008"))
		Expect(res.SecurityTypes).To(ContainElement(2), "VNC authentication offered")
		Expect(res.AuthTried).To(BeTrue())
		Expect(res.AuthOK).To(BeTrue(), "reason: %s", res.Reason)
		Expect(res.Width).To(BeNumerically(">", 0))
		Expect(res.Height).To(BeNumerically(">", 0))
		Expect(res.Name).To(HavePrefix(user.Name+"@"), "TigerVNC names the desktop user@host")

		By("a wrong GUID gives a wrong password")
		wrong := probe(ctx, addr, "-password-guid", strings.Repeat("0", 32))
		Expect(wrong.Err).To(BeEmpty())
		Expect(wrong.AuthTried).To(BeTrue())
		Expect(wrong.AuthOK).To(BeFalse())
		Expect(wrong.Reason).NotTo(BeEmpty())

		By("without a password the probe stops at the security types")
		bare := probe(ctx, addr)
		Expect(bare.Err).To(BeEmpty())
		Expect(bare.AuthTried).To(BeFalse())
		Expect(bare.SecurityTypes).To(ContainElement(2))

		By("a port nobody listens on is an error")
		none := probe(ctx, "127.0.0.1:5899")
		Expect(none.Err).To(ContainSubstring("connection refused"))
	}, SpecTimeout(60*time.Second))
})
