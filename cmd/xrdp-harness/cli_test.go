package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"

	"github.com/spf13/cobra"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/reports"
)

func start(args ...string) *gexec.Session {
	GinkgoHelper()
	cmd := exec.Command(bin, args...)
	s, err := gexec.Start(cmd, GinkgoWriter, GinkgoWriter)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { s.Kill().Wait(time.Minute) })
	return s
}

var _ = Describe("bad input", func() {
	DescribeTable("exits 2 and names the problem",
		func(args []string, wants ...string) {
			s := start(args...)
			Eventually(s).WithTimeout(time.Minute).Should(gexec.Exit(2))
			for _, w := range wants {
				Expect(s.Err).To(gbytes.Say(regexpQuote(w)))
			}
		},
		Entry("unknown command", []string{"launch"}, `unknown command "launch"`),
		Entry("no command", []string{}, "Exit status:", "Usage:"),
		Entry("unknown command with a suggestion", []string{"rnu"}, `unknown command "rnu"`, "did you mean run?"),
		Entry("unknown flag", []string{"run", "--versoin", "0.9.21.1"}, "unknown flag: --versoin", "xrdp-harness run --help"),
		Entry("a long flag with one dash", []string{"run", "-out", "x"}, "long flags take two dashes, --out"),
		Entry("unknown scenario", []string{"run", "--scenario", "nope"}, `no built-in scenario "nope"`, "reconnect-storm"),
		Entry("unknown version", []string{"run", "--scenario", "baseline", "--version", "0.9.99"}, `"0.9.99"`, "build from source"),
		Entry("bad comparison", []string{"run", "--scenario", "baseline", "--version", "0.9.21.1", "--version", "0.9.24", "--compare", "0.9.17:0.9.24"},
			`-compare "0.9.17:0.9.24"`, "0.9.21.1, 0.9.24"),
		Entry("bad format", []string{"run", "--format", "pdf"}, `unknown format "pdf"`),
		Entry("metrics beyond loopback", []string{"run", "--metrics", "[::]:9464"}, `"::" is not a loopback address`),
		Entry("metrics without a host", []string{"run", "--metrics", "9464"}, "want HOST:PORT on loopback"),
		Entry("stray argument", []string{"clean", "now"}, `unexpected argument "now"`),
		Entry("an ssh host without credentials, host key or users", []string{"run", "--scenario", "baseline", "--version", "0.9.21.1",
			"--ssh", "ops@staging1.example.net:22"}, "ssh: no credentials", "host keys are never skipped", "ssh.users: empty"),
		Entry("an ssh host without its user", []string{"run", "--scenario", "baseline", "--version", "0.9.21.1", "--ssh", "staging1:22"},
			`--ssh "staging1:22": want USER@HOST:PORT`),
		Entry("ssh settings without --ssh", []string{"run", "--known-hosts", "/k"}, "add --ssh USER@HOST:PORT"),
		Entry("--ssh needs one version", []string{"run", "--scenario", "baseline", "--ssh", "ops@h:22"}, "--version: 0 given"),
		Entry("faults on an ssh host need --allow-faults", []string{"run", "--scenario", "reconnect-storm", "--version", "0.9.21.1",
			"--ssh", "ops@h:22", "--identity", "/k/id", "--known-hosts", "/k/known_hosts", "--test-users", "alice,bob", "--password-file", "/k/pw"},
			"injects end-sessions into the hosts", "add --allow-faults"),
	)

	It("rejects a broken scenario file with its line", func() {
		f := filepath.Join(GinkgoT().TempDir(), "s.yaml")
		Expect(os.WriteFile(f, []byte("name: s\nload:\n  - kind: burst\n    n: 1\n    hodl: 2s\n"), 0o644)).To(Succeed())
		s := start("run", "--scenario", f)
		Eventually(s).WithTimeout(time.Minute).Should(gexec.Exit(2))
		Expect(s.Err).To(gbytes.Say(`line 5: field hodl not found`))
	})
})

var _ = Describe("Docker unreachable", func() {
	DescribeTable("the harness could not run: exit 3, with the engine's error",
		func(args ...string) {
			if args[0] == "run" {
				args = append(args, "--out", GinkgoT().TempDir())
			}
			cmd := exec.Command(bin, args...)
			cmd.Env = append(os.Environ(), "DOCKER_HOST=unix://"+filepath.Join(GinkgoT().TempDir(), "no-docker.sock"))
			s, err := gexec.Start(cmd, GinkgoWriter, GinkgoWriter)
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(func() { s.Kill().Wait(time.Minute) })
			Eventually(s).WithTimeout(time.Minute).Should(gexec.Exit(3))
			Expect(s.Err).To(gbytes.Say("no-docker.sock"))
		},
		Entry("images", "images", "--version", "0.9.24"),
		Entry("run", "run", "--scenario", "baseline", "--version", "0.9.24", "--progress", "lines"),
	)
})

var _ = Describe("help", func() {
	DescribeTable("every command has its help, examples and exit status",
		func(args ...string) {
			s := start(args...)
			Eventually(s).WithTimeout(time.Minute).Should(gexec.Exit(0))
			Expect(s.Out).To(gbytes.Say("Exit status"))
			Expect(s.Out).To(gbytes.Say("Usage:"))
			Expect(s.Out).To(gbytes.Say("Examples:"))
		},
		Entry("root", "--help"),
		Entry("help run", "help", "run"),
		Entry("run --help", "run", "--help"),
		Entry("help boot", "help", "boot"),
		Entry("help images", "help", "images"),
		Entry("help clean", "help", "clean"),
		Entry("help version", "help", "version"),
	)

	It("walks every command: each runnable one has examples and its exit status", func() {
		var walk func(c *cobra.Command)
		seen := 0
		walk = func(c *cobra.Command) {
			for _, sub := range c.Commands() {
				if sub.Name() == "help" || sub.Name() == "completion" || sub.Hidden {
					continue
				}
				if sub.Runnable() {
					seen++
					Expect(sub.Example).NotTo(BeEmpty(), "%s has no examples", sub.CommandPath())
					Expect(sub.Long).To(ContainSubstring("Exit status"), "%s does not say its exit status", sub.CommandPath())
					Expect(sub.Short).NotTo(BeEmpty(), "%s has no summary", sub.CommandPath())
				}
				walk(sub)
			}
		}
		walk(newRootCmd(io.Discard, io.Discard))
		Expect(seen).To(BeNumerically(">=", len(commands())-1))
	})

	It("prints a completion script", func() {
		s := start("completion", "bash")
		Eventually(s).WithTimeout(time.Minute).Should(gexec.Exit(0))
		Expect(s.Out).To(gbytes.Say("bash completion V2 for xrdp-harness"))
	})

	It("completes command names", func() {
		s := start("__complete", "im")
		Eventually(s).WithTimeout(time.Minute).Should(gexec.Exit(0))
		Expect(s.Out).To(gbytes.Say("images"))
	})
})

var _ = Describe("version", func() {
	It("prints the module and its VCS revision", func() {
		s := start("version")
		Eventually(s).WithTimeout(time.Minute).Should(gexec.Exit(0))
		Expect(s.Out).To(gbytes.Say(`module:   github.com/xrdp-harness/xrdp-harness`))
		Expect(s.Out).To(gbytes.Say(`revision: [0-9a-f]{40}`))
	})
})

var _ = Describe("Ctrl-C", Label("docker"), func() {
	It("removes what the run started and keeps the partial report", func(ctx SpecContext) {
		out := GinkgoT().TempDir()
		s := start("run", "--scenario", "baseline", "--scenario", "sesman-freeze", "--version", "0.9.21.1",
			"--out", out, "--progress", "lines")
		host, _ := os.Hostname()
		owner := fmt.Sprintf("%s:%d", host, s.Command.Process.Pid)
		By("waiting until the first run has finished and the second one's container is up")
		Eventually(func() (string, error) {
			b, err := os.ReadFile(filepath.Join(out, "report.md"))
			return string(b), err
		}).WithTimeout(5 * time.Minute).WithPolling(time.Second).Should(ContainSubstring("baseline @ 0.9.21.1"))
		Eventually(func() ([]string, error) { return containers.Leftovers(ctx, owner) }).
			WithTimeout(3 * time.Minute).WithPolling(500 * time.Millisecond).ShouldNot(BeEmpty())
		Expect(s.Command.Process.Signal(syscall.SIGINT)).To(Succeed())
		Eventually(s).WithTimeout(2 * time.Minute).Should(gexec.Exit(130))
		left, err := containers.Leftovers(context.Background(), owner)
		Expect(err).NotTo(HaveOccurred())
		Expect(left).To(BeEmpty(), "containers of the interrupted run")
		md, err := os.ReadFile(filepath.Join(out, "report.md"))
		Expect(err).NotTo(HaveOccurred())
		Expect(string(md)).To(ContainSubstring("**Interrupted**"))
		Expect(string(md)).NotTo(ContainSubstring("In progress"))
		Expect(string(md)).To(ContainSubstring("baseline"))
		for _, f := range []string{"report.json", "report.xml", "report.html"} {
			Expect(filepath.Join(out, f)).To(BeAnExistingFile())
		}
		validateReport(filepath.Join(out, "report.json"))

		By("judging the saved Records again: the checkers are pure, so the finished run's verdicts are the same")
		again := GinkgoT().TempDir()
		j := start("judge", filepath.Join(out, "report.json"), "--out", again)
		Eventually(j).WithTimeout(time.Minute).Should(gexec.Exit())
		Expect(j.ExitCode()).To(BeElementOf(1, 3), "the partial run cannot be judged valid")
		before, after := readSuite(filepath.Join(out, "report.json")), readSuite(filepath.Join(again, "report.json"))
		Expect(after.Runs).To(HaveLen(len(before.Runs)))
		for i, r := range before.Runs {
			if r.Scenario == "baseline" {
				// The same answers; figures equal to the microsecond (the live
				// Record's times carry monotonic readings, the saved one's
				// do not, so durations can differ by nanoseconds).
				Expect(after.Runs[i].Verdicts).To(HaveLen(len(r.Verdicts)))
				for k, v := range r.Verdicts {
					w := after.Runs[i].Verdicts[k]
					Expect([]string{w.Checker, w.Target, string(w.Valid), w.Summary}).To(Equal([]string{v.Checker, v.Target, string(v.Valid), v.Summary}))
					Expect(w.Evidence).To(HaveLen(len(v.Evidence)), v.Checker)
					for name, x := range v.Metrics {
						Expect(w.Metrics).To(HaveKeyWithValue(name, BeNumerically("~", x, 1e-6)), v.Checker)
					}
				}
			}
		}
		validateReport(filepath.Join(again, "report.json"))
	})
})

// expectRunExit waits for a run to exit and expects code; when it exits
// otherwise, the spec's report says why: each verdict that is not valid,
// with its evidence, read from the run's report.json in out (a temp dir
// that is gone after the spec).
func expectRunExit(s *gexec.Session, out string, code int, timeout time.Duration) {
	GinkgoHelper()
	Eventually(s).WithTimeout(timeout).Should(gexec.Exit())
	if s.ExitCode() != code {
		if fh, err := os.Open(filepath.Join(out, "report.json")); err == nil {
			suite, err := reports.ReadJSON(fh)
			fh.Close()
			var why strings.Builder
			for _, r := range suite.Runs {
				for _, v := range r.Verdicts {
					if v.Valid == harness.Valid {
						continue
					}
					fmt.Fprintf(&why, "%s @ %s %s %s: %s\n", r.Scenario, r.Version, v.Target, v.Checker, v.Summary)
					for _, e := range v.Evidence {
						fmt.Fprintf(&why, "    %s %s\n", e.Time.Format("15:04:05.000"), e.What)
					}
				}
			}
			AddReportEntry("verdicts that were not valid", why.String(), err)
		}
	}
	Expect(s.ExitCode()).To(Equal(code), "exit status of the run")
}

func readSuite(path string) reports.Suite {
	GinkgoHelper()
	fh, err := os.Open(path)
	Expect(err).NotTo(HaveOccurred())
	defer fh.Close()
	s, err := reports.ReadJSON(fh)
	Expect(err).NotTo(HaveOccurred())
	return s
}

var _ = Describe("stop signals", Label("docker"), func() {
	// startAndWaitForLab starts a run and returns once its first container
	// is up, with the owner label of its containers.
	startAndWaitForLab := func(ctx SpecContext, out string, extra ...string) (*gexec.Session, string) {
		s := start(append([]string{"run", "--scenario", "baseline", "--version", "0.9.21.1", "--out", out, "--progress", "lines"}, extra...)...)
		host, _ := os.Hostname()
		owner := fmt.Sprintf("%s:%d", host, s.Command.Process.Pid)
		Eventually(func() ([]string, error) { return containers.Leftovers(ctx, owner) }).
			WithTimeout(3 * time.Minute).WithPolling(250 * time.Millisecond).ShouldNot(BeEmpty())
		return s, owner
	}

	DescribeTable("tear down, keep the partial report and exit 130",
		func(ctx SpecContext, sig syscall.Signal) {
			out := GinkgoT().TempDir()
			s, owner := startAndWaitForLab(ctx, out)
			Expect(s.Command.Process.Signal(sig)).To(Succeed())
			Eventually(s).WithTimeout(2 * time.Minute).Should(gexec.Exit(130))
			Expect(s.Err).To(gbytes.Say("stopping; removing what this run started"))
			left, err := containers.Leftovers(context.Background(), owner)
			Expect(err).NotTo(HaveOccurred())
			Expect(left).To(BeEmpty(), "containers of the interrupted run")
			md, err := os.ReadFile(filepath.Join(out, "report.md"))
			Expect(err).NotTo(HaveOccurred())
			Expect(string(md)).To(ContainSubstring("**Interrupted**"))
			Expect(string(md)).To(ContainSubstring("baseline @ 0.9.21.1"))
			validateReport(filepath.Join(out, "report.json"))
		},
		Entry("SIGTERM", syscall.SIGTERM),
		Entry("SIGHUP", syscall.SIGHUP),
	)

	It("serves Prometheus metrics of the live run on loopback; the users log in with the --password-file's password, which no report holds", func(ctx SpecContext) {
		out := GinkgoT().TempDir()
		const password = "Operator-chosen pass phrase 7"
		pwFile := filepath.Join(GinkgoT().TempDir(), "pw")
		Expect(os.WriteFile(pwFile, []byte(password+"\n"), 0o600)).To(Succeed())
		s, _ := startAndWaitForLab(ctx, out, "--metrics", "127.0.0.1:0", "--password-file", pwFile)
		Eventually(s.Err).WithTimeout(time.Minute).Should(gbytes.Say(`metrics on http://127\.0\.0\.1:\d+/metrics`))
		url := regexp.MustCompile(`http://127\.0\.0\.1:\d+/metrics`).FindString(string(s.Err.Contents()))
		scrape := func() (string, error) {
			resp, err := http.Get(url)
			if err != nil {
				return "", err
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			return string(b), err
		}
		// The sampler's ticks, then the first logins of the load.
		Eventually(scrape).WithTimeout(2 * time.Minute).WithPolling(time.Second).Should(And(
			ContainSubstring(`xrdp_harness_processes{run="baseline @ 0.9.21.1",target=`),
			ContainSubstring(`xrdp_harness_login_seconds_bucket{run="baseline @ 0.9.21.1"`),
			MatchRegexp(`xrdp_harness_ops_total\{kind="login",outcome="ok",run="baseline @ 0\.9\.21\.1",target="[^"]+"\} [1-9]`)))
		Expect(s.Command.Process.Signal(syscall.SIGINT)).To(Succeed())
		Eventually(s).WithTimeout(2 * time.Minute).Should(gexec.Exit(130))
		files, err := filepath.Glob(filepath.Join(out, "*"))
		Expect(err).NotTo(HaveOccurred())
		Expect(files).NotTo(BeEmpty(), "the partial report")
		for _, f := range files {
			b, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			Expect(string(b)).NotTo(ContainSubstring(password), f)
		}
		Expect(string(s.Err.Contents()) + string(s.Out.Contents())).NotTo(ContainSubstring(password))
	})

	It("exits at once on a second signal, removing its containers", func(ctx SpecContext) {
		s, owner := startAndWaitForLab(ctx, GinkgoT().TempDir())
		// Back to back: the second arrives while the first teardown runs.
		Expect(s.Command.Process.Signal(syscall.SIGTERM)).To(Succeed())
		Expect(s.Command.Process.Signal(syscall.SIGINT)).To(Succeed())
		// forceTeardown (10 s) bounds the forced exit; the margin is for
		// process start and the engine's answer on a loaded machine.
		Eventually(s).WithTimeout(forceTeardown + 20*time.Second).Should(gexec.Exit(130))
		Expect(s.Err).To(gbytes.Say("again: forcing exit"))
		left, err := containers.Leftovers(context.Background(), owner)
		Expect(err).NotTo(HaveOccurred())
		Expect(left).To(BeEmpty(), "containers of the forced exit")
	})
})

func regexpQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `.`, `\.`, `(`, `\(`, `)`, `\)`, `[`, `\[`, `]`, `\]`, `*`, `\*`, `+`, `\+`, `?`, `\?`, `{`, `\{`, `}`, `\}`, `^`, `\^`, `$`, `\$`, `|`, `\|`)
	return r.Replace(s)
}
