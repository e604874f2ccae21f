package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"

	"github.com/xrdp-harness/xrdp-harness/harness/lint"
)

var _ = Describe("lint --prove", Label("docker"), func() {
	It("confirms the display-100 finding on real 0.9.21.1 with the high-display scenario", func() {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "sesman.ini"),
			[]byte("[Globals]\nListenAddress=127.0.0.1\nListenPort=3350\n[Sessions]\nX11DisplayOffset=118\nMaxSessions=10\nPolicy=Default\n"), 0o644)).To(Succeed())
		s := start("lint", "--config", dir, "--version", "0.9.21.1", "--prove", "--quiet", "--format", "json")
		Eventually(s).WithTimeout(5 * time.Minute).Should(gexec.Exit(1)) // an error-severity finding
		var fs []lint.Finding
		Expect(json.Unmarshal(s.Out.Contents(), &fs)).To(Succeed())
		Expect(fs).To(HaveLen(1))
		f := fs[0]
		Expect(f.Rule).To(Equal("display-port-clash"))
		Expect(f.Proofs).To(HaveLen(1))
		AddReportEntry("proof", f.Proofs[0].Detail)
		Expect(f.Proofs[0].Version).To(Equal("0.9.21.1"))
		Expect(f.Proofs[0].Confirmed).To(BeTrue(), f.Proofs[0].Detail)
		Expect(f.Status()).To(Equal("confirmed"))
		Expect(f.Proofs[0].Detail).To(ContainSubstring("high-display @ 0.9.21.1 invalid"))
	})
})
