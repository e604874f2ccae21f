package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestCLI(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "xrdp-harness CLI")
}

// bin is the CLI built once for the suite, with the agent beside it as
// `make build` lays them out.
var bin string

var _ = BeforeSuite(func() {
	dir := GinkgoT().TempDir()
	bin = filepath.Join(dir, "xrdp-harness")
	for pkg, out := range map[string]string{".": bin, "../xrdp-harness-agent": filepath.Join(dir, "xrdp-harness-agent")} {
		// -buildvcs=true: stamp the revision `version` prints, as `make build` does.
		cmd := exec.Command("go", "build", "-buildvcs=true", "-o", out, pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		b, err := cmd.CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), string(b))
	}
})
