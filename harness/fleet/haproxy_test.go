package fleet_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	tcnetwork "github.com/testcontainers/testcontainers-go/network"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/harness/check"
	"github.com/xrdp-harness/xrdp-harness/harness/fleet"
	"github.com/xrdp-harness/xrdp-harness/harness/load"
)

// balancedRun runs a small reconnect storm through HAProxy in front of three
// xrdp 0.9.21.1 containers on a network of the run's own, and returns the
// Record and the balancer's connection log.
func balancedRun(ctx context.Context, persist bool) (*harness.Record, string) {
	GinkgoHelper()
	run := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	net, err := tcnetwork.New(ctx, tcnetwork.WithLabels(map[string]string{
		containers.LabelHarness: "true", containers.LabelOwner: containers.OwnerLabel()}))
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func(ctx context.Context) { Expect(net.Remove(ctx)).To(Succeed()) })
	var nodes []containers.Node
	var servers []string
	for _, n := range []string{"a", "b", "c"} {
		name := "xh-fleet-" + run + "-" + n
		servers = append(servers, name+":3389")
		nodes = append(nodes, containers.Node{Version: "0.9.21.1", Options: []containers.Option{
			containers.WithName(name), containers.WithTargetName("xrdp-" + n)}})
	}
	lab := &containers.Lab{Nodes: nodes, Options: []containers.Option{
		containers.WithBuilder(builder), containers.WithUsers(4), containers.WithNetworks(net.Name)}}
	var lb *containers.Balancer
	DeferCleanup(func(ctx context.Context) { Expect(lb.Terminate(ctx)).To(Succeed()) })
	front := fleet.Front(lab, func(ctx context.Context, _ []harness.Target) (string, error) {
		var err error
		lb, err = containers.RunHAProxy(ctx, builder, net.Name, containers.HAProxyConfig(servers, persist))
		if err != nil {
			return "", err
		}
		return lb.Addr(), nil
	})
	plan := harness.Plan{
		Name: fmt.Sprintf("fleet-persist-%v", persist),
		Lab:  front,
		// Four users over three servers, one login at a time: plain round
		// robin sends user1's second login to the second server (the
		// fourth login took the first), so some reconnect must go
		// elsewhere; with persistence each server keeps the users it got
		// first, and every server gets one (all three are judged).
		Load: []harness.Executor{&load.ReconnectStorm{Client: load.RDP{Timeout: 45 * time.Second}, Users: 4, Cycles: 3,
			Concurrency: 1, Hold: 800 * time.Millisecond, Think: 300 * time.Millisecond, Style: load.Abrupt}},
		Settle:      3 * time.Second,
		MaxDuration: 2 * time.Minute,
	}
	rec, err := harness.Run(ctx, plan)
	Expect(err).NotTo(HaveOccurred())
	logs := lb.Logs(ctx)
	return rec, logs
}

func affinity(rec *harness.Record) map[string]harness.Verdict {
	out := map[string]harness.Verdict{}
	for _, v := range (check.Affinity{}).Check(rec) {
		out[v.Target] = v
	}
	return out
}

var _ = Describe("a fleet behind HAProxy", Label("docker"), func() {
	It("keeps reconnect affinity with RDP-cookie persistence and loses it without", func(ctx SpecContext) {
		By("with persistence on the mstshash cookie (a stick table)")
		rec, logs := balancedRun(ctx, true)
		GinkgoWriter.Println(logs)
		Expect(rec.Targets).To(HaveLen(4))
		ok := 0
		logins := map[string]int{} // host → logins attributed to it
		for _, o := range rec.Ops {
			GinkgoWriter.Printf("op %s %s %s via %s on %s %s %s\n", o.Kind, o.User, o.Outcome, o.Via, o.Target, o.Err, o.End.Sub(o.Start))
			Expect(o.Via).To(Equal(fleet.FrontName), "op %d went through the balancer", o.ID)
			Expect(o.Target).To(BeElementOf("xrdp-a", "xrdp-b", "xrdp-c"), "op %d is on the host that served it", o.ID)
			if o.Outcome == harness.OK && (o.Kind == harness.OpLogin || o.Kind == harness.OpReconnect) {
				ok++
				logins[o.Target]++
			}
		}
		Expect(ok).To(Equal(12), "every login through the balancer")
		By("the attribution agrees with HAProxy's own log (server s1..s3 are xrdp-a..c)")
		for i, n := range []string{"xrdp-a", "xrdp-b", "xrdp-c"} {
			Expect(strings.Count(logs, fmt.Sprintf(" xrdp/s%d ", i+1))).To(Equal(logins[n]), "connections HAProxy sent to s%d", i+1)
		}
		with := affinity(rec)
		for _, n := range []string{"xrdp-a", "xrdp-b", "xrdp-c"} {
			Expect(with[n].Valid).To(Equal(harness.Valid), "%s: %s %v", n, with[n].Summary, with[n].Evidence)
		}
		By("per-host latency and leaks are judged on every host, and for the fleet")
		vs := judged(rec)
		for _, n := range []string{"xrdp-a", "xrdp-b", "xrdp-c"} {
			Expect(logins[n]).To(BeNumerically(">", 0), "%s served logins", n)
			for _, c := range []string{"login-latency", "session-leaks"} {
				v := vs[c+"@"+n]
				Expect(v.Valid).NotTo(Equal(harness.Unknown), "%s on %s: %s", c, n, v.Summary)
			}
		}
		for _, c := range []string{"login-latency", "session-leaks"} {
			v := vs[c+"@"+check.FleetTarget]
			Expect(v.Valid).To(Equal(harness.Valid), "fleet %s: %s", c, v.Summary)
		}

		By("with round robin")
		rec, logs = balancedRun(ctx, false)
		GinkgoWriter.Println(logs)
		without := affinity(rec)
		invalid := 0
		for _, n := range []string{"xrdp-a", "xrdp-b", "xrdp-c"} {
			GinkgoWriter.Printf("%s: %s %s\n", n, without[n].Valid, without[n].Summary)
			if without[n].Valid == harness.Invalid {
				invalid++
				Expect(strings.Join(evidence(without[n]), "\n")).To(ContainSubstring("the reconnect landed on the wrong host"))
			}
		}
		Expect(invalid).To(BeNumerically(">=", 1))
	})
})

// judged runs the default checkers and the fleet's sum on rec, by
// "checker@target".
func judged(rec *harness.Record) map[string]harness.Verdict {
	GinkgoHelper()
	checkers, err := check.Default()
	Expect(err).NotTo(HaveOccurred())
	var vs []harness.Verdict
	for _, c := range checkers {
		vs = append(vs, c.Check(rec)...)
	}
	out := map[string]harness.Verdict{}
	for _, v := range append(vs, check.FleetVerdicts(rec, vs)...) {
		GinkgoWriter.Printf("verdict %s@%s: %s %s\n", v.Checker, v.Target, v.Valid, v.Summary)
		out[v.Checker+"@"+v.Target] = v
	}
	return out
}

func evidence(v harness.Verdict) []string {
	var out []string
	for _, e := range v.Evidence {
		out = append(out, e.What)
	}
	return out
}
