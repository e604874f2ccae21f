package scp_test

import (
	"context"
	"crypto/des"
	"encoding/base64"
	"math/bits"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/xrdp-harness/xrdp-harness/fakeclient/scp"
)

// target is the sesman under test. For now it comes from the environment
// (XRDP_SESMAN_ADDR from /tmp/dev/devxrdp.sh, XRDP_CONTAINER its container
// name); the lead will replace it with containers.Run(...).SesmanAddr().
type target struct {
	addr, container string
}

func (tg target) exec(ctx context.Context, cmd string) string {
	out, err := exec.CommandContext(ctx, "docker", "exec", tg.container, "sh", "-c", cmd).CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), "docker exec %s: %s", cmd, out)
	return string(out)
}

func (tg target) sesmanLog(ctx context.Context) string {
	return tg.exec(ctx, "cat /var/log/xrdp-sesman.log")
}

var _ = Describe("SCP v0 against a real xrdp 0.9.x sesman", Label("docker"), func() {
	var tg target

	BeforeEach(func() {
		tg = target{addr: os.Getenv("XRDP_SESMAN_ADDR"), container: os.Getenv("XRDP_CONTAINER")}
		if tg.addr == "" || tg.container == "" {
			Skip("set XRDP_SESMAN_ADDR and XRDP_CONTAINER (see /tmp/dev/devxrdp.sh)")
		}
	})

	It("grants a display, reconnects the same request to it, and denies a wrong password", func(ctx SpecContext) {
		// A user of its own so earlier runs against the same container
		// cannot have left a session that makes the first request a
		// reconnect: pick one without a session yet.
		user := ""
		for i := 20; i >= 1; i-- {
			u := "u" + strconv.Itoa(i)
			if !strings.Contains(tg.sesmanLog(ctx), "username "+u+",") {
				user = u
				break
			}
		}
		if user == "" {
			Skip("every user u1..u20 already has a session in this container; start a fresh one")
		}
		req := scp.SessionRequest{Username: user, Password: "pass" + user[1:], ClientIP: "127.0.0.1:4242"}

		first, err := scp.RequestSession(ctx, tg.addr, req)
		Expect(err).NotTo(HaveOccurred())
		Expect(first.Display).To(BeNumerically(">=", 10))
		Expect(first.HasGUID).To(BeTrue(), "0.9.21 sends the session GUID")
		Expect(tg.sesmanLog(ctx)).To(ContainSubstring("++ created session (access granted): username " + user))

		// The -rfbauth file sesman wrote holds the password derived from the GUID.
		fileRE := regexp.MustCompile(`-rfbauth (\S+:` + strconv.Itoa(first.Display) + `) `)
		Eventually(func() []string { return fileRE.FindStringSubmatch(tg.sesmanLog(ctx)) }).WithContext(ctx).Should(HaveLen(2))
		passwdFile := fileRE.FindStringSubmatch(tg.sesmanLog(ctx))[1]
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(tg.exec(ctx, "base64 "+passwdFile)))
		Expect(err).NotTo(HaveOccurred())
		Expect(vncPasswdFile(raw)).To(Equal(first.VNCPassword()))

		second, err := scp.RequestSession(ctx, tg.addr, req)
		Expect(err).NotTo(HaveOccurred())
		Expect(second.Display).To(Equal(first.Display))
		Expect(second.GUIDHex()).To(Equal(first.GUIDHex()), "a reconnect keeps the session GUID")
		Eventually(tg.sesmanLog).WithContext(ctx).Should(ContainSubstring(
			"++ reconnected session: username " + user + ", display :" + strconv.Itoa(first.Display) + ".0"))

		bad := req
		bad.Password = "wrong"
		_, err = scp.RequestSession(ctx, tg.addr, bad)
		var denied *scp.DeniedError
		Expect(err).To(BeAssignableToTypeOf(denied))
		Expect(scp.Reason(err)).To(Equal("denied"))
	}, SpecTimeout(60*time.Second))

	It("authenticates without creating a session", func(ctx SpecContext) {
		Expect(scp.Authenticate(ctx, tg.addr, "u3", "pass3")).To(Succeed())
		err := scp.Authenticate(ctx, tg.addr, "u3", "nope")
		var denied *scp.DeniedError
		Expect(err).To(BeAssignableToTypeOf(denied))
		Expect(err.(*scp.DeniedError).Status).NotTo(BeZero())
	}, SpecTimeout(30*time.Second))
})

// vncPasswdFile decodes a VNC password file (vncpasswd format: the password
// DES-encrypted with VNC's fixed key, whose bytes are bit-reversed like
// every VNC DES key).
func vncPasswdFile(b []byte) string {
	key := []byte{23, 82, 107, 6, 35, 78, 88, 7}
	for i := range key {
		key[i] = bits.Reverse8(key[i])
	}
	c, err := des.NewCipher(key)
	Expect(err).NotTo(HaveOccurred())
	Expect(b).To(HaveLen(8))
	out := make([]byte, 8)
	c.Decrypt(out, b)
	return strings.TrimRight(string(out), "\x00")
}
