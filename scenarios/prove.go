package scenarios

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/containers/xrdpconf"
	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/harness/lint"
	"github.com/xrdp-harness/xrdp-harness/reports"
)

// ProveOptions are the runs lint --prove makes.
type ProveOptions struct {
	Builder *containers.Builder
	// Versions are the run's versions; a finding is proved on those of them
	// it names.
	Versions []Version
	// ConfigDir is the operator's config directory (lint --config): every
	// proof runs with it laid down as `run --config` does (the harness's
	// needs layered on top), and the scenario's own target settings on top
	// of both. "" runs the scenario as written.
	ConfigDir string
	RunID     string
	// OnRun is called after each proof run (progress, partial reports).
	OnRun func(reports.Suite)
}

// proofRun is one run a proof makes: the scenario, with the operator's
// config, on the version it runs on (the finding's own version, or the
// rule's stand-in build when that version cannot be built here).
type proofRun struct {
	finding int    // index into the findings
	label   string // the finding's version label the proof is for
	spec    Spec
	on      Version
	skip    string // why nothing runs ("" when it does)
	note    string // the config it ran with, and any stand-in
}

// planProofs decides, without Docker, what Prove runs for each finding:
// the rule's scenario (lint.Finding.Scenario) with target.config set to
// the operator's directory, on each version the finding names that the
// run has. buildable says whether a version's image can be made here
// (a Debian package in the catalog, or a source tarball).
func planProofs(findings []lint.Finding, o ProveOptions, buildable func(Version) bool) ([]proofRun, error) {
	var dir *xrdpconf.Dir
	if o.ConfigDir != "" {
		d, err := xrdpconf.Load(o.ConfigDir)
		if err != nil {
			return nil, fmt.Errorf("scenarios: prove with --config: %w", err)
		}
		dir = d
	}
	var out []proofRun
	for i, f := range findings {
		if f.Scenario == "" {
			continue
		}
		spec, err := Builtin(f.Scenario)
		if err != nil {
			return nil, fmt.Errorf("scenarios: prove %s: %w", f.Rule, err)
		}
		spec.Target.Config = o.ConfigDir
		for _, label := range f.Versions {
			// A source build's label drops its tarball: lint's 0.9.17@/x.tar.gz
			// is the run's 0.9.17.
			vi := slices.IndexFunc(o.Versions, func(v Version) bool { return v.Label == label || strings.HasPrefix(label, v.Label+"@") })
			if vi < 0 {
				continue
			}
			pr := proofRun{finding: i, label: label, spec: spec, on: o.Versions[vi]}
			if !buildable(pr.on) {
				if f.StandIn == "" {
					pr.skip = fmt.Sprintf("%s cannot be built here (no Debian package in the catalog, no source tarball given: VERSION@TARBALL)", label)
					out = append(out, pr)
					continue
				}
				si, err := ParseVersion(f.StandIn, nil)
				if err != nil {
					return nil, fmt.Errorf("scenarios: prove %s: stand-in %s: %w", f.Rule, f.StandIn, err)
				}
				pr.on = si
				pr.note = fmt.Sprintf("%s cannot be built here (no Debian package, no tarball given): proved on %s, which carries the same defect; ", label, si.Label)
			}
			if !spec.AppliesTo(pr.on.Image.Version) {
				pr.skip = fmt.Sprintf("scenario %s does not run on %s", spec.Name, pr.on.Label)
			}
			var kept string
			pr.spec, kept = fitToOperator(f, pr.spec, dir, pr.on)
			pr.note += configNote(pr.spec, dir) + kept
			out = append(out, pr)
		}
	}
	return out, nil
}

// fitToOperator drops a proof scenario's own setting where the operator's
// value already reaches the trap within the scenario's bounds, so the proof
// shows their setting itself:
//   - max-sessions: their MaxSessions refuses one of the scenario's users
//     (an unset key in a given sesman.ini is 0 on 0.9.x, xrdp v0.9.21.1
//     sesman/config.c:310, which refuses every login; on 0.10 0 is no
//     limit, v0.10.1 sesman/scp_process.c:451-452, and is left alone);
//   - display-port-clash: their X11DisplayOffset is 100 or more (every
//     display they hand out is unchecked) and below the scenario's
//     MaxDisplayNumber=400 with room for its sessions.
func fitToOperator(f lint.Finding, s Spec, dir *xrdpconf.Dir, on Version) (Spec, string) {
	if dir == nil {
		return s, ""
	}
	sesman := dir.Ini("sesman.ini")
	if sesman == nil {
		return s, "" // the packaged file: nothing of theirs to show
	}
	value := func(key string) (int, bool) {
		n := 0
		e, ok := sesman.Get("Sessions", key)
		if ok {
			fmt.Sscan(e.Value, &n)
		}
		return n, ok
	}
	kept := func(key string) string {
		if e, ok := sesman.Get("Sessions", key); ok {
			return fmt.Sprintf("; yours kept: sesman.ini [Sessions] %s=%s (line %d)", key, e.Value, e.Line)
		}
		return fmt.Sprintf("; yours kept: sesman.ini [Sessions] %s not set (0)", key)
	}
	switch f.Rule {
	case "max-sessions":
		if s.Target.MaxSessions == 0 {
			return s, ""
		}
		m, _ := value("MaxSessions")
		users := s.Target.Users
		if users == 0 {
			users = defaultUsers
		}
		v, err := lint.ParseVersion(on.Image.Version)
		newSesman := err == nil && v.Compare(lint.MustVersion("0.10")) >= 0
		if m < users && !(m <= 0 && newSesman) {
			s.Target.MaxSessions = 0
			return s, kept("MaxSessions")
		}
	case "display-port-clash":
		if off, ok := value("X11DisplayOffset"); ok && s.Target.DisplayOffset > 0 && off >= 100 && off+s.Target.MaxSessions <= 400 {
			s.Target.DisplayOffset = 0
			return s, kept("X11DisplayOffset")
		}
	}
	return s, ""
}

// Prove runs, for each finding that names a scenario (lint.Rule.Scenario),
// that built-in scenario on each version the finding affects, with the
// operator's config (ProveOptions.ConfigDir) under the scenario's own
// settings, and marks the finding: confirmed on a version when the run
// there was invalid (the checkers saw the trap), not confirmed when it was
// valid or could not be judged (the detail says which, and which config
// the run had). It returns the findings with their proofs and the suite of
// proof runs.
func Prove(ctx context.Context, findings []lint.Finding, o ProveOptions) ([]lint.Finding, reports.Suite, error) {
	out := slices.Clone(findings)
	suite := reports.Suite{Name: "xrdp-harness lint --prove"}
	cat := containers.DefaultCatalog()
	if o.Builder != nil {
		cat = o.Builder.Catalog()
	}
	plan, err := planProofs(out, o, func(v Version) bool {
		if v.Image.Source != nil {
			return true
		}
		_, err := cat.Lookup(v.Image.Version)
		return err == nil
	})
	if err != nil {
		return out, suite, err
	}
	type key struct {
		finding int
		on      string
	}
	done := map[key]lint.Proof{} // several versions proved on one stand-in run once
	for _, pr := range plan {
		p := lint.Proof{Version: pr.label}
		if prev, ok := done[key{pr.finding, pr.on.Label}]; ok && pr.skip == "" {
			p.Confirmed, p.Detail = prev.Confirmed, prev.Detail
			out[pr.finding].Proofs = append(out[pr.finding].Proofs, p)
			continue
		}
		if pr.skip != "" {
			p.Detail = pr.skip
			out[pr.finding].Proofs = append(out[pr.finding].Proofs, p)
			continue
		}
		s, err := RunSuite(ctx, SuiteOptions{Name: suite.Name, Scenarios: []Spec{pr.spec}, Versions: []Version{pr.on}, Builder: o.Builder, RunID: o.RunID})
		suite.Runs = append(suite.Runs, s.Runs...)
		if o.OnRun != nil {
			o.OnRun(suite)
		}
		if err != nil {
			return out, suite, err
		}
		p.Confirmed, p.Detail = judgeProof(pr.spec.Name, s.Runs)
		p.Detail += "; " + pr.note
		done[key{pr.finding, pr.on.Label}] = p
		out[pr.finding].Proofs = append(out[pr.finding].Proofs, p)
	}
	return out, suite, nil
}

// configNote says which config a proof ran with: the operator's directory
// and its files, and each setting the scenario puts on top (with the
// operator's own value where it differs).
func configNote(s Spec, dir *xrdpconf.Dir) string {
	var b strings.Builder
	if dir == nil {
		b.WriteString("ran with the version's packaged config")
	} else {
		fmt.Fprintf(&b, "ran with --config %s (%s)", dir.Path, strings.Join(dir.Names(), ", "))
	}
	var on []string
	for _, set := range s.Target.settings() {
		w := fmt.Sprintf("%s [%s] %s=%s", set.File, set.Section, set.Key, set.Value)
		if dir != nil {
			if f := dir.Ini(set.File); f != nil {
				if e, ok := f.Get(set.Section, set.Key); ok && e.Value != set.Value {
					w += fmt.Sprintf(" (yours: %s, line %d)", e.Value, e.Line)
				}
			}
		}
		on = append(on, w)
	}
	if len(on) > 0 {
		fmt.Fprintf(&b, ", the scenario's settings on top: %s", strings.Join(on, ", "))
	} else if dir != nil {
		b.WriteString(", nothing of the scenario's on top")
	}
	return b.String()
}

// settings are the ini keys the target section sets on top of any config
// directory, in the order the container applies them.
func (t TargetSpec) settings() []containers.IniSetting {
	var out []containers.IniSetting
	if t.DisplayOffset > 0 {
		out = append(out, containers.IniSetting{File: "sesman.ini", Section: "Sessions", Key: "X11DisplayOffset", Value: strconv.Itoa(t.DisplayOffset)})
	}
	if t.MaxSessions > 0 {
		out = append(out, containers.IniSetting{File: "sesman.ini", Section: "Sessions", Key: "MaxSessions", Value: strconv.Itoa(t.MaxSessions)})
	}
	if t.Policy != "" {
		out = append(out, containers.IniSetting{File: "sesman.ini", Section: "Sessions", Key: "Policy", Value: t.Policy})
	}
	for _, in := range t.Ini {
		if set, err := containers.ParseIniSetting(in); err == nil {
			out = append(out, set)
		}
	}
	return out
}

// signature is what a proof scenario's trap looks like in the verdicts:
// one of Checkers invalid, with Summary in its summary when set. Any other
// invalid verdict alone (a config that breaks every session) does not
// confirm the trap.
type signature struct {
	Checkers []string
	Summary  string
}

// proofSignatures are the traps' signatures, per proof scenario.
var proofSignatures = map[string]signature{
	// Xvnc cannot bind 5900+D, sesman times out waiting for it.
	"high-display": {Checkers: []string{"port-conflicts", "sesman-errors", "vnc-errors"}},
	// "max concurrent session limit exceeded" (sesman/session.c:464-467 at v0.9.21.1).
	"max-sessions-refused": {Checkers: []string{"sesman-errors"}, Summary: "session-limit"},
	// xrdp tries chansrv's UNIX socket for 16 s, then goes on without it.
	"chansrv-tcp": {Checkers: []string{"chansrv"}},
	// more sessions at the end than the two the plan leaves.
	"reconnect-leak": {Checkers: []string{"session-leaks"}, Summary: "left at the end"},
	// defunct children under a sesman that reaps one per signal.
	"reconnect-storm": {Checkers: []string{"zombies", "stale-sessions"}},
}

// judgeProof reads the proof run: confirmed when a checker of the
// scenario's signature is invalid; other invalid verdicts are reported
// but do not confirm the trap.
func judgeProof(scenario string, runs []reports.Run) (bool, string) {
	if len(runs) != 1 {
		return false, fmt.Sprintf("scenario %s made %d runs, want 1", scenario, len(runs))
	}
	r := runs[0]
	sig, signed := proofSignatures[scenario]
	var bad []string
	hit := false
	for _, v := range r.Verdicts {
		if v.Valid == harness.Invalid {
			bad = append(bad, v.Checker+": "+v.Summary)
			if slices.Contains(sig.Checkers, v.Checker) && strings.Contains(v.Summary, sig.Summary) {
				hit = true
			}
		}
	}
	switch r.Outcome() {
	case harness.Invalid:
		if signed && !hit {
			return false, fmt.Sprintf("%s invalid, but not by the trap (want %s%s): %s", r.Label(), strings.Join(sig.Checkers, " or "), quoted(sig.Summary), strings.Join(bad, "; "))
		}
		return true, fmt.Sprintf("%s invalid: %s", r.Label(), strings.Join(bad, "; "))
	case harness.Valid:
		return false, fmt.Sprintf("%s valid: the trap did not show", r.Label())
	default:
		why := r.Err
		if why == "" {
			why = "partial or unjudged run"
		}
		return false, fmt.Sprintf("%s unknown: %s", r.Label(), why)
	}
}

func quoted(s string) string {
	if s == "" {
		return ""
	}
	return fmt.Sprintf(" saying %q", s)
}
