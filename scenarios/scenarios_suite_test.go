package scenarios_test

import (
	"context"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/xrdp-harness/xrdp-harness/containers"
)

func TestScenarios(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "scenarios")
}

var builder *containers.Builder

var _ = BeforeSuite(func() {
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
