package harness

import "time"

// Validity is a checker's answer: the Record shows the property holds, shows
// it is broken, or cannot tell (missing data, sampler gaps).
type Validity string

const (
	Valid   Validity = "valid"
	Invalid Validity = "invalid"
	Unknown Validity = "unknown"
)

// Verdict is what one checker concluded from a Record, with the evidence a
// reader needs to act on it.
type Verdict struct {
	Checker  string     `json:"checker"`
	Target   string     `json:"target,omitempty"`
	Valid    Validity   `json:"valid"`
	Summary  string     `json:"summary"`
	Evidence []Evidence `json:"evidence,omitempty"`
	// Metrics are the numbers behind the verdict (counts, percentiles in
	// seconds, rates) for reports and comparisons.
	Metrics map[string]float64 `json:"metrics,omitempty"`
}

// Evidence is one fact from the Record that supports a verdict.
type Evidence struct {
	Time   time.Time `json:"t"`
	Target string    `json:"target,omitempty"`
	What   string    `json:"what"`
}

// Checker judges a Record. Implementations never touch containers: the same
// Record always gives the same Verdicts.
type Checker interface {
	Name() string
	Check(r *Record) []Verdict
}
