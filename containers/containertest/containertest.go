// Package containertest is the Docker side of the ginkgo suites that boot
// xrdp: one image builder per suite, Ryuk off, and after the suite a check
// that nothing this process labelled is left behind.
package containertest

import (
	"context"
	"os"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/xrdp-harness/xrdp-harness/containers"
)

// Setup registers the suite's BeforeSuite (a builder into *b, closed at the
// end) and AfterSuite (no labelled container of this process remains).
// Call it at package level: var _ = containertest.Setup(&builder).
func Setup(b **containers.Builder) bool {
	BeforeSuite(func() {
		// The harness cleans up by its own labels; Ryuk's image cannot be
		// pulled here.
		if os.Getenv("TESTCONTAINERS_RYUK_DISABLED") != "true" {
			Expect(os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")).To(Succeed())
		}
		var err error
		*b, err = containers.NewBuilder(containers.WithBuildLog(GinkgoWriter))
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup((*b).Close)
	})
	AfterSuite(func(ctx context.Context) {
		left, err := containers.Leftovers(ctx, containers.OwnerLabel())
		Expect(err).NotTo(HaveOccurred())
		Expect(left).To(BeEmpty(), "labelled containers left behind")
	})
	return true
}
