package fault_test

import (
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/harness/check"
	"github.com/xrdp-harness/xrdp-harness/harness/fault"
	"github.com/xrdp-harness/xrdp-harness/harness/load"
)

var _ = Describe("A blackhole scheduled by the engine", Label("docker"), func() {
	It("turns the logins inside its window into info/timeout and leaves the others ok", func(ctx SpecContext) {
		// The timeout is what turns a blackholed login into info/timeout;
		// it is long enough that a first login on a loaded machine (one
		// took over 3 s beside a make run, load average 10) is not mistaken
		// for the fault, and the window holds more than one of them.
		const timeout = 10 * time.Second
		plan := harness.Plan{
			Name: "blackhole-engine",
			Lab: fault.Proxied(&containers.Lab{Nodes: []containers.Node{{Version: version}},
				Options: []containers.Option{containers.WithBuilder(builder), containers.WithUsers(4)}}),
			Load:        []harness.Executor{load.Constant(load.RDP{Timeout: timeout, BPP: 24}, 1, 40*time.Second, 500*time.Millisecond, load.Graceful)},
			Fault:       []harness.FaultStep{{Fault: &fault.Blackhole{}, At: 12 * time.Second, Hold: 16 * time.Second}},
			MaxDuration: 3 * time.Minute,
		}
		rec, err := harness.Run(ctx, plan)
		Expect(err).NotTo(HaveOccurred())
		Expect(rec.Notes).To(BeEmpty())
		Expect(rec.Targets[0].Config).To(HaveKey("rdp.proxy"))
		Expect(rec.Faults).To(HaveLen(1))
		w := rec.Faults[0]
		Expect(w.Err).To(BeEmpty())
		Expect(w.Detail).To(HavePrefix("blackhole both ways at proxy 127.0.0.1:"))

		var inside, after int
		for _, o := range rec.Ops {
			if o.Kind != harness.OpLogin && o.Kind != harness.OpReconnect {
				continue
			}
			switch {
			case o.End.Before(w.Inject):
				Expect(o.Outcome).To(Equal(harness.OK), "op %d before the fault", o.ID)
			case !o.Start.Before(w.Inject) && o.Start.Add(timeout).Before(w.Heal):
				Expect(o.Outcome).To(Equal(harness.Info), "op %d inside the fault", o.ID)
				Expect(o.Reason).To(Equal("timeout"))
				inside++
			case o.Start.After(w.Heal):
				Expect(o.Outcome).To(Equal(harness.OK), "op %d after the heal", o.ID)
				after++
			}
		}
		Expect(inside).To(BeNumerically(">=", 3))
		Expect(after).To(BeNumerically(">=", 2))
		checkers, err := check.Default()
		Expect(err).NotTo(HaveOccurred())
		var verdicts []string
		for _, c := range checkers {
			for _, v := range c.Check(rec) {
				verdicts = append(verdicts, fmt.Sprintf("%s: %s (%s)", v.Checker, v.Valid, v.Summary))
			}
		}
		report("blackhole via engine", "%d logins inside the window all info/timeout, %d after heal ok; detectors:\n%s",
			inside, after, strings.Join(verdicts, "\n"))
	}, SpecTimeout(4*time.Minute))
})
