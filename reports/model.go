package reports

import (
	"github.com/xrdp-harness/xrdp-harness/containers/xrdpconf"
	"github.com/xrdp-harness/xrdp-harness/harness/lint"

	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Run is one scenario on one target version, judged.
type Run struct {
	Scenario    string `json:"scenario"`
	Description string `json:"description,omitempty"`
	Version     string `json:"version"`           // upstream xrdp version, e.g. "0.9.21.1"
	Flavour     string `json:"flavour,omitempty"` // "debian" or "source"
	Image       string `json:"image,omitempty"`

	// Started is when the run's lab was up (its own time starts there), or
	// when the run began if the lab never came up.
	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended"`
	// LabUp is how long the lab took to come up before Started (containers
	// booting; images are built before the run and reported by the suite).
	LabUp time.Duration `json:"labUp,omitempty"`

	// Err is set when the run could not be carried out (the lab did not come
	// up, the plan was rejected); Record may then be nil.
	Err string `json:"err,omitempty"`
	// Partial is set when the run stopped before its plan ended (Ctrl-C, a
	// crashed target): its verdicts judge only what was recorded.
	Partial bool            `json:"partial,omitempty"`
	Record  *harness.Record `json:"record,omitempty"`
	// Events counts the Record's raw events, so that they stay known when a
	// JSON report leaves the events out (JSON.OmitEvents).
	Events   EventCounts       `json:"events"`
	Verdicts []harness.Verdict `json:"verdicts"`
	// Validity is the run's overall answer, Run.Outcome(). Writers
	// recompute it; the field is there for readers of the JSON.
	Validity harness.Validity `json:"validity"`
	Capacity *Capacity        `json:"capacity,omitempty"`
}

// EventCounts is the size of a Record.
type EventCounts struct {
	Ops    int `json:"ops"`
	Procs  int `json:"procs"`
	Ticks  int `json:"ticks"`
	Logs   int `json:"logs"`
	Faults int `json:"faults"`
}

// slim reports whether the raw events (ops, procs, ticks, logs) are none.
func (c EventCounts) slim() bool { return c.Ops+c.Procs+c.Ticks+c.Logs == 0 }

func countEvents(r *harness.Record) EventCounts {
	if r == nil {
		return EventCounts{}
	}
	return EventCounts{Ops: len(r.Ops), Procs: len(r.Procs), Ticks: len(r.Ticks), Logs: len(r.Logs), Faults: len(r.Faults)}
}

// Capacity is how many sessions a node held before it degraded: the result
// of a run that steps its load through levels.
type Capacity struct {
	// Sessions is the highest level that held (0: not even the first).
	Sessions int `json:"sessions"`
	// Limit says what degraded first ("login p99 > 5s", "error rate 3.0% >
	// 1.0%", "zombies"); empty when every level held.
	Limit  string          `json:"limit,omitempty"`
	Levels []CapacityLevel `json:"levels"`
	// Knee is set for runs judged on response times (see Knee): then the
	// levels above carry its average responses in P50 and P99.
	Knee *Knee `json:"knee,omitempty"`
}

// CapacityLevel is what one load level measured.
type CapacityLevel struct {
	Sessions  int           `json:"sessions"`
	P50       time.Duration `json:"p50"`
	P99       time.Duration `json:"p99"`
	ErrorRate float64       `json:"errorRate"` // (fail+info)/total, 0..1
	Zombies   int           `json:"zombies"`
	MemoryMB  float64       `json:"memoryMB,omitempty"` // 0: not measured
	// Held is whether the level stayed within the limits; Why names what
	// broke when it did not.
	Held bool   `json:"held"`
	Why  string `json:"why,omitempty"`
}

// Suite is everything one invocation ran.
type Suite struct {
	// Schema is the version of this JSON layout (SchemaVersion when
	// written); 0 in reports written before the field existed, which have
	// the layout of version 1.
	Schema int `json:"schema,omitempty"`
	// Harness is the version of xrdp-harness that wrote the report.
	Harness string `json:"harness,omitempty"`
	// Versions are the version labels in the order the run was given them:
	// the verdict matrix's columns follow it (versions not listed come
	// after, oldest first).
	Versions    []string     `json:"versions,omitempty"`
	Name        string       `json:"name"`
	Started     time.Time    `json:"started"`
	Ended       time.Time    `json:"ended"`
	Runs        []Run        `json:"runs"`
	Comparisons []Comparison `json:"comparisons,omitempty"`
	// Interrupted is set when the invocation was stopped (Ctrl-C): the
	// report holds what finished and the partial run that was cut short.
	Interrupted bool `json:"interrupted,omitempty"`
	// InProgress is set on the reports written while the suite still runs
	// (after each run): more runs may follow.
	InProgress bool     `json:"inProgress,omitempty"`
	Notes      []string `json:"notes,omitempty"`
	// Parallel is how many runs could go on at once (run --parallel; 0 or
	// 1: one at a time); capacity runs always ran alone. Each run's
	// started and ended show which overlapped.
	Parallel int `json:"parallel,omitempty"`
	// Configs are the operator's config directories the runs used, each
	// with its lint findings for the run's versions.
	Configs []ConfigLint `json:"configs,omitempty"`
	// Images is how each version's image was made, in run order.
	Images []ImageBuild `json:"images,omitempty"`
}

// ConfigLint is one operator config directory (--config, target.config)
// and what lint found in it for the versions of the run.
type ConfigLint struct {
	Dir       string         `json:"dir"`
	Files     []string       `json:"files"`
	Scenarios []string       `json:"scenarios"`
	Versions  []string       `json:"versions"`
	Findings  []lint.Finding `json:"findings"`
	// Drift is, per version, what its packaged files do differently with
	// the directory's files (the first version is compared with none, each
	// other with the first).
	Drift []xrdpconf.Drift `json:"drift,omitempty"`
}

// NewRun builds a Run from what harness.Run and the checkers returned.
// Scenario and times come from the Record, version, flavour and image from
// its first target; err (the error harness.Run returned) sets Err. rec may
// be nil when the run never started: the caller then fills Scenario and
// Version.
func NewRun(rec *harness.Record, verdicts []harness.Verdict, err error) Run {
	r := Run{Record: rec, Verdicts: verdicts}
	if err != nil {
		r.Err = err.Error()
	}
	if rec != nil {
		r.Scenario = rec.Scenario
		r.Started, r.Ended = rec.Started, rec.Ended
		if !rec.LabUp.IsZero() {
			r.Started, r.LabUp = rec.LabUp, rec.LabUp.Sub(rec.Started)
		}
		r.Partial = rec.Partial
		if len(rec.Targets) > 0 {
			t := rec.Targets[0]
			r.Version, r.Flavour, r.Image = t.Version, t.Flavour, t.Image
		}
	}
	r.Events = countEvents(rec)
	r.Validity = r.Outcome()
	return r
}

// Overall combines validities: invalid if any is invalid, else unknown if
// any is unknown, else valid (also for none: nothing contradicts it).
func Overall(vs ...harness.Validity) harness.Validity {
	out := harness.Valid
	for _, v := range vs {
		switch v {
		case harness.Invalid:
			return harness.Invalid
		case harness.Valid:
		default: // Unknown, and anything unrecognised
			out = harness.Unknown
		}
	}
	return out
}

// Outcome is the run's overall validity: Overall of its verdicts, except that
// a run that erred, stopped early or was not judged at all cannot be valid
// (it is unknown unless a verdict found a defect: a defect found is found).
func (r Run) Outcome() harness.Validity {
	vs := make([]harness.Validity, 0, len(r.Verdicts)+1)
	for _, v := range r.Verdicts {
		vs = append(vs, v.Valid)
	}
	if r.Err != "" || r.Partial || len(r.Verdicts) == 0 {
		vs = append(vs, harness.Unknown)
	}
	return Overall(vs...)
}

// Label is "scenario @ version", the run's name in every report.
func (r Run) Label() string {
	v := r.Version
	if v == "" {
		v = "(version unknown)"
	}
	return r.Scenario + " @ " + v
}

// Duration is Ended-Started (0 when either is unset).
func (r Run) Duration() time.Duration {
	if r.Started.IsZero() || r.Ended.IsZero() {
		return 0
	}
	return r.Ended.Sub(r.Started)
}

// Versions lists the versions of the suite's runs, oldest first.
func Versions(s Suite) []string {
	var out []string
	for _, r := range s.Runs {
		if !slices.Contains(out, r.Version) {
			out = append(out, r.Version)
		}
	}
	slices.SortFunc(out, compareVersions)
	return out
}

// Outcome is the suite's overall validity (Overall of its runs' outcomes;
// unknown for an interrupted or empty suite unless a run is invalid).
func (s Suite) Outcome() harness.Validity {
	vs := make([]harness.Validity, 0, len(s.Runs)+1)
	for _, r := range s.Runs {
		vs = append(vs, r.Outcome())
	}
	if s.Interrupted || s.InProgress || len(s.Runs) == 0 {
		vs = append(vs, harness.Unknown)
	}
	return Overall(vs...)
}

// sorted returns a copy of s whose runs are ordered by scenario, version
// (in the order of s.Versions, then numerically), flavour and start, with
// Validity and Events filled: what every writer renders. Records are
// shared, not copied.
func (s Suite) sorted() Suite {
	out := s
	out.Runs = slices.Clone(s.Runs)
	for i := range out.Runs {
		r := &out.Runs[i]
		r.Validity = r.Outcome()
		// A Record read back from a JSON written with OmitEvents has no
		// events left: its counts are the ones written then.
		if c := countEvents(r.Record); !c.slim() || r.Events.slim() {
			r.Events = c
		}
	}
	rank := func(v string) int {
		if i := slices.Index(s.Versions, v); i >= 0 {
			return i
		}
		return len(s.Versions)
	}
	slices.SortStableFunc(out.Runs, func(a, b Run) int {
		return cmp.Or(cmp.Compare(a.Scenario, b.Scenario), cmp.Compare(rank(a.Version), rank(b.Version)), compareRuns(a, b))
	})
	return out
}

func compareRuns(a, b Run) int {
	return cmp.Or(
		cmp.Compare(a.Scenario, b.Scenario),
		compareVersions(a.Version, b.Version),
		cmp.Compare(a.Flavour, b.Flavour),
		a.Started.Compare(b.Started),
	)
}

// compareVersions orders "0.9.9" before "0.9.17" before "0.10.1": dotted
// numbers compare numerically; a suffix ("-1", "~bpo12") compares as text
// after the numbers. A name without numbers ("main", a branch) sorts after
// every numbered version, an empty one first.
func compareVersions(a, b string) int {
	na, ra := versionParts(a)
	nb, rb := versionParts(b)
	rank := func(n []int, rest string) int {
		switch {
		case len(n) > 0:
			return 1
		case rest != "":
			return 2
		}
		return 0
	}
	return cmp.Or(cmp.Compare(rank(na, ra), rank(nb, rb)), slices.Compare(na, nb), cmp.Compare(ra, rb))
}

func versionParts(s string) (nums []int, rest string) {
	s = strings.TrimSpace(s)
	for s != "" {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 || i > 9 {
			return nums, s
		}
		n, _ := strconv.Atoi(s[:i])
		nums = append(nums, n)
		s = s[i:]
		if len(s) < 2 || s[0] != '.' || s[1] < '0' || s[1] > '9' {
			return nums, s
		}
		s = s[1:]
	}
	return nums, ""
}

// versionBelow reports whether v is a readable version lower than limit;
// false for an unreadable v (unknown is not "old").
func versionBelow(v, limit string) bool {
	nv, _ := versionParts(v)
	nl, _ := versionParts(limit)
	return len(nv) > 0 && slices.Compare(nv, nl) < 0
}
