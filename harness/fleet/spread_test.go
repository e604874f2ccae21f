package fleet_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/harness/check"
	"github.com/xrdp-harness/xrdp-harness/scenarios"
)

const spreadScenario = `name: fleet-round-robin
targets:
  - users: 2
  - users: 2
load:
  - kind: reconnect-storm
    cycles: 3
    concurrency: 1
    hold: 800ms
    think: 300ms
    style: abrupt
settle: 3s
maxDuration: 2m
`

var _ = Describe("a fleet scenario with round robin", Label("docker"), func() {
	It("gives each user one host and judges every host and the fleet", func(ctx SpecContext) {
		spec, err := scenarios.Parse("fleet.yaml", strings.NewReader(spreadScenario))
		Expect(err).NotTo(HaveOccurred())
		plan, checkers, err := spec.Plan("0.9.21.1", containers.WithBuilder(builder))
		Expect(err).NotTo(HaveOccurred())
		progress := make(chan harness.Progress, 1024)
		live := map[int]harness.Op{}
		collected := make(chan struct{})
		go func() {
			defer close(collected)
			for p := range progress {
				if p.Kind == harness.KindOp && p.Op != nil {
					live[p.Op.ID] = *p.Op
				}
			}
		}()
		rec, err := harness.Run(ctx, plan, harness.WithProgress(progress))
		close(progress)
		<-collected
		Expect(err).NotTo(HaveOccurred())
		Expect(rec.Targets).To(HaveLen(3)) // the front and two hosts

		By("live events name the host the balancer chose, as the logs do afterwards")
		Expect(live).NotTo(BeEmpty())
		compared := 0
		for _, o := range rec.Ops {
			l, ok := live[o.ID]
			if !ok || o.Via != "front" {
				continue
			}
			compared++
			Expect(l.Via).To(Equal("front"), "op %d", o.ID)
			Expect(l.Target).To(Equal(o.Target), "op %d (%s %s): live against attributed from the logs", o.ID, o.User, o.Kind)
		}
		Expect(compared).To(BeNumerically(">=", 6), "ops attributed from the logs and seen live")
		ok := 0
		for _, o := range rec.Ops {
			if o.Outcome == harness.OK && (o.Kind == harness.OpLogin || o.Kind == harness.OpReconnect) {
				ok++
			}
		}
		Expect(ok).To(Equal(6))

		By("each host saw the sessions of one user only")
		seen := map[string]map[string]bool{}
		for _, l := range rec.Logs {
			if l.Source != harness.LogSesman || !strings.Contains(l.Text, "Session started successfully for user ") {
				continue
			}
			u := strings.Fields(l.Text[strings.Index(l.Text, "for user ")+len("for user "):])[0]
			if seen[l.Target] == nil {
				seen[l.Target] = map[string]bool{}
			}
			seen[l.Target][u] = true
		}
		Expect(seen).To(HaveLen(2))
		for tg, us := range seen {
			Expect(us).To(HaveLen(1), "host %s", tg)
		}

		By("per-host and whole-fleet verdicts")
		var vs []harness.Verdict
		for _, c := range checkers {
			vs = append(vs, c.Check(rec)...)
		}
		fleetVs := check.FleetVerdicts(rec, vs)
		Expect(fleetVs).NotTo(BeEmpty())
		for _, v := range fleetVs {
			GinkgoWriter.Printf("fleet %s: %s %s\n", v.Checker, v.Valid, v.Summary)
			switch v.Checker {
			case "reconnect-affinity", "login-latency", "session-leaks":
				// Every host's logins are its own (attributed from the
				// front), so none of these is unknown for want of ops.
				Expect(v.Valid).To(Equal(harness.Valid), "fleet %s: %s", v.Checker, v.Summary)
				Expect(v.Metrics["hosts"]).To(Equal(2.0))
			}
		}
		for _, o := range rec.Ops {
			Expect(o.Via).To(Equal("front"), "op %d", o.ID)
			Expect(seen).To(HaveKey(o.Target), "op %d is on a host", o.ID)
		}
	})
})

const resetScenario = `name: fleet-reset-peer
targets:
  - users: 2
  - users: 2
load:
  - kind: reconnect-storm
    cycles: 1
    hold: 8s
faults:
  - kind: reset-peer
    at: 4s
settle: 2s
maxDuration: 1m
`

var _ = Describe("a network fault in a round-robin fleet", Label("docker"), func() {
	It("acts on the first host's clients: its proxy sits between the balancer and the host", func(ctx SpecContext) {
		spec, err := scenarios.Parse("fleet-reset.yaml", strings.NewReader(resetScenario))
		Expect(err).NotTo(HaveOccurred())
		plan, _, err := spec.Plan("0.9.21.1", containers.WithBuilder(builder))
		Expect(err).NotTo(HaveOccurred())
		rec, err := harness.Run(ctx, plan)
		Expect(err).NotTo(HaveOccurred())
		Expect(rec.Faults).To(HaveLen(1))
		w := rec.Faults[0]
		GinkgoWriter.Printf("%s on %s: %s %s\n", w.Name, w.Target, w.Detail, w.Err)
		Expect(w.Err).To(BeEmpty())
		Expect(w.Target).To(Equal("xrdp-0.9.21.1-1"))
		// One user per host, both holding their session at 4 s: the
		// first host's user is cut, the other is not.
		Expect(w.Detail).To(HavePrefix("reset 1 open connections,"))
	})
})
