package main

import (
	"os"
	"regexp"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.yaml.in/yaml/v3"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/scenarios"
)

// The CI templates must work when copied: valid YAML, a matrix of versions
// the catalog has, the defect build as the FROM side, and the files they
// publish where `make run` and `make test` write them.
var _ = Describe("CI templates", func() {
	DescribeTable("name real versions and real report paths",
		func(path string, publishes ...string) {
			b, err := os.ReadFile(path)
			Expect(err).NotTo(HaveOccurred())
			var doc map[string]any
			Expect(yaml.Unmarshal(b, &doc)).To(Succeed(), path)
			text := string(b)
			Expect(text).To(ContainSubstring("--version " + scenarios.DefectBuild))
			Expect(text).To(ContainSubstring(".ci/run"))
			Expect("../../.ci/run").To(BeAnExistingFile())
			for _, p := range publishes {
				Expect(text).To(ContainSubstring(p), "%s does not publish %s", path, p)
			}
			m := regexp.MustCompile(`(?m)(?:version|VERSION): \[([^\]]+)\]`).FindStringSubmatch(text)
			Expect(m).NotTo(BeNil(), "%s has no version matrix", path)
			cat := containers.DefaultCatalog()
			for _, v := range strings.Split(m[1], ",") {
				v = strings.Trim(strings.TrimSpace(v), `"`)
				_, err := cat.Lookup(v)
				Expect(err).NotTo(HaveOccurred(), "matrix version %s of %s", v, path)
			}
		},
		Entry("GitHub Actions", "../../ci/github/xrdp-harness.yml", "out/report.xml", "out/test-junit.xml", "upload-artifact"),
		Entry("GitLab CI", "../../ci/gitlab/xrdp-harness.gitlab-ci.yml", "junit: out/report.xml", "junit: out/test-junit.xml", "out/report.html"),
	)

	It("make test writes ginkgo's JUnit where the templates read it", func() {
		b, err := os.ReadFile("../../Makefile")
		Expect(err).NotTo(HaveOccurred())
		Expect(string(b)).To(ContainSubstring("JUNIT_REPORT ?= out/test-junit.xml"))
		Expect(string(b)).To(ContainSubstring("--junit-report=$(abspath $(JUNIT_REPORT))"))
	})
})
