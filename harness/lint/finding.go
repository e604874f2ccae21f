package lint

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Severity orders findings: Info < Warning < Error.
type Severity int

const (
	Info Severity = iota + 1
	Warning
	Error
)

var severityNames = map[Severity]string{Info: "info", Warning: "warning", Error: "error"}

func (s Severity) String() string {
	if n, ok := severityNames[s]; ok {
		return n
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// ParseSeverity reads "info", "warning" or "error".
func ParseSeverity(s string) (Severity, error) {
	for v, n := range severityNames {
		if strings.EqualFold(s, n) {
			return v, nil
		}
	}
	return 0, fmt.Errorf("severity %q: want info, warning or error", s)
}

func (s Severity) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

func (s *Severity) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err != nil {
		return err
	}
	v, err := ParseSeverity(str)
	*s = v
	return err
}

// Finding is one trap the configuration walks into.
type Finding struct {
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	// Setting is what triggers it: "sesman.ini [Sessions] MaxSessions=120
	// (line 12)", or the version itself.
	Setting string `json:"setting"`
	// Versions are the checked versions it applies to.
	Versions []string `json:"versions"`
	Message  string   `json:"message"`
	// Evidence: xrdp source lines at release tags, measured runs.
	Evidence []string `json:"evidence"`
	Fix      string   `json:"fix"`
	// Scenario is the built-in scenario that shows the trap (lint --prove),
	// "" when none does.
	Scenario string `json:"scenario,omitempty"`
	// StandIn is the build a proof runs on when a version the finding names
	// cannot be built here (Rule.StandIn), "" when there is none.
	StandIn string `json:"standIn,omitempty"`
	// Proofs are the runs of Scenario, one per version proved.
	Proofs []Proof `json:"proofs,omitempty"`
}

// Proof is one run of a finding's scenario on one version.
type Proof struct {
	Version string `json:"version"`
	// Confirmed: the run showed the trap (its verdict was not valid).
	Confirmed bool `json:"confirmed"`
	// Detail summarises the run's failing checks, or why it is not
	// confirmed.
	Detail string `json:"detail"`
}

// Status is "confirmed", "not confirmed" or "" (not proved).
func (f Finding) Status() string {
	if len(f.Proofs) == 0 {
		return ""
	}
	for _, p := range f.Proofs {
		if !p.Confirmed {
			return "not confirmed"
		}
	}
	return "confirmed"
}

// Max is the highest severity among findings (0 when there are none).
func Max(fs []Finding) Severity {
	var m Severity
	for _, f := range fs {
		m = max(m, f.Severity)
	}
	return m
}
