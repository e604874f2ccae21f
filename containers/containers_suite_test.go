package containers_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/containers/containertest"
)

func TestContainers(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "containers")
}

// One builder for the whole suite: images built by one spec are reused by
// the next, as in a real run.
var builder *containers.Builder

var _ = containertest.Setup(&builder)
