package fleet_test

import (
	"context"
	"os"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/xrdp-harness/xrdp-harness/containers"
)

func TestFleet(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "fleet")
}

var builder *containers.Builder

var _ = BeforeSuite(func(ctx context.Context) {
	if os.Getenv("TESTCONTAINERS_RYUK_DISABLED") != "true" {
		Expect(os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")).To(Succeed())
	}
	var err error
	builder, err = containers.NewBuilder(containers.WithBuildLog(GinkgoWriter))
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(builder.Close)
})

var _ = AfterSuite(func(ctx context.Context) {
	left, err := containers.Leftovers(ctx, containers.OwnerLabel())
	Expect(err).NotTo(HaveOccurred())
	Expect(left).To(BeEmpty(), "labelled containers left behind")
})
