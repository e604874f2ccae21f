package main

import (
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

var _ = Describe("run --config", Label("docker"), func() {
	It("puts the operator's config, its lint findings and the layered diff in report.html as in report.md", func() {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "sesman.ini"),
			[]byte(prodSesman("ListenAddress=127.0.0.1\nListenPort=3350\n", "MaxSessions=1\nPolicy=Default\n")), 0o644)).To(Succeed())
		out := GinkgoT().TempDir()
		s := start("run", "--scenario", "max-sessions-refused", "--version", "0.9.21.1", "--config", dir, "--out", out, "--no-compare")
		Eventually(s).WithTimeout(5 * time.Minute).Should(gexec.Exit())
		html, err := os.ReadFile(filepath.Join(out, "report.html"))
		Expect(err).NotTo(HaveOccurred(), string(s.Err.Contents()))
		md, err := os.ReadFile(filepath.Join(out, "report.md"))
		Expect(err).NotTo(HaveOccurred())
		// MaxSessions=1 is below the scenario's 3 users: lint finds it.
		Expect(string(md)).To(ContainSubstring("## Your config: `" + dir + "`"))
		Expect(string(md)).To(ContainSubstring("| error | max-sessions | 0.9.21.1 |"))
		Expect(string(md)).To(ContainSubstring("**Layered on your config**"))
		for _, want := range []string{
			`<h2 style="margin-top:0">Your config: <span class="mono">` + dir + `</span></h2>`,
			"sesman.ini, used by max-sessions-refused on 0.9.21.1: 1 lint finding(s).",
			`<td class="mono">max-sessions</td>`,
			"not proved (lint --prove runs max-sessions-refused)",
			"<b>Layered on your config</b> (xrdp-0.9.21.1:",
			// prodSesman's MaxSessions line; the scenario's 2 on top.
			`<td class="mono">MaxSessions</td><td class="mono">1 (line 16)</td><td class="mono">2</td>`,
		} {
			Expect(string(html)).To(ContainSubstring(want))
		}
	})
})
