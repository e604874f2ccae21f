package containers_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/containers/xrdpconf"
	"github.com/xrdp-harness/xrdp-harness/fakeclient"
	"github.com/xrdp-harness/xrdp-harness/harness"
)

// operatorSesman is a production-like sesman.ini: every version of a run
// gets it as is, the harness layers only what it needs on top.
const operatorSesman = `; prod sesman.ini
[Globals]
ListenAddress=0.0.0.0
ListenPort=3350
EnableUserWindowManager=false
DefaultWindowManager=startwm.sh
ReconnectScript=reconnectwm.sh

[Security]
AllowRootLogin=false
MaxLoginRetry=3

[Sessions]
X11DisplayOffset=20
MaxSessions=12
Policy=UBD

[Logging]
LogFile=/var/log/prod-sesman.log
LogLevel=INFO

[Xvnc]
param=Xvnc
param=-bs
param=-nolisten
param=tcp
param=-localhost
param=-dpi
param=96
`

// operatorStartwm marks the session it starts and holds it with a sleep of
// its own.
const operatorStartwm = "#!/bin/sh\n# prod startwm.sh\necho \"operator startwm $(id -un) $DISPLAY\" >> /tmp/operator-startwm.log\nexec sleep 86399\n"

// operatorXrdpMissingCert is an xrdp.ini whose TLS pair is not in the
// container (an operator's own paths): xrdp logs "Cannot read certificate
// file" (v0.9.21.1 libxrdp/xrdp_rdp.c:246) and offers no TLS
// (libxrdp/xrdp_iso.c:116-117, :164-167), so it never becomes ready.
const operatorXrdpMissingCert = `[Globals]
ini_version=1
fork=true
port=3389
security_layer=negotiate
crypt_level=high
certificate=/etc/xrdp/prod/cert.pem
key_file=/etc/xrdp/prod/key.pem
ssl_protocols=TLSv1.2, TLSv1.3

[Logging]
LogFile=xrdp.log
LogLevel=INFO

[Xvnc]
name=Xvnc
lib=libvnc.so
username=ask
password=ask
ip=127.0.0.1
port=-1
`

const operatorReconnect = "#!/bin/sh\necho \"operator reconnect $(id -un) $DISPLAY\" >> /tmp/operator-reconnect.log\n"

var _ = Describe("The operator's config", Label("docker"), func() {
	DescribeTable("is laid down on every version, with the harness's needs layered on top and listed",
		func(ctx SpecContext, version string) {
			dir := GinkgoT().TempDir()
			Expect(os.WriteFile(filepath.Join(dir, "sesman.ini"), []byte(operatorSesman), 0o644)).To(Succeed())
			Expect(os.WriteFile(filepath.Join(dir, "reconnectwm.sh"), []byte(operatorReconnect), 0o755)).To(Succeed())
			d, err := xrdpconf.Load(dir)
			Expect(err).NotTo(HaveOccurred())
			srv := run(ctx, version, containers.WithUsers(2), containers.WithConfigDir(d))

			By("the operator's values survive where the harness does not need the key")
			ini, err := srv.ReadFile(ctx, "/etc/xrdp/sesman.ini")
			Expect(err).NotTo(HaveOccurred())
			Expect(ini).To(HavePrefix("; prod sesman.ini\n"))
			for _, kv := range []string{"X11DisplayOffset=20", "MaxSessions=12", "Policy=UBD", "AllowRootLogin=false", "MaxLoginRetry=3", "LogLevel=INFO", "param=96"} {
				Expect(ini).To(MatchRegexp(`(?m)^`+kv+`$`), kv)
			}
			Expect(srv.MaxSessions()).To(Equal(12))
			Expect(srv.DisplayOffset()).To(Equal(20))
			Expect(srv.Policy()).To(Equal("UBD"))

			By("the layered diff names each key the harness changed, with the operator's value and line")
			var diff []string
			for _, c := range srv.Layered() {
				diff = append(diff, c.String())
			}
			AddReportEntry("layered "+version, strings.Join(diff, "\n"))
			Expect(diff).To(ContainElement(`sesman.ini [Logging] LogFile: "/var/log/prod-sesman.log" (line 19) → "/var/log/xrdp-sesman.log"`))
			Expect(diff).To(ContainElement(`sesman.ini [Globals] ReconnectScript: "reconnectwm.sh" (line 7) → "/etc/xrdp-harness/reconnectwm.sh"`))
			Expect(diff).To(ContainElement(`sesman.ini [Logging] EnableProcessId: not set → "true"`))
			Expect(diff).To(ContainElement(HavePrefix("reconnectwm.sh: sesman runs /etc/xrdp-harness/reconnectwm.sh")))
			if containers.FeaturesOf(version).SCPTCP {
				// chansrv needs loopback to use its UNIX socket (lint: listen-address-chansrv).
				Expect(diff).To(ContainElement(`sesman.ini [Globals] ListenAddress: "0.0.0.0" (line 3) → "127.0.0.1"`))
			}
			for _, c := range srv.Layered() {
				Expect(c.Key).NotTo(BeElementOf("X11DisplayOffset", "MaxSessions", "Policy", "AllowRootLogin"), c.String())
			}
			Expect(srv.Info().Layered).To(Equal(srv.Layered()))

			By("sesman runs with them: the first session is on display 20, and a reconnect runs the operator's script after the harness's recording")
			u := srv.Users()[0]
			for i := 0; i < 2; i++ {
				Expect(rdpLogin(ctx, srv.RDPAddr(), u).Outcome).To(Equal(fakeclient.OK))
			}
			code, out, err := srv.Exec(ctx, "pgrep", "-a", "Xvnc")
			Expect(err).NotTo(HaveOccurred())
			Expect(code).To(BeZero())
			Expect(out).To(MatchRegexp(`Xvnc :20\b`))
			Eventually(func() (string, error) { return srv.ReadFile(ctx, "/tmp/operator-reconnect.log") }).
				WithContext(ctx).WithTimeout(20 * time.Second).Should(ContainSubstring("operator reconnect " + u.Name + " :20"))
			Eventually(func() (string, error) { return srv.ReadFile(ctx, containers.ReconnectLog) }).
				WithContext(ctx).WithTimeout(20 * time.Second).Should(ContainSubstring("user=" + u.Name))
		},
		Entry("0.9.21.1", "0.9.21.1"),
		Entry("0.10.1", "0.10.1"),
	)

	DescribeTable("runs the operator's own startwm.sh in every session and lists it in the layered diff", func(ctx SpecContext, version string) {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "sesman.ini"), []byte(operatorSesman), 0o644)).To(Succeed())
		// A production-like window manager script, recognisable in the session.
		Expect(os.WriteFile(filepath.Join(dir, "startwm.sh"), []byte(operatorStartwm), 0o755)).To(Succeed())
		d, err := xrdpconf.Load(dir)
		Expect(err).NotTo(HaveOccurred())
		srv := run(ctx, version, containers.WithUsers(1), containers.WithConfigDir(d))

		By("the layered diff lists startwm.sh as the operator's, unchanged, and what sesman starts")
		var diff []string
		for _, c := range srv.Layered() {
			diff = append(diff, c.String())
		}
		AddReportEntry("layered", strings.Join(diff, "\n"))
		Expect(diff).To(ContainElement("startwm.sh: yours, unchanged: sesman starts every session with it (DefaultWindowManager=startwm.sh); the harness's desktop setting is not used"))

		By("a login's session runs it: its marker names the user and the display, its own sleep holds the session")
		u := srv.Users()[0]
		Expect(rdpLogin(ctx, srv.RDPAddr(), u).Outcome).To(Equal(fakeclient.OK))
		Eventually(func() (string, error) { return srv.ReadFile(ctx, "/tmp/operator-startwm.log") }).
			WithContext(ctx).WithTimeout(20 * time.Second).Should(ContainSubstring("operator startwm " + u.Name + " :20"))
		code, out, err := srv.Exec(ctx, "pgrep", "-u", u.Name, "-a", "sleep")
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(BeZero(), out)
		Expect(out).To(ContainSubstring("sleep 86399"))
	},
		Entry("0.9.21.1", "0.9.21.1"),
		Entry("0.10.1", "0.10.1"),
	)

	DescribeTable("names file, line and version when a version cannot start with the operator's config", func(ctx SpecContext, version string) {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "xrdp.ini"), []byte(operatorXrdpMissingCert), 0o644)).To(Succeed())
		d, err := xrdpconf.Load(dir)
		Expect(err).NotTo(HaveOccurred())
		srv, err := containers.Run(ctx, version, containers.WithBuilder(builder), containers.WithUsers(1),
			containers.WithConfigDir(d), containers.WithStartupTimeout(20*time.Second))
		DeferCleanup(func(ctx context.Context) { Expect(srv.Terminate(ctx)).To(Succeed()) })
		Expect(err).To(HaveOccurred())
		AddReportEntry("start error", err.Error())
		Expect(err).To(MatchError(And(
			ContainSubstring("run xrdp "+version),
			ContainSubstring("the logs point at xrdp.ini line 7 ([Globals] certificate=/etc/xrdp/prod/cert.pem)"),
			ContainSubstring("xrdp.ini line 8 ([Globals] key_file=/etc/xrdp/prod/key.pem)"))))
	},
		Entry("0.9.21.1", "0.9.21.1"),
		Entry("0.10.1", "0.10.1"),
	)

	It("rejects a file with lines xrdp would not read, naming file and line, before Docker", func(ctx SpecContext) {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "sesman.ini"), []byte("MaxSessions=5\n[Sessions]\nMaxSessions=50\n"), 0o644)).To(Succeed())
		d, err := xrdpconf.Load(dir)
		Expect(err).NotTo(HaveOccurred())
		_, err = containers.Run(ctx, "0.10.1", containers.WithConfigDir(d))
		Expect(err).To(MatchError(And(ContainSubstring("0.10.1"), ContainSubstring("sesman.ini line 1: outside any [section]"))))
	})
})

// rdpLogin logs u in over RDP and drops the connection (the session stays).
func rdpLogin(ctx context.Context, addr string, u harness.User) fakeclient.Result {
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, res := fakeclient.Dial(dctx, fakeclient.Config{Addr: addr, User: u.Name, Password: u.Password, BPP: 24})
	if c != nil {
		_ = c.Close(ctx, fakeclient.Abrupt)
	}
	return res
}
