package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

// startNoDocker runs the CLI with the Docker socket pointed at nothing: an
// answer that comes from preflight cannot have needed the engine.
func startNoDocker(args ...string) *gexec.Session {
	GinkgoHelper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "DOCKER_HOST=unix://"+filepath.Join(GinkgoT().TempDir(), "no-docker.sock"),
		"XDG_CACHE_HOME="+GinkgoT().TempDir())
	s, err := gexec.Start(cmd, GinkgoWriter, GinkgoWriter)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { s.Kill().Wait(time.Minute) })
	return s
}

// fakeRelease writes a gzip tar laid out like an xrdp release tarball.
func fakeRelease(path, version string) {
	GinkgoHelper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, body := range map[string]string{
		"xrdp-" + version + "/configure":    "#!/bin/sh\n",
		"xrdp-" + version + "/configure.ac": "AC_INIT([xrdp], [" + version + "], [xrdp-devel@googlegroups.com])\n",
	} {
		Expect(tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body))})).To(Succeed())
		_, err := tw.Write([]byte(body))
		Expect(err).NotTo(HaveOccurred())
	}
	Expect(tw.Close()).To(Succeed())
	Expect(zw.Close()).To(Succeed())
	Expect(os.WriteFile(path, buf.Bytes(), 0o644)).To(Succeed())
}

var _ = Describe("preflight", func() {
	DescribeTable("refuses bad input before any Docker call, with exit 2",
		func(args []string, wants ...string) {
			s := startNoDocker(args...)
			Eventually(s).WithTimeout(time.Minute).Should(gexec.Exit(2))
			out := string(s.Err.Contents())
			for _, w := range wants {
				Expect(out).To(ContainSubstring(w))
			}
			Expect(out).NotTo(ContainSubstring("no-docker.sock"), "preflight must not have dialled Docker")
		},
		Entry("empty --version", []string{"run", "--version", ""}, `has an empty item`),
		Entry("blank --version list", []string{"run", "--version", " , ,"}, `has an empty item`),
		Entry("empty --scenario", []string{"run", "--scenario", ""}, `has an empty item`),
		Entry("build flags on a packaged version", []string{"run", "--scenario", "baseline", "--version", "0.9.21.1", "--cflags", "-O0"},
			"apply to source builds only"),
		Entry("http tarball", []string{"run", "--scenario", "baseline", "--version", "0.9.22.1@http://example.org/x.tar.gz"},
			"only https URLs and local paths"),
		Entry("un-hashed URL", []string{"run", "--scenario", "baseline", "--version", "0.9.22.1@https://example.org/x.tar.gz"},
			"append #sha256=<hex>"),
		Entry("short sha256, used as a path", []string{"run", "--scenario", "baseline", "--version", "0.9.22.1@https://example.org/x.tar.gz#sha256=../../x"},
			`sha256 "../../x": want 64 hex digits`),
		Entry("missing tarball", []string{"run", "--scenario", "baseline", "--version", "0.9.22.1@/nonexistent/xrdp.tar.gz"},
			"no such file"),
		Entry("no run at a time", []string{"run", "--parallel", "0"}, "--parallel 0: want 1 (one run at a time) to 8"),
		Entry("too many runs at a time", []string{"run", "--parallel", "30"}, "--parallel 30: want 1 (one run at a time) to 8"),
	)

	It("refuses a --password-file that is missing, readable by others or not a password", func() {
		dir := GinkgoT().TempDir()
		write := func(name, body string, mode os.FileMode) string {
			p := filepath.Join(dir, name)
			Expect(os.WriteFile(p, []byte(body), mode)).To(Succeed())
			Expect(os.Chmod(p, mode)).To(Succeed())
			return p
		}
		for f, want := range map[string]string{
			filepath.Join(dir, "none"):          "no such file",
			write("open", "secret\n", 0o644):    "lets others read it; chmod 600",
			write("empty", "\nsecond\n", 0o600): "empty",
			write("colon", "a:b\n", 0o600):      "contains ':'",
		} {
			s := startNoDocker("run", "--scenario", "baseline", "--version", "0.9.21.1", "--password-file", f)
			Eventually(s).WithTimeout(time.Minute).Should(gexec.Exit(2))
			out := string(s.Err.Contents())
			Expect(out).To(ContainSubstring("--password-file"))
			Expect(out).To(ContainSubstring(want))
			Expect(out).NotTo(ContainSubstring("no-docker.sock"), "preflight must not have dialled Docker")
		}
	})

	It("names every problem of the run at once", func() {
		dir := GinkgoT().TempDir()
		notGzip := filepath.Join(dir, "xrdp-0.9.22.1.tar.gz")
		Expect(os.WriteFile(notGzip, []byte("not a tarball"), 0o644)).To(Succeed())
		release := filepath.Join(dir, "xrdp-0.9.23.tar.gz")
		fakeRelease(release, "0.9.23")
		nan := filepath.Join(dir, "nan.yaml")
		Expect(os.WriteFile(nan, []byte("name: nan\nload:\n  - {kind: constant, rate: .nan, duration: 1s}\n"), 0o644)).To(Succeed())
		nomatch := filepath.Join(dir, "nomatch.yaml")
		Expect(os.WriteFile(nomatch, []byte("name: nomatch\nversions: [\"0.8.\"]\nload:\n  - {kind: burst, n: 1}\n"), 0o644)).To(Succeed())
		caps := filepath.Join(dir, "caps.yaml")
		Expect(os.WriteFile(caps, []byte("name: caps\ntarget:\n  capabilities: [ALL]\n  resources: {memoryMB: -5}\nload:\n  - {kind: reconnect-storm, cycles: 1e12}\n"), 0o644)).To(Succeed())

		s := startNoDocker("run", "--scenario", nan, "--scenario", nomatch, "--scenario", caps,
			"--version", "0.9.22.1@"+notGzip,
			"--version", "0.9.22.1@"+release+"#sha256="+strings.Repeat("ab", 32),
			"--version", "0.9.21.1", "--configure-flag", "--enable-x; id", "--format", "pdf")
		Eventually(s).WithTimeout(time.Minute).Should(gexec.Exit(2))
		out := string(s.Err.Contents())
		for _, w := range []string{
			"load[0]: rate NaN",
			"scenario nomatch: versions [0.8.] match no version of this run",
			`target.capabilities[0]: capability "ALL"`,
			"target.resources.memoryMB: -5",
			"load[0].cycles 1000000000000",
			"not a gzip file",
			"sha256 is ", // the fake release's real sum, against the given one
			`configure flag "--enable-x; id"`,
			`unknown format "pdf"`,
		} {
			Expect(out).To(ContainSubstring(w))
		}
		Expect(out).NotTo(ContainSubstring("no-docker.sock"))
	})

	It("passes a good run on to Docker, which is not there", func() {
		s := startNoDocker("run", "--scenario", "baseline", "--version", "0.9.21.1", "--out", GinkgoT().TempDir())
		Eventually(s).WithTimeout(time.Minute).Should(gexec.Exit())
		Expect(s.ExitCode()).NotTo(Equal(2), string(s.Err.Contents()))
		Expect(string(s.Err.Contents())).To(ContainSubstring("no-docker.sock"))
	})
})
