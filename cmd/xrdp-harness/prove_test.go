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
	"github.com/xrdp-harness/xrdp-harness/scenarios"
)

// prodSesman is a complete sesman.ini as an operator runs it (the packaged
// file's sections, the Xvnc command line included), with their [Globals]
// and [Sessions] lines: a proof must fail by the trap, not by a file that
// starts no X server.
func prodSesman(globals, sessions string) string {
	return "[Globals]\n" + globals + "EnableUserWindowManager=true\nUserWindowManager=startwm.sh\nDefaultWindowManager=startwm.sh\nReconnectScript=reconnectwm.sh\n" +
		"[Security]\nAllowRootLogin=false\nMaxLoginRetry=4\nTerminalServerUsers=tsusers\nTerminalServerAdmins=tsadmins\nAlwaysGroupCheck=false\n" +
		"[Sessions]\nX11DisplayOffset=10\n" + sessions + "KillDisconnected=false\nIdleTimeLimit=0\nDisconnectedTimeLimit=0\n" +
		"[Logging]\nLogFile=xrdp-sesman.log\nLogLevel=INFO\nEnableSyslog=true\n" +
		"[Xvnc]\nparam=Xvnc\nparam=-bs\nparam=-nolisten\nparam=tcp\nparam=-localhost\nparam=-dpi\nparam=96\n"
}

var _ = Describe("lint --prove", Label("docker"), func() {
	It("confirms the display-100 finding on real 0.9.21.1 with the high-display scenario", func() {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "sesman.ini"),
			[]byte("[Globals]\nListenAddress=127.0.0.1\nListenPort=3350\n[Sessions]\nX11DisplayOffset=118\nMaxSessions=10\nPolicy=Default\n"+
				"[Xvnc]\nparam=Xvnc\nparam=-bs\nparam=-nolisten\nparam=tcp\nparam=-localhost\nparam=-dpi\nparam=96\n"), 0o644)).To(Succeed())
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

var _ = Describe("lint --prove with the operator's config", Label("docker"), func() {
	// prove lints dir on version with --prove and returns the one finding
	// of rule, its proof on version checked to have run with dir.
	prove := func(dir, version, rule string, args ...string) lint.Finding {
		s := start(append([]string{"lint", "--config", dir, "--version", version, "--prove", "--quiet", "--format", "json"}, args...)...)
		Eventually(s).WithTimeout(15 * time.Minute).Should(gexec.Exit())
		var fs []lint.Finding
		Expect(json.Unmarshal(s.Out.Contents(), &fs)).To(Succeed(), string(s.Err.Contents()))
		var f lint.Finding
		for _, g := range fs {
			if g.Rule == rule {
				f = g
			}
		}
		Expect(f.Rule).To(Equal(rule), "findings %+v", fs)
		Expect(f.Proofs).To(HaveLen(1))
		AddReportEntry(rule+" proof", f.Proofs[0].Detail)
		Expect(f.Proofs[0].Version).To(Equal(version))
		Expect(f.Proofs[0].Detail).To(ContainSubstring("ran with --config " + dir + " (sesman.ini)"))
		return f
	}

	It("confirms max-sessions on real 0.9.21.1: the third of three users is refused", func() {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "sesman.ini"),
			[]byte(prodSesman("ListenAddress=127.0.0.1\nListenPort=3350\n", "MaxSessions=5\nPolicy=Default\n")), 0o644)).To(Succeed())
		f := prove(dir, "0.9.21.1", "max-sessions", "--users", "10")
		Expect(f.Proofs[0].Confirmed).To(BeTrue(), f.Proofs[0].Detail)
		Expect(f.Proofs[0].Detail).To(ContainSubstring("max-sessions-refused @ 0.9.21.1 invalid"))
		Expect(f.Proofs[0].Detail).To(ContainSubstring("sesman-errors: 1 sesman failure (session-limit"))
		Expect(f.Proofs[0].Detail).To(MatchRegexp(`sesman.ini \[Sessions\] MaxSessions=2 \(yours: 5, line \d+\)`))
	})

	It("confirms listen-address-chansrv on real 0.9.21.1: logins wait for chansrv", func() {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "sesman.ini"),
			[]byte(prodSesman("ListenAddress=0.0.0.0\nListenPort=3350\n", "MaxSessions=50\nPolicy=Default\n")), 0o644)).To(Succeed())
		f := prove(dir, "0.9.21.1", "listen-address-chansrv", "--fail-on", "warning")
		Expect(f.Proofs[0].Confirmed).To(BeTrue(), f.Proofs[0].Detail)
		Expect(f.Proofs[0].Detail).To(ContainSubstring("chansrv-tcp @ 0.9.21.1 invalid"))
		Expect(f.Proofs[0].Detail).To(ContainSubstring("chansrv: 2 RDP connections could not reach chansrv (2 gave up"))
	})

	It("confirms sigchld-reaping for 0.9.17 on the defect build, 0.9.17 not being buildable here", Label("slow"), func() {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "sesman.ini"),
			[]byte(prodSesman("ListenAddress=127.0.0.1\nListenPort=3350\n", "MaxSessions=50\nPolicy=Default\n")), 0o644)).To(Succeed())
		f := prove(dir, "0.9.17", "sigchld-reaping")
		Expect(f.StandIn).To(Equal(scenarios.DefectBuild))
		Expect(f.Proofs[0].Confirmed).To(BeTrue(), f.Proofs[0].Detail)
		Expect(f.Proofs[0].Detail).To(ContainSubstring("reconnect-storm @ 0.9.21.1+sigchld-reap-one invalid"))
		Expect(f.Proofs[0].Detail).To(ContainSubstring("0.9.17 cannot be built here"))
		Expect(f.Proofs[0].Detail).To(ContainSubstring("zombies"))
	})

	It("confirms policy-reconnect-leak on real 0.9.21.1 with the operator's Policy=UBC", func() {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "sesman.ini"),
			[]byte(prodSesman("ListenAddress=127.0.0.1\nListenPort=3350\n", "MaxSessions=50\nPolicy=UBC\n")), 0o644)).To(Succeed())
		f := prove(dir, "0.9.21.1", "policy-reconnect-leak")
		Expect(f.Proofs[0].Confirmed).To(BeTrue(), f.Proofs[0].Detail)
		Expect(f.Proofs[0].Detail).To(ContainSubstring("reconnect-leak @ 0.9.21.1 invalid"))
		Expect(f.Proofs[0].Detail).To(ContainSubstring("session-leaks"))
	})
})
