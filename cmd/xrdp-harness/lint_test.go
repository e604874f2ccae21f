package main

import (
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"
)

var _ = Describe("lint", func() {
	configDir := func(files map[string]string) string {
		GinkgoHelper()
		dir := GinkgoT().TempDir()
		for name, body := range files {
			Expect(os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644)).To(Succeed())
		}
		return dir
	}
	DescribeTable("exit status",
		func(files map[string]string, args []string, code int, wants ...string) {
			s := start(append([]string{"lint", "--config", configDir(files)}, args...)...)
			Eventually(s).WithTimeout(time.Minute).Should(gexec.Exit(code))
			for _, w := range wants {
				Expect(s.Out.Contents()).To(ContainSubstring(w))
			}
		},
		Entry("clean config: 0", map[string]string{"sesman.ini": "[Globals]\nListenAddress=127.0.0.1\nListenPort=3350\n[Sessions]\nX11DisplayOffset=10\nMaxSessions=50\nPolicy=Default\n"},
			[]string{"--version", "0.9.21.1"}, 0, "0 finding(s)"),
		Entry("a warning under --fail-on error: 0", map[string]string{"sesman.ini": "[Globals]\nListenAddress=0.0.0.0\n[Sessions]\nMaxSessions=50\n"},
			[]string{"--version", "0.9.21.1"}, 0, "listen-address-chansrv"),
		Entry("a warning at --fail-on warning: 1", map[string]string{"sesman.ini": "[Globals]\nListenAddress=0.0.0.0\n[Sessions]\nMaxSessions=50\n"},
			[]string{"--version", "0.9.21.1", "--fail-on", "warning"}, 1, "listen-address-chansrv"),
		Entry("MaxSessions below --users: 1", map[string]string{"sesman.ini": "[Globals]\nListenAddress=127.0.0.1\n[Sessions]\nMaxSessions=5\n"},
			[]string{"--version", "0.10.1", "--users", "8", "--format", "json"}, 1, `"rule": "max-sessions"`, `"0.10.1"`),
	)
	DescribeTable("bad input: 2",
		func(files map[string]string, args []string, want string) {
			var s *gexec.Session
			if files == nil {
				s = start(append([]string{"lint"}, args...)...)
			} else {
				s = start(append([]string{"lint", "--config", configDir(files)}, args...)...)
			}
			Eventually(s).WithTimeout(time.Minute).Should(gexec.Exit(2))
			Expect(s.Err).To(gbytes.Say(regexpQuote(want)))
		},
		Entry("no --config", nil, nil, "--config DIR is required"),
		Entry("missing dir", nil, []string{"--config", "/nonexistent/xrdp"}, "no such file or directory"),
		Entry("a file the harness does not take", map[string]string{"sesman.ini": "[Sessions]\n", "passwd": "x"}, nil, "passwd: not a file the harness lays down"),
		Entry("bad version", map[string]string{"sesman.ini": "[Sessions]\n"}, []string{"--version", "latest"}, `version "latest"`),
		Entry("bad severity", map[string]string{"sesman.ini": "[Sessions]\n"}, []string{"--fail-on", "fatal"}, `severity "fatal"`),
	)
})

var _ = Describe("config diff", func() {
	DescribeTable("bad input: 2 before any Docker call",
		func(args []string, want string) {
			s := start(append([]string{"config", "diff"}, args...)...)
			Eventually(s).WithTimeout(time.Minute).Should(gexec.Exit(2))
			Expect(s.Err).To(gbytes.Say(regexpQuote(want)))
		},
		Entry("no flags", nil, "--config DIR is required"),
		Entry("no --to", []string{"--config", "/nonexistent", "--from", "0.9.21.1"}, "--to VERSION is required"),
		Entry("bad version", []string{"--config", "/nonexistent", "--from", "0.9.21.1", "--to", "9.x"}, `--to: `),
	)
})
