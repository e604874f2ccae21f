package containers_test

import (
	"context"
	"os"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/xrdp-harness/xrdp-harness/containers"
)

func TestContainers(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "containers")
}

// One builder for the whole suite: images built by one spec are reused by
// the next, as in a real run.
var builder *containers.Builder

var _ = BeforeSuite(func(ctx context.Context) {
	var err error
	builder, err = containers.NewBuilder(containers.WithBuildLog(GinkgoWriter))
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(builder.Close)
	if os.Getenv("TESTCONTAINERS_RYUK_DISABLED") != "true" {
		Expect(os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")).To(Succeed())
	}
})

// After the suite, nothing this process labelled may remain.
var _ = AfterSuite(func(ctx context.Context) {
	left, err := containers.Leftovers(ctx, containers.OwnerLabel())
	Expect(err).NotTo(HaveOccurred())
	Expect(left).To(BeEmpty(), "labelled containers left behind")
})
