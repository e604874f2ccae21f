package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"golang.org/x/crypto/ssh"

	"github.com/xrdp-harness/xrdp-harness/containers"
)

// run --ssh against an ssh host stood up as an xrdp container with
// openssh-server (only SSH published): the built-in baseline from the
// command line alone, no scenario file naming the host.
// sshHosts stands up n ssh hosts (xrdp 0.9.21.1 containers with
// openssh-server, only SSH published, 8 test users) sharing one client
// key, host key and password; it returns the flags that reach them.
func sshHosts(ctx context.Context, n int) (logins []string, flags []string, password string) {
	GinkgoHelper()
	dir := GinkgoT().TempDir()
	_, cpriv, err := ed25519.GenerateKey(rand.Reader)
	Expect(err).NotTo(HaveOccurred())
	cblock, err := ssh.MarshalPrivateKey(cpriv, "")
	Expect(err).NotTo(HaveOccurred())
	identity := filepath.Join(dir, "id_ed25519")
	Expect(os.WriteFile(identity, pem.EncodeToMemory(cblock), 0o600)).To(Succeed())
	csigner, err := ssh.NewSignerFromKey(cpriv)
	Expect(err).NotTo(HaveOccurred())
	_, hpriv, err := ed25519.GenerateKey(rand.Reader)
	Expect(err).NotTo(HaveOccurred())
	hblock, err := ssh.MarshalPrivateKey(hpriv, "")
	Expect(err).NotTo(HaveOccurred())
	hsigner, err := ssh.NewSignerFromKey(hpriv)
	Expect(err).NotTo(HaveOccurred())
	password = "pw-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	pwFile := filepath.Join(dir, "passwords")
	Expect(os.WriteFile(pwFile, []byte(password+"\n"), 0o600)).To(Succeed())
	b, err := containers.NewBuilder(containers.WithBuildLog(GinkgoWriter))
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(b.Close)
	for range n {
		srv, err := containers.Run(ctx, "0.9.21.1", containers.WithBuilder(b), containers.WithUsers(8), containers.WithPassword(password),
			containers.WithSSHD(containers.SSHD{AuthorizedKey: ssh.MarshalAuthorizedKey(csigner.PublicKey()),
				HostKey: pem.EncodeToMemory(hblock), Logins: []containers.SSHLogin{{Name: "xhops", Sudo: true}}}))
		DeferCleanup(func(ctx context.Context) { Expect(srv.Terminate(ctx)).To(Succeed()) })
		Expect(err).NotTo(HaveOccurred())
		logins = append(logins, "xhops@"+srv.SSHAddr())
	}
	users := make([]string, 8)
	for i := range users {
		users[i] = "user" + strconv.Itoa(i+1)
	}
	flags = []string{"--identity", identity, "--host-key-fingerprint", ssh.FingerprintSHA256(hsigner.PublicKey()),
		"--test-users", strings.Join(users, ","), "--password-file", pwFile}
	return logins, flags, password
}

// run --ssh against ssh hosts stood up as xrdp containers with
// openssh-server: built-in scenarios from the command line alone, no
// scenario file naming the hosts.
var _ = Describe("run --ssh", Label("docker"), func() {
	It("runs a built-in scenario on an existing host named on the command line", func(ctx SpecContext) {
		logins, flags, password := sshHosts(ctx, 1)
		out := filepath.Join(GinkgoT().TempDir(), "out")
		s := start(append([]string{"run", "--scenario", "baseline", "--version", "0.9.21.1", "--ssh", logins[0],
			"--out", out, "--progress", "lines"}, flags...)...)
		expectRunExit(s, out, 0, 6*time.Minute)
		Expect(string(s.Err.Contents())).To(ContainSubstring("baseline on the --ssh hosts: its container settings (users) do not apply"))
		suite := readSuite(filepath.Join(out, "report.json"))
		Expect(suite.Runs).To(HaveLen(1))
		rec := suite.Runs[0].Record
		Expect(rec).NotTo(BeNil())
		Expect(rec.Targets).To(HaveLen(1))
		Expect(rec.Targets[0].Config["kind"]).To(Equal("ssh"))
		Expect(rec.Targets[0].Flavour).To(Equal("host"))
		js, err := os.ReadFile(filepath.Join(out, "report.json"))
		Expect(err).NotTo(HaveOccurred())
		Expect(string(js)).NotTo(ContainSubstring(password))
	})

	It("runs a fleet of two hosts, round robin, each op judged on the host that served it", func(ctx SpecContext) {
		logins, flags, _ := sshHosts(ctx, 2)
		out := filepath.Join(GinkgoT().TempDir(), "out")
		s := start(append([]string{"run", "--scenario", "baseline", "--version", "0.9.21.1", "--ssh", logins[0], "--ssh", logins[1],
			"--out", out, "--progress", "lines"}, flags...)...)
		expectRunExit(s, out, 0, 6*time.Minute)
		run := readSuite(filepath.Join(out, "report.json")).Runs[0]
		hosts := map[string]int{}
		for _, o := range run.Record.Ops {
			Expect(o.Via).To(Equal("front"), "op %d", o.ID)
			hosts[o.Target]++
		}
		Expect(hosts).To(HaveLen(2), "ops on both hosts: %v", hosts)
		fleet := 0
		for _, v := range run.Verdicts {
			if v.Target == "fleet" {
				fleet++
				Expect(string(v.Valid)).To(Equal("valid"), "%s: %s", v.Checker, v.Summary)
			}
		}
		Expect(fleet).To(BeNumerically(">", 5), "whole-fleet verdicts")
	})
})
