package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"

	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/reports"
)

// savedReport writes a report.json of one baseline run whose logins took
// 100 ms each, and returns its path.
func savedReport(dir string) string {
	GinkgoHelper()
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	rec := &harness.Record{Scenario: "baseline", Started: t0, LoadStarted: t0.Add(time.Second), Ended: t0.Add(30 * time.Second),
		Targets: []harness.TargetInfo{{Name: "xrdp-0.9.24", Version: "0.9.24", Flavour: "debian", Policy: "Default", MaxSessions: 50, DisplayOffset: 10, Users: 2}}}
	for i := range 10 {
		start := t0.Add(time.Duration(2+i) * time.Second)
		rec.Ops = append(rec.Ops, harness.Op{ID: i + 1, Target: "xrdp-0.9.24", User: "u1", Kind: harness.OpLogin,
			Start: start, End: start.Add(100 * time.Millisecond), Outcome: harness.OK, Display: 10})
	}
	s := reports.Suite{Name: "saved", Harness: "test", Started: t0, Ended: t0.Add(30 * time.Second),
		Runs: []reports.Run{reports.NewRun(rec, nil, nil)}}
	path := filepath.Join(dir, "report.json")
	var b bytes.Buffer
	Expect(reports.JSON{}.Write(&b, s)).To(Succeed())
	Expect(os.WriteFile(path, b.Bytes(), 0o644)).To(Succeed())
	return path
}

// verdictOf reads one checker's validity from a report.json.
func verdictOf(path, checker string) harness.Validity {
	GinkgoHelper()
	fh, err := os.Open(path)
	Expect(err).NotTo(HaveOccurred())
	defer fh.Close()
	s, err := reports.ReadJSON(fh)
	Expect(err).NotTo(HaveOccurred())
	for _, r := range s.Runs {
		for _, v := range r.Verdicts {
			if v.Checker == checker {
				return v.Valid
			}
		}
	}
	return ""
}

var _ = Describe("judge", func() {
	It("judges the saved Records again with a threshold override and rewrites every format", func() {
		dir := GinkgoT().TempDir()
		report := savedReport(dir)
		out := filepath.Join(dir, "again")
		s := start("judge", report, "--out", out)
		Eventually(s).WithTimeout(time.Minute).Should(gexec.Exit())
		Expect(verdictOf(filepath.Join(out, "report.json"), "login-latency")).To(Equal(harness.Valid))

		s = start("judge", report, "--check", "maxP99=50ms", "--out", out)
		Eventually(s).WithTimeout(time.Minute).Should(gexec.Exit(1))
		Expect(verdictOf(filepath.Join(out, "report.json"), "login-latency")).To(Equal(harness.Invalid))
		for _, f := range []string{"report.xml", "report.md", "report.html"} {
			Expect(filepath.Join(out, f)).To(BeAnExistingFile())
		}
		md, err := os.ReadFile(filepath.Join(out, "report.md"))
		Expect(err).NotTo(HaveOccurred())
		Expect(string(md)).To(ContainSubstring("judged again by xrdp-harness"))
		Expect(string(md)).To(ContainSubstring("maxP99=50ms"))
		validateReport(filepath.Join(out, "report.json"))
	})

	DescribeTable("refuses bad input with exit 2",
		func(edit func(path string) []string, wants ...string) {
			report := savedReport(GinkgoT().TempDir())
			s := start(edit(report)...)
			Eventually(s).WithTimeout(time.Minute).Should(gexec.Exit(2))
			for _, w := range wants {
				Expect(s.Err).To(gbytes.Say(regexpQuote(w)))
			}
		},
		Entry("a report of another schema version", func(p string) []string {
			var doc map[string]any
			b, _ := os.ReadFile(p)
			Expect(json.Unmarshal(b, &doc)).To(Succeed())
			doc["schema"], doc["harness"] = 99, "v9.9.9 abc"
			b, _ = json.Marshal(doc)
			Expect(os.WriteFile(p, b, 0o644)).To(Succeed())
			return []string{"judge", p}
		}, "schema version 99 (written by xrdp-harness v9.9.9 abc)"),
		Entry("an unknown check", func(p string) []string { return []string{"judge", p, "--check", "maxP9=1s"} },
			"field maxP9 not found"),
		Entry("a check without a value", func(p string) []string { return []string{"judge", p, "--check", "maxP99"} },
			`--check "maxP99": want KEY=VALUE`),
		Entry("a scenario that is not built in", func(p string) []string {
			b, _ := os.ReadFile(p)
			Expect(os.WriteFile(p, bytes.ReplaceAll(b, []byte(`"baseline"`), []byte(`"my-own"`)), 0o644)).To(Succeed())
			return []string{"judge", p}
		}, `scenario "my-own"`, "--scenario FILE.yaml"),
		Entry("no report", func(string) []string { return []string{"judge"} }, "want one argument"),
		Entry("a missing file", func(p string) []string { return []string{"judge", p + ".nope"} }, "open report"),
	)
})
