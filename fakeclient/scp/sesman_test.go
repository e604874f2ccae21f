package scp_test

import (
	"context"
	"crypto/des"
	"encoding/base64"
	"math/bits"
	"regexp"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/fakeclient/scp"
)

// target is a real xrdp 0.9.21.1 container for the whole suite.
type target struct {
	srv  *containers.Server
	addr string
}

func (tg target) exec(ctx context.Context, cmd string) string {
	code, out, err := tg.srv.Exec(ctx, "sh", "-c", cmd)
	Expect(err).NotTo(HaveOccurred())
	Expect(code).To(Equal(0), "%s: %s", cmd, out)
	return out
}

func (tg target) sesmanLog(ctx context.Context) string {
	out, err := tg.srv.ReadFile(ctx, containers.SesmanLog)
	Expect(err).NotTo(HaveOccurred())
	return out
}

var _ = Describe("SCP v0 against a real xrdp 0.9.x sesman", Label("docker"), Ordered, func() {
	var tg target
	var users []containers.User

	BeforeAll(func(ctx SpecContext) {
		srv, err := containers.Run(ctx, "0.9.21.1", containers.WithUsers(3))
		DeferCleanup(func(ctx SpecContext) { Expect(srv.Terminate(ctx)).To(Succeed()) })
		Expect(err).NotTo(HaveOccurred())
		tg = target{srv: srv, addr: srv.SesmanAddr()}
		users = srv.Users()
	})

	It("grants a display, reconnects the same request to it, and denies a wrong password", func(ctx SpecContext) {
		user := users[0].Name
		req := scp.SessionRequest{Username: user, Password: users[0].Password, ClientIP: "127.0.0.1:4242"}

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
		Expect(scp.Authenticate(ctx, tg.addr, users[2].Name, users[2].Password)).To(Succeed())
		err := scp.Authenticate(ctx, tg.addr, users[2].Name, "nope")
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
