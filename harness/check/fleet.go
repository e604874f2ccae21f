package check

import (
	"fmt"
	"strings"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// FleetTarget is the Target of whole-fleet verdicts.
const FleetTarget = "fleet"

// FleetVerdicts sums up per-target verdicts for a fleet (a Record with two
// or more hosts): one verdict per checker with Target "fleet", invalid if
// any host is invalid, else unknown if any is unknown, else valid, naming
// the hosts behind it. A balancer in front (Flavour harness.FlavourFront)
// is not a host and is left out, but for an invalid verdict of its own
// (logins that reached no host: see Latency): those users could not log in
// to the fleet, so the fleet is invalid too. Records of one host get none.
func FleetVerdicts(r *harness.Record, vs []harness.Verdict) []harness.Verdict {
	if r == nil {
		return nil
	}
	hosts := map[string]bool{}
	fronts := map[string]bool{}
	for _, t := range r.Targets {
		if t.Flavour == harness.FlavourFront {
			fronts[t.Name] = true
		} else {
			hosts[t.Name] = true
		}
	}
	if len(hosts) < 2 {
		return nil
	}
	type sum struct {
		order                   int
		valid, invalid, unknown []string
		front                   []string // fronts judged invalid
		evidence                []harness.Evidence
	}
	by := map[string]*sum{}
	var names []string
	for _, v := range vs {
		if !hosts[v.Target] && !(fronts[v.Target] && v.Valid == harness.Invalid) {
			continue
		}
		s := by[v.Checker]
		if s == nil {
			s = &sum{order: len(names)}
			by[v.Checker] = s
			names = append(names, v.Checker)
		}
		switch v.Valid {
		case harness.Valid:
			s.valid = append(s.valid, v.Target)
		case harness.Invalid:
			if fronts[v.Target] {
				s.front = append(s.front, v.Target)
			} else {
				s.invalid = append(s.invalid, v.Target)
			}
			if len(s.evidence) < 10 {
				s.evidence = append(s.evidence, v.Evidence...)
			}
		default:
			s.unknown = append(s.unknown, v.Target)
		}
	}
	var out []harness.Verdict
	for _, n := range names {
		s := by[n]
		v := harness.Verdict{Checker: n, Target: FleetTarget, Evidence: s.evidence, Metrics: map[string]float64{
			"hosts": float64(len(s.valid) + len(s.invalid) + len(s.unknown)), "hosts_valid": float64(len(s.valid)),
			"hosts_invalid": float64(len(s.invalid)), "hosts_unknown": float64(len(s.unknown))}}
		switch {
		case len(s.invalid) > 0:
			v.Valid = harness.Invalid
			v.Summary = fmt.Sprintf("invalid on %s (%d of %d hosts)", strings.Join(s.invalid, ", "), len(s.invalid), int(v.Metrics["hosts"]))
			if len(s.front) > 0 {
				v.Summary += "; and on the front (ops that reached no host)"
			}
		case len(s.front) > 0:
			v.Valid = harness.Invalid
			v.Summary = fmt.Sprintf("invalid on %s: ops that reached no host (the %d hosts: %d valid, %d unknown)",
				strings.Join(s.front, ", "), int(v.Metrics["hosts"]), len(s.valid), len(s.unknown))
		case len(s.unknown) > 0:
			v.Valid = harness.Unknown
			v.Summary = fmt.Sprintf("unknown on %s, valid on %d", strings.Join(s.unknown, ", "), len(s.valid))
		default:
			v.Valid = harness.Valid
			v.Summary = fmt.Sprintf("valid on all %d hosts", len(s.valid))
		}
		if len(v.Evidence) > 10 {
			v.Evidence = v.Evidence[:10]
		}
		out = append(out, v)
	}
	return out
}
