package lint

import (
	"slices"
	"strings"
)

// Rule is one known trap. Check looks at one version and returns what it
// finds there (Versions is filled in by Lint).
type Rule struct {
	ID      string
	Summary string
	// Scenario is the built-in scenario that shows the trap on a real
	// server ("" when none does yet).
	Scenario string
	// StandIn is a harness build that carries the trap, proved on instead
	// of an affected version that cannot be built here (scenarios.DefectBuild
	// for releases before 0.9.19, whose tarballs are not served here).
	StandIn string
	Check   func(c Config, v Version) []Finding
}

// Rules is the catalog, in report order.
func Rules() []Rule {
	return []Rule{
		unreadLines,
		displayPortClash,
		maxDisplayNumberRule,
		maxSessionsRule,
		listenAddressChansrv,
		scpPortIgnored,
		listenAddressObsolete,
		policyIgnored,
		policyReconnectLeak,
		killDisconnectedXvnc,
		sigchldReaping,
	}
}

// Lint runs every rule on every version and merges the findings that are
// the same on several versions into one naming them all. Findings come
// out by severity (errors first), then in catalog order.
func Lint(c Config, versions []Version) []Finding {
	var out []Finding
	for _, r := range Rules() {
		for _, v := range versions {
			for _, f := range r.Check(c, v) {
				f.Rule = r.ID
				if f.Scenario == "" {
					f.Scenario = r.Scenario
				}
				if f.StandIn == "" && f.Scenario == r.Scenario {
					f.StandIn = r.StandIn
				}
				i := slices.IndexFunc(out, func(g Finding) bool {
					return g.Rule == f.Rule && g.Setting == f.Setting && g.Message == f.Message && g.Severity == f.Severity
				})
				if i >= 0 {
					out[i].Versions = append(out[i].Versions, v.Label)
					continue
				}
				f.Versions = []string{v.Label}
				out = append(out, f)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Finding) int { return int(b.Severity) - int(a.Severity) })
	return out
}

// AtLeast keeps the findings of severity s or more.
func AtLeast(fs []Finding, s Severity) []Finding {
	return slices.DeleteFunc(slices.Clone(fs), func(f Finding) bool { return f.Severity < s })
}

func one(f Finding) []Finding { return []Finding{f} }

func join(parts ...string) string { return strings.Join(parts, " ") }
