package scenarios_test

import (
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/reports"
	"github.com/xrdp-harness/xrdp-harness/scenarios"
)

func verdictOf(run reports.Run, checker string) harness.Verdict {
	for _, v := range run.Verdicts {
		if v.Checker == checker {
			return v
		}
	}
	Fail("no verdict from " + checker)
	return harness.Verdict{}
}

// runOf is the suite's run on version (runs follow the build order, not
// the order versions were given: packaged versions run first).
func runOf(suite reports.Suite, version string) reports.Run {
	for _, r := range suite.Runs {
		if r.Version == version {
			return r
		}
	}
	Fail("no run on " + version)
	return reports.Run{}
}

func describe(run reports.Run) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s @ %s: %s %s\n", run.Scenario, run.Version, run.Outcome(), run.Err)
	for _, v := range run.Verdicts {
		fmt.Fprintf(&b, "  %-15s %-8s %s\n", v.Checker, v.Valid, v.Summary)
	}
	return b.String()
}

var _ = Describe("reconnect-storm", Label("docker", "slow"), Ordered, func() {
	var suite reports.Suite

	BeforeAll(func(ctx SpecContext) {
		spec, err := scenarios.Builtin("reconnect-storm")
		Expect(err).NotTo(HaveOccurred())
		stock, err := scenarios.ParseVersion("0.9.21.1", nil)
		Expect(err).NotTo(HaveOccurred())
		// Upstream's 0.9.21.1 tarball (Debian's orig) with 0.9.17's
		// one-child-per-SIGCHLD reaping put back.
		defective, err := scenarios.ParseVersion(scenarios.DefectBuild, nil)
		Expect(err).NotTo(HaveOccurred())
		suite, err = scenarios.RunSuite(ctx, scenarios.SuiteOptions{
			Name: "defect-proof", Scenarios: []scenarios.Spec{spec},
			Versions: []scenarios.Version{defective, stock}, Builder: builder,
			Compare: [][2]string{{defective.Label, stock.Label}},
		})
		Expect(err).NotTo(HaveOccurred())
		Expect(suite.Runs).To(HaveLen(2))
		for _, r := range suite.Runs {
			AddReportEntry(r.Version, describe(r))
		}
	})

	It("finds the SIGCHLD defect in a build that reaps one child per signal", func() {
		run := runOf(suite, "0.9.21.1+sigchld-reap-one")
		Expect(run.Outcome()).To(Equal(harness.Invalid), describe(run))
		z := verdictOf(run, "zombies")
		Expect(z.Valid).To(Equal(harness.Invalid))
		Expect(fmt.Sprint(z.Evidence)).To(ContainSubstring("reconnectwm.sh"))
		Expect(z.Metrics["zombies_max"]).To(BeNumerically(">=", 5))
		By("the ends of young sessions went unnoticed: users were sent to dead displays")
		Expect(verdictOf(run, "stale-sessions").Valid).To(Equal(harness.Invalid), describe(run))
		Expect(verdictOf(run, "vnc-errors").Valid).To(Equal(harness.Invalid), describe(run))
	})

	It("finds the stock build healthy under the same load", func() {
		run := runOf(suite, "0.9.21.1")
		Expect(run.Outcome()).To(Equal(harness.Valid), describe(run))
	})

	It("reports the upgrade as fixing the defect", func() {
		Expect(suite.Comparisons).To(HaveLen(1))
		cmp := suite.Comparisons[0]
		Expect(fmt.Sprintf("%+v", cmp)).To(ContainSubstring("fixed"))
	})
})
