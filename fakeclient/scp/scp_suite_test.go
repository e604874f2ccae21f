package scp_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestSCPSuite(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "scp")
}
