package rfb_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/xrdp-harness/xrdp-harness/containers/agent"
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

// The target comes from the environment for now (XRDP_SESMAN_ADDR and
// XRDP_CONTAINER, see /tmp/dev/devxrdp.sh); the lead will switch this to
// containers.Run. Xvnc listens on 127.0.0.1 inside the container only, so
// the probe runs there, as the agent binary.
var _ = Describe("the RFB probe against a real Xvnc started by sesman", Label("docker"), Ordered, func() {
	var sesmanAddr, ctr string

	BeforeAll(func(ctx SpecContext) {
		sesmanAddr, ctr = os.Getenv("XRDP_SESMAN_ADDR"), os.Getenv("XRDP_CONTAINER")
		if sesmanAddr == "" || ctr == "" {
			Skip("set XRDP_SESMAN_ADDR and XRDP_CONTAINER (see /tmp/dev/devxrdp.sh)")
		}
		bin, err := agent.Build(ctx, GinkgoT().TempDir(), "")
		Expect(err).NotTo(HaveOccurred())
		out, err := exec.CommandContext(ctx, "docker", "cp", bin, ctr+":"+agent.DefaultBin).CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), string(out))
	}, NodeTimeout(3*time.Minute))

	probe := func(ctx context.Context, args ...string) probeOut {
		cmd := exec.CommandContext(ctx, "docker", append([]string{"exec", ctr, agent.DefaultBin, "rfb-probe"}, args...)...)
		b, _ := cmd.Output() // exit status 1 when the probe failed; the JSON says why
		var out probeOut
		Expect(json.Unmarshal(b, &out)).To(Succeed(), "rfb-probe printed %q", b)
		return out
	}

	It("passes VNC authentication with the password derived from the session GUID", func(ctx SpecContext) {
		rep, err := scp.RequestSession(ctx, sesmanAddr, scp.SessionRequest{Username: "u5", Password: "pass5"})
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
		Expect(res.Name).To(HavePrefix("u5@"), "TigerVNC names the desktop user@host")

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
