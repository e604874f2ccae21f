package harness_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
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

func lab(version string, users int) *containers.Lab {
	return &containers.Lab{
		Nodes:   []containers.Node{{Version: version}},
		Options: []containers.Option{containers.WithBuilder(builder), containers.WithUsers(users)},
	}
}

func countOps(rec *harness.Record, kind harness.OpKind, outcome harness.Outcome) int {
	n := 0
	for _, o := range rec.Ops {
		if o.Kind == kind && (outcome == "" || o.Outcome == outcome) {
			n++
		}
	}
	return n
}

var _ = Describe("Engine", Label("docker"), func() {
	It("runs a reconnect storm on 0.9.21.1 through a sesman freeze and finds the Record valid", func(ctx SpecContext) {
		const users, cycles = 6, 3
		plan := harness.Plan{
			Name: "storm-e2e",
			Lab:  lab("0.9.21.1", users),
			Load: []harness.Executor{&load.ReconnectStorm{
				Client: load.RDP{Timeout: 45 * time.Second}, Users: users, Cycles: cycles, Concurrency: 3,
				Hold: 1500 * time.Millisecond, Think: 300 * time.Millisecond, Style: load.Abrupt,
			}},
			Fault:       []harness.FaultStep{{Fault: &fault.FreezeSesman{}, At: 3 * time.Second, Hold: 3 * time.Second}},
			Settle:      4 * time.Second,
			MaxDuration: 4 * time.Minute,
		}
		rec, err := harness.Run(ctx, plan)
		keepRecord(rec)
		Expect(err).NotTo(HaveOccurred())
		Expect(rec.Partial).To(BeFalse())
		Expect(rec.Notes).To(BeEmpty())

		By("the Record holds every operation, the fault window, process events and logs")
		Expect(rec.Targets).To(HaveLen(1))
		Expect(rec.Targets[0].Version).To(Equal("0.9.21.1"))
		Expect(countOps(rec, harness.OpLogin, harness.OK) + countOps(rec, harness.OpReconnect, harness.OK)).To(Equal(users * cycles))
		Expect(countOps(rec, harness.OpReconnect, "")).To(Equal(users * (cycles - 1)))
		Expect(countOps(rec, harness.OpDisconnect, harness.OK)).To(Equal(users * cycles))
		for _, o := range rec.Ops {
			Expect(o.End).To(BeTemporally(">=", o.Start))
			if o.Kind != harness.OpDisconnect {
				Expect(o.Phases).NotTo(BeEmpty())
				Expect(o.Client).To(HavePrefix("xh"))
			}
		}
		Expect(rec.Faults).To(HaveLen(1))
		w := rec.Faults[0]
		Expect(w.Err).To(BeEmpty())
		Expect(w.Detail).To(ContainSubstring("SIGSTOP xrdp-sesman pid"))
		Expect(w.Heal.Sub(w.Inject)).To(BeNumerically(">=", 3*time.Second))
		xvnc := 0
		for _, e := range rec.Procs {
			if (e.Kind == harness.ProcStart || e.Kind == harness.ProcExec) && e.Comm == "Xvnc" {
				xvnc++
			}
		}
		Expect(xvnc).To(BeNumerically(">=", users), "one Xvnc per user seen starting")
		Expect(rec.Ticks).NotTo(BeEmpty())
		var created, reconnected int
		for _, l := range rec.Logs {
			if l.Source == harness.LogSesman && strings.Contains(l.Text, "++ created session") {
				created++
			}
			if l.Source == harness.LogSesman && strings.Contains(l.Text, "++ reconnected session") {
				reconnected++
			}
		}
		Expect(created).To(Equal(users))
		Expect(reconnected).To(Equal(users * (cycles - 1)))

		By("logins started during the freeze completed only after the thaw")
		// On a loaded machine every client slot can be inside a login that
		// began before the freeze and spans it; those count as met by the
		// freeze too (they cannot prove the hold, but they show the window
		// was not empty of logins).
		held := 0
		for _, o := range rec.Ops {
			if o.Kind == harness.OpDisconnect {
				continue
			}
			if !o.Start.Before(w.Inject) && o.Start.Before(w.Heal) {
				Expect(o.End).To(BeTemporally(">=", w.Heal), "op %d finished while sesman was frozen", o.ID)
				held++
			} else if o.Start.Before(w.Inject) && !o.End.Before(w.Heal) {
				held++
			}
		}
		Expect(held).To(BeNumerically(">", 0), "no login met the freeze window")

		By("every detector finds the Record valid")
		checkers, err := check.Default()
		Expect(err).NotTo(HaveOccurred())
		for _, c := range checkers {
			for _, v := range c.Check(rec) {
				b, _ := json.Marshal(v)
				Expect(v.Valid).To(Equal(harness.Valid), "%s: %s", c.Name(), b)
			}
		}
		data, err := json.Marshal(rec)
		Expect(err).NotTo(HaveOccurred())
		AddReportEntry("record", fmt.Sprintf("%d ops, %d proc events, %d ticks, %d log lines, %d KiB JSON",
			len(rec.Ops), len(rec.Procs), len(rec.Ticks), len(rec.Logs), len(data)>>10))
	})

	It("stops promptly when cancelled, returns the partial Record and removes the lab", func(ctx SpecContext) {
		progress := make(chan harness.Progress, 1024)
		runCtx, cancel := context.WithCancel(ctx)
		defer cancel()
		type result struct {
			rec *harness.Record
			err error
		}
		done := make(chan result, 1)
		go func() {
			rec, err := harness.Run(runCtx, harness.Plan{
				Name: "cancel-e2e",
				Lab:  lab("0.9.21.1", 4),
				Load: []harness.Executor{&load.ReconnectStorm{Client: load.RDP{}, Users: 4, Cycles: 1000,
					Hold: time.Second, Think: 200 * time.Millisecond}},
				Fault:       []harness.FaultStep{{Fault: &fault.FreezeSesman{}, At: time.Hour, Hold: time.Second}},
				MaxDuration: 20 * time.Minute,
			}, harness.WithProgress(progress))
			done <- result{rec, err}
		}()
		By("waiting for the first successful login, then cancelling")
		Eventually(progress).WithTimeout(3 * time.Minute).Should(Receive(Satisfy(func(p harness.Progress) bool {
			return p.Kind == harness.KindOp && p.Op.Outcome == harness.OK
		})))
		cancelled := time.Now()
		cancel()
		var res result
		Eventually(done).WithTimeout(time.Minute).Should(Receive(&res))
		AddReportEntry("cancel to return", time.Since(cancelled).String())
		Expect(res.err).To(MatchError(context.Canceled))
		Expect(res.rec).NotTo(BeNil())
		Expect(res.rec.Partial).To(BeTrue())
		Expect(res.rec.Ops).NotTo(BeEmpty())
		Expect(res.rec.Faults).To(BeEmpty(), "the fault was scheduled after the cancel")
		left, err := containers.Leftovers(ctx, containers.OwnerLabel())
		Expect(err).NotTo(HaveOccurred())
		Expect(left).To(BeEmpty())
	})
})

// keepRecord writes the Record where XRDP_HARNESS_KEEP points, for a
// person to read after a failure.
func keepRecord(rec *harness.Record) {
	dir := os.Getenv("XRDP_HARNESS_KEEP")
	if dir == "" || rec == nil {
		return
	}
	data, err := json.MarshalIndent(rec, "", " ")
	Expect(err).NotTo(HaveOccurred())
	Expect(os.WriteFile(filepath.Join(dir, rec.Scenario+".json"), data, 0o644)).To(Succeed())
}
