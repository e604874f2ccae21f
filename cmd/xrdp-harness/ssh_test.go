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
	"github.com/onsi/gomega/gexec"

	"golang.org/x/crypto/ssh"

	"github.com/xrdp-harness/xrdp-harness/containers"
)

// run --ssh against an ssh host stood up as an xrdp container with
// openssh-server (only SSH published): the built-in baseline from the
// command line alone, no scenario file naming the host.
var _ = Describe("run --ssh", Label("docker"), func() {
	It("runs a built-in scenario on an existing host named on the command line", func(ctx SpecContext) {
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
		password := "pw-" + strconv.FormatInt(time.Now().UnixNano(), 36)
		pwFile := filepath.Join(dir, "passwords")
		Expect(os.WriteFile(pwFile, []byte(password+"\n"), 0o600)).To(Succeed())

		b, err := containers.NewBuilder(containers.WithBuildLog(GinkgoWriter))
		Expect(err).NotTo(HaveOccurred())
		defer b.Close()
		srv, err := containers.Run(ctx, "0.9.21.1", containers.WithBuilder(b), containers.WithUsers(8), containers.WithPassword(password),
			containers.WithSSHD(containers.SSHD{AuthorizedKey: ssh.MarshalAuthorizedKey(csigner.PublicKey()),
				HostKey: pem.EncodeToMemory(hblock), Logins: []containers.SSHLogin{{Name: "xhops", Sudo: true}}}))
		DeferCleanup(func(ctx context.Context) { Expect(srv.Terminate(ctx)).To(Succeed()) })
		Expect(err).NotTo(HaveOccurred())

		out := filepath.Join(dir, "out")
		users := make([]string, 8)
		for i := range users {
			users[i] = "user" + strconv.Itoa(i+1)
		}
		s := start("run", "--scenario", "baseline", "--version", "0.9.21.1", "--ssh", "xhops@"+srv.SSHAddr(),
			"--identity", identity, "--host-key-fingerprint", ssh.FingerprintSHA256(hsigner.PublicKey()),
			"--test-users", strings.Join(users, ","), "--password-file", pwFile, "--out", out, "--progress", "lines")
		Eventually(s).WithTimeout(6 * time.Minute).Should(gexec.Exit(0))
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
})
