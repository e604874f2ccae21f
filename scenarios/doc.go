// Package scenarios holds the named scenarios of xrdp-harness as typed,
// validated specs (YAML files: defaults/ ships the default suite), turns a
// spec into an engine plan for one xrdp version (lab, load, fault schedule,
// checkers with the spec's thresholds), and runs suites: every scenario on
// every version, with upgrade comparisons and capacity figures, as
// reports.Suite values. The ginkgo suites here run the default scenarios
// against real xrdp containers.
package scenarios
