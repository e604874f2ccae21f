package containers_test

import (
	"context"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/fakeclient"
)

var _ = Describe("xfce4 desktop", Label("docker", "capacity"), func() {
	It("starts Xfce with a session bus in a session, and a reconnect lands on the same running desktop", func(ctx SpecContext) {
		srv := run(ctx, "0.9.21.1", containers.WithDesktop(containers.Desktop{Kind: containers.DesktopXfce4}), containers.WithUsers(1))
		Expect(srv.Image().Flavour).To(Equal("debian-xfce4"))
		u := srv.Users()[0]
		login := func(name string) *fakeclient.Conn {
			conn, res := fakeclient.Dial(ctx, fakeclient.Config{Addr: srv.RDPAddr(), User: u.Name, Password: u.Password, ClientName: name})
			Expect(res.Err).NotTo(HaveOccurred())
			return conn
		}
		desktop := func() string {
			// The session's processes, one "comm pid" per line.
			_, out, err := srv.Exec(ctx, "ps", "-u", u.Name, "-o", "comm=,pid=")
			Expect(err).NotTo(HaveOccurred())
			return out
		}
		conn := login("desk1")
		pidOf := func(out, comm string) string {
			m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(comm) + `\s+(\d+)$`).FindStringSubmatch(out)
			if m == nil {
				return ""
			}
			return m[1]
		}
		var first string
		Eventually(func(g Gomega) {
			out := desktop()
			for _, comm := range []string{"xfce4-session", "xfwm4", "xfce4-panel", "xfdesktop", "dbus-daemon", "Xvnc"} {
				g.Expect(pidOf(out, comm)).NotTo(BeEmpty(), "%s in\n%s", comm, out)
			}
			first = pidOf(out, "xfce4-session")
		}).WithContext(ctx).WithTimeout(90 * time.Second).WithPolling(500 * time.Millisecond).Should(Succeed())
		Expect(conn.Graphics().Updates).To(BeNumerically(">", 0))
		Expect(conn.Close(ctx, fakeclient.Graceful)).To(Succeed())

		conn = login("desk2")
		DeferCleanup(func(ctx context.Context) { _ = conn.Close(ctx, fakeclient.Graceful) })
		Eventually(func() string {
			log, _ := srv.ReadFile(ctx, containers.SesmanLog)
			return log
		}).WithContext(ctx).WithTimeout(30 * time.Second).Should(MatchRegexp(`reconnected session: username ` + u.Name + `, display :10\.0`))
		out := desktop()
		Expect(pidOf(out, "xfce4-session")).To(Equal(first), "the same xfce4-session runs after the reconnect:\n%s", out)
		Expect(strings.Count(out, "xfce4-session")).To(Equal(1), out)
	})
})
