package rfb_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestRFBSuite(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "rfb")
}
