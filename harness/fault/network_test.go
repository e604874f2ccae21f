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
	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/harness/fault"
)

var _ = Describe("Network faults through a Proxied lab", Label("docker"), func() {
	var (
		t   harness.Target
		srv *containers.Server
	)

	BeforeEach(func(ctx SpecContext) {
		inner := &containers.Lab{Nodes: []containers.Node{{Version: version}},
			Options: []containers.Option{containers.WithBuilder(builder), containers.WithUsers(3)}}
		lab := fault.Proxied(inner)
		ts, err := lab.Up(ctx)
		DeferCleanup(func(ctx context.Context) { Expect(lab.Down(ctx)).To(Succeed()) })
		Expect(err).NotTo(HaveOccurred())
		t, srv = ts[0], inner.Servers()[0]
		Expect(t.RDPAddr()).NotTo(Equal(srv.RDPAddr()))
	}, NodeTimeout(3*time.Minute))

	It("blackhole: logins end as info/timeout, and succeed again after Heal", func(ctx SpecContext) {
		Expect(rdpLogin(ctx, t.RDPAddr(), t.Users()[0], 30*time.Second).Outcome).To(Equal(fakeclient.OK))
		received := strings.Count(logOf(ctx, srv, containers.XrdpLog), "connection received")

		f := &fault.Blackhole{}
		detail, err := f.Inject(ctx, t)
		Expect(err).NotTo(HaveOccurred())
		Expect(detail).To(HavePrefix("blackhole both ways at proxy " + t.RDPAddr()))
		res := rdpLogin(ctx, t.RDPAddr(), t.Users()[1], 5*time.Second)
		Expect(res.Outcome).To(Equal(fakeclient.Info))
		Expect(res.Reason).To(Equal(fakeclient.ReasonTimeout))
		Expect(strings.Count(logOf(ctx, srv, containers.XrdpLog), "connection received")).To(Equal(received), "a held connection reached xrdp")

		Expect(f.Heal(ctx, t)).To(Succeed())
		Expect(rdpLogin(ctx, t.RDPAddr(), t.Users()[1], 30*time.Second).Outcome).To(Equal(fakeclient.OK))
	}, SpecTimeout(2*time.Minute))

	It("reset-peer: a connected client is cut off, xrdp keeps the session, the user reconnects after Heal", func(ctx SpecContext) {
		u := t.Users()[0]
		dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		conn, res := fakeclient.Dial(dctx, fakeclient.Config{Addr: t.RDPAddr(), User: u.Name, Password: u.Password, BPP: 24})
		cancel()
		Expect(res.Err).NotTo(HaveOccurred())
		DeferCleanup(func(ctx context.Context) { _ = conn.Close(ctx, fakeclient.Abrupt) })
		child := 0
		for _, p := range ps(ctx, srv) {
			if p.Comm == "xrdp" && p.PPID == mainPID(ctx, srv, "xrdp") {
				child = p.PID
			}
		}
		Expect(child).NotTo(BeZero())

		f := &fault.ResetPeer{}
		detail, err := f.Inject(ctx, t)
		Expect(err).NotTo(HaveOccurred())
		Expect(detail).To(HavePrefix("reset 1 open connections, reset new connections"))
		Eventually(conn.Done()).Should(BeClosed())
		Expect(conn.Err()).To(MatchError(ContainSubstring("reset")))
		Eventually(func(ctx context.Context) bool { _, ok := findProc(ps(ctx, srv), child); return ok }).WithContext(ctx).WithTimeout(40*time.Second).Should(BeFalse(),
			"xrdp's child for the reset connection lives on") // it notices after its chansrv connect retries (~16s)
		res = rdpLogin(ctx, t.RDPAddr(), t.Users()[1], 10*time.Second)
		Expect(res.Outcome).NotTo(Equal(fakeclient.OK))

		Expect(f.Heal(ctx, t)).To(Succeed())
		Expect(rdpLogin(ctx, t.RDPAddr(), u, 30*time.Second).Outcome).To(Equal(fakeclient.OK))
		slog := logOf(ctx, srv, containers.SesmanLog)
		Expect(slog).To(ContainSubstring("++ reconnected session: username user1"))
		Expect(slog).NotTo(ContainSubstring("++ terminated session"))
		report("reset-peer", "client error: %v; new login during hold: %s/%s; xrdp.log after the reset:\n%s",
			conn.Err(), res.Outcome, res.Reason, grepLines(logOf(ctx, srv, containers.XrdpLog), fmt.Sprintf("[pid:%d ", child)))
	}, SpecTimeout(2*time.Minute))

	It("latency: logins still succeed over 100ms each way", func(ctx SpecContext) {
		f := &fault.Latency{Delay: 100 * time.Millisecond, Jitter: 20 * time.Millisecond}
		_, err := f.Inject(ctx, t)
		Expect(err).NotTo(HaveOccurred())
		start := time.Now()
		res := rdpLogin(ctx, t.RDPAddr(), t.Users()[2], 60*time.Second)
		Expect(res.Outcome).To(Equal(fakeclient.OK))
		report("latency", "login over 100±20ms each way took %v; phases %v", time.Since(start).Round(time.Millisecond), res.Phases)
		Expect(f.Heal(ctx, t)).To(Succeed())
	}, SpecTimeout(2*time.Minute))
})

// grepLines keeps the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
