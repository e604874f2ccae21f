package reports

import (
	"github.com/xrdp-harness/xrdp-harness/containers/xrdpconf"

	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Markdown writes a GitHub-flavoured Markdown report, for a CI job summary
// or a pull-request comment: the headline verdict of each scenario on each
// version, the upgrade comparisons, capacity, then per run what to do, the
// verdicts, their evidence, fault windows, notes and metrics. Everything
// taken from a Record (log lines, errors) is escaped, so a log line cannot
// inject markup.
type Markdown struct {
	// MaxEvidence caps the evidence items shown per verdict (the rest is
	// counted). Zero: 10.
	MaxEvidence int
	// Advice is the "what to do" table. Nil: DefaultAdvice(); empty (not
	// nil): no advice.
	Advice []Advice
}

// Write renders s.
func (m Markdown) Write(w io.Writer, s Suite) error {
	advice := m.Advice
	if advice == nil {
		advice = DefaultAdvice()
	}
	maxEv := m.MaxEvidence
	if maxEv == 0 {
		maxEv = 10
	}
	v := buildView(s, advice, maxEv)
	bw := bufio.NewWriter(w)
	writeMarkdown(bw, v)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("reports: write markdown: %w", err)
	}
	return nil
}

func writeMarkdown(w *bufio.Writer, v view) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	name := v.Suite.Name
	if name == "" {
		name = "run"
	}
	p("# %s xrdp-harness: %s\n\n", symbol(v.Outcome), md(name))
	var head []string
	if !v.Suite.Started.IsZero() {
		head = append(head, fmtTime(v.Suite.Started))
	}
	if !v.Suite.Started.IsZero() && !v.Suite.Ended.IsZero() {
		head = append(head, "took "+fmtDur(v.Suite.Ended.Sub(v.Suite.Started)))
	}
	head = append(head, fmt.Sprintf("%d runs: %d ✗ invalid, %d ? unknown, %d ✓ valid",
		v.Counts.Total, v.Counts.Invalid, v.Counts.Unknown, v.Counts.Valid))
	p("%s\n\n", strings.Join(head, " · "))
	judged := Judge(v.Suite)
	p("**%s**\n\n", md(judged.Headline))
	if v.Suite.InProgress {
		p("> **In progress**: the suite is still running; this report holds the runs finished so far " +
			"and is rewritten after each run.\n\n")
	}
	if v.Suite.Interrupted {
		p("> **Interrupted**: the suite was stopped before it ended; this report holds the runs that " +
			"finished and the one that was cut short.\n\n")
	}
	for _, n := range v.Suite.Notes {
		p("> %s\n\n", md(n))
	}

	if len(v.Suite.Runs) > 0 {
		p("## Summary\n\n|")
		for _, h := range SummaryHeader() {
			p(" %s |", md(h))
		}
		p("\n|%s\n", strings.Repeat("---|", len(SummaryHeader())))
		sums := Summarize(v.Suite, judged)
		for _, rs := range sums {
			p("|")
			for _, c := range rs.Cells() {
				p(" %s |", md(c))
			}
			p("\n")
		}
		p("\n")
		for _, rs := range sums {
			if rs.Judged.Status != Pass || rs.Judged.Expect == ExpectDefect {
				p("- %s **%s**: %s\n", md(string(rs.Judged.Status)), md(rs.Label), md(rs.Judged.Why))
			}
		}
		p("\n")
	}

	if len(v.Matrix.Rows) > 0 {
		p("## Verdicts\n\n| scenario |")
		for _, c := range v.Matrix.Columns {
			p(" %s |", md(c))
		}
		p("\n|---|%s\n", strings.Repeat("---|", len(v.Matrix.Columns)))
		for _, row := range v.Matrix.Rows {
			p("| %s |", md(row.Scenario))
			for _, c := range row.Cells {
				p(" %s |", strings.TrimSpace(symbol(c.Validity)+" "+md(c.Text)))
			}
			p("\n")
		}
		p("\n✓ valid · ✗ invalid (the checkers named) · ? unknown (could not tell: error, partial run, missing data) · — not run\n\n")
	}

	for _, c := range v.Suite.Configs {
		writeConfigMD(w, c)
	}

	for _, c := range v.Comparisons {
		writeComparisonMD(w, c)
	}

	if len(v.Capacities) > 0 {
		p("## Capacity\n\n")
		for _, cv := range v.Capacities {
			writeCapacityMD(w, cv)
		}
	}

	if len(v.Suite.Images) > 0 {
		writeImagesMD(w, v.Suite.Images)
	}

	if len(v.Runs) > 0 {
		p("## Runs\n\n")
	}
	for _, rv := range v.Runs {
		writeRunMD(w, rv)
	}
}

// writeConfigMD lists the lint findings of one operator config directory.
func writeConfigMD(w *bufio.Writer, c ConfigLint) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("## Your config: %s\n\n", code(c.Dir))
	p("%s, used by %s on %s: %d lint finding(s)\n\n", md(strings.Join(c.Files, ", ")), md(strings.Join(c.Scenarios, ", ")),
		md(strings.Join(c.Versions, ", ")), len(c.Findings))
	writeDriftMD(w, c.Drift)
	if len(c.Findings) == 0 {
		return
	}
	p("| severity | rule | versions | setting | proof |\n|---|---|---|---|---|\n")
	for _, f := range c.Findings {
		proof := f.Status()
		if proof == "" && f.Scenario != "" {
			proof = "not proved (lint --prove runs " + f.Scenario + ")"
		}
		p("| %s | %s | %s | %s | %s |\n", md(f.Severity.String()), md(f.Rule), md(strings.Join(f.Versions, ", ")), md(f.Setting), md(proof))
	}
	p("\n")
	for _, f := range c.Findings {
		p("- **%s** %s. Fix: %s. Evidence: %s\n", md(f.Rule), md(f.Message), md(f.Fix), md(strings.Join(f.Evidence, "; ")))
		for _, pr := range f.Proofs {
			st := "not confirmed"
			if pr.Confirmed {
				st = "confirmed"
			}
			p("  - proof on %s: %s: %s\n", md(pr.Version), st, md(pr.Detail))
		}
	}
	p("\n")
}

// newDefaults are the version's changed defaults that reach the operator:
// those of keys the operator's files leave unset (both renderers list them).
func newDefaults(d xrdpconf.Drift) []xrdpconf.DefaultChange {
	var out []xrdpconf.DefaultChange
	for _, c := range d.Defaults {
		if !c.OperatorSet {
			out = append(out, c)
		}
	}
	return out
}

// writeDriftMD lists what each version's packaged files do differently
// with the operator's: unknown keys, and new defaults that reach them.
func writeDriftMD(w *bufio.Writer, ds []xrdpconf.Drift) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	for _, d := range ds {
		apply := newDefaults(d)
		if len(d.Unknown) == 0 && len(apply) == 0 {
			continue
		}
		if d.From == "" {
			p("**%s** (packaged files):", md(d.To))
		} else {
			p("**%s** against %s (packaged files):", md(d.To), md(d.From))
		}
		p(" %d of your keys it does not know, %d new defaults you do not override\n\n", len(d.Unknown), len(apply))
		for _, k := range d.Unknown {
			p("- unknown: %s\n", md(k.String()))
		}
		const most = 15
		for i, c := range apply {
			if i == most {
				p("- … %d more default changes in report.json\n", len(apply)-most)
				break
			}
			p("- default: %s\n", md(c.String()))
		}
		p("\n")
	}
}

// writeImagesMD is the build table: per version, whether its image was
// built or found, how long that took and the layers built for it.
func writeImagesMD(w *bufio.Writer, images []ImageBuild) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("## Images\n\nBuilt before the runs that use them (while earlier versions ran); run times exclude them.\n\n")
	p("| version | image | got | took | size | layers built |\n|---|---|---|---|---|---|\n")
	for _, ib := range images {
		got := "found"
		if ib.Built {
			got = "built"
		}
		if ib.Err != "" {
			got = "❌ " + md(firstLineOf(ib.Err))
		}
		var built []string
		for _, l := range ib.Layers {
			if l.Built {
				built = append(built, code(l.Image)+" "+fmtDur(l.Took))
			}
		}
		p("| %s | %s | %s | %s | %d MiB | %s |\n", md(ib.Version), code(ib.Image), got, fmtDur(ib.Took), ib.Size>>20,
			cmpOr(strings.Join(built, ", "), "—"))
	}
	p("\n")
}

func firstLineOf(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func writeComparisonMD(w *bufio.Writer, c Comparison) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("## Upgrade %s → %s\n\n", md(c.From), md(c.To))
	if len(c.Rows) == 0 {
		p("No scenario ran on %s or %s.\n\n", md(c.From), md(c.To))
		return
	}
	p("| scenario | %s | %s | change |", md(c.From), md(c.To))
	keys := KeyMetrics()
	for _, k := range keys {
		p(" %s |", metricLabel(k))
	}
	p("\n|---|:-:|:-:|---|%s\n", strings.Repeat("---|", len(keys)))
	for _, row := range c.Rows {
		p("| %s | %s | %s | %s |", md(row.Scenario), symbol(row.From), symbol(row.To), changeMD(row.Change))
		for _, k := range keys {
			cell := "—"
			for _, d := range row.Metrics {
				if d.Name == k {
					cell = fmtMetricDelta(d)
				}
			}
			p(" %s |", cell)
		}
		p("\n")
	}
	p("\n")
	for _, row := range c.Rows {
		var moved []string
		for _, cc := range row.Checkers {
			if cc.Change != Same {
				moved = append(moved, fmt.Sprintf("%s %s (%s → %s)", md(cc.Checker), cc.Change, symbol(cc.From), symbol(cc.To)))
			}
		}
		if len(moved) > 0 || row.Note != "" {
			line := strings.Join(moved, ", ")
			if row.Note != "" {
				line = strings.TrimPrefix(line+"; "+md(row.Note), "; ")
			}
			p("- **%s**: %s\n", md(row.Scenario), line)
		}
	}
	p("\n")
}

func changeMD(c Change) string {
	switch c {
	case Fixed:
		return "**fixed** 🎉"
	case Regressed:
		return "**regressed** 🔻"
	}
	return string(c)
}

func writeCapacityMD(w *bufio.Writer, cv capacityView) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	c := cv.Capacity
	if c.Knee != nil {
		writeKneeMD(w, cv.Label, c.Knee)
		return
	}
	p("**%s**: %d sessions held", md(cv.Label), c.Sessions)
	if c.Limit != "" {
		p("; first to degrade: %s", md(c.Limit))
	} else if len(c.Levels) > 0 {
		p("; every level held")
	}
	p(".\n\n")
	if len(c.Levels) == 0 {
		return
	}
	var worst time.Duration
	mem := false
	for _, l := range c.Levels {
		worst = max(worst, l.P99)
		mem = mem || l.MemoryMB > 0
	}
	p("| sessions | p50 | p99 | error rate | zombies |")
	if mem {
		p(" memory |")
	}
	p(" held |\n|---:|---:|:--|---:|---:|")
	if mem {
		p("---:|")
	}
	p(":-:|\n")
	for _, l := range c.Levels {
		bar := ""
		if worst > 0 {
			bar = strings.Repeat("▇", int(12*float64(l.P99)/float64(worst)+0.5)) + " "
		}
		p("| %d | %s | %s%s | %.1f%% | %d |", l.Sessions, fmtDur(l.P50), bar, fmtDur(l.P99), 100*l.ErrorRate, l.Zombies)
		if mem {
			p(" %.0f MB |", l.MemoryMB)
		}
		held := "✓"
		if !l.Held {
			held = "✗ " + md(l.Why)
		}
		p(" %s |\n", strings.TrimSpace(held))
	}
	p("\n")
}

func writeRunMD(w *bufio.Writer, rv runView) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	r := rv.Run
	title := md(r.Label())
	if r.Flavour != "" {
		title += " (" + md(r.Flavour) + ")"
	}
	p("### %s %s\n\n", symbol(rv.Outcome), title)
	if r.Description != "" {
		p("_%s_\n\n", md(r.Description))
	}
	var meta []string
	if !r.Started.IsZero() {
		meta = append(meta, "started "+fmtTime(r.Started))
	}
	if d := r.Duration(); d > 0 {
		meta = append(meta, "took "+fmtDur(d))
	}
	if r.LabUp > 0 {
		meta = append(meta, "lab up in "+fmtDur(r.LabUp))
	}
	if r.Image != "" {
		meta = append(meta, "image "+code(r.Image))
	}
	if rv.Ops != "" {
		meta = append(meta, rv.Ops)
	}
	if r.Partial {
		meta = append(meta, "**partial**")
	}
	if len(meta) > 0 {
		p("%s\n\n", strings.Join(meta, " · "))
	}
	if len(rv.Key) > 0 {
		var km []string
		for _, m := range rv.Key {
			km = append(km, m.Label+" **"+m.Value+"**")
		}
		p("Key metrics: %s\n\n", strings.Join(km, " · "))
	}
	if r.Record != nil {
		for _, t := range r.Record.Targets {
			if len(t.Layered) == 0 {
				continue
			}
			p("**Layered on your config** (%s: what the harness changed to run it, everything else is yours)\n\n", md(t.Name))
			for _, c := range t.Layered {
				p("- %s\n", md(c.String()))
			}
			p("\n")
		}
	}
	if len(rv.Advice) > 0 {
		p("**What to do**\n\n")
		for _, a := range rv.Advice {
			p("- **%s**: %s\n", md(a.Checker), md(a.Text))
		}
		p("\n")
	}
	if len(rv.Verdicts) > 0 {
		// A run with nothing to report keeps its checkers folded.
		folded := rv.Outcome == harness.Valid
		if folded {
			p("<details><summary>%d checkers valid</summary>\n\n", len(rv.Verdicts))
		}
		p("| checker | verdict | summary |\n|---|---|---|\n")
		for _, vv := range rv.Verdicts {
			p("| %s | %s %s | %s |\n", md(vv.Name), symbol(vv.V.Valid), md(string(vv.V.Valid)), md(vv.V.Summary))
		}
		p("\n")
		if folded {
			p("</details>\n\n")
		}
	}
	first := true
	for _, vv := range rv.Verdicts {
		if vv.V.Valid == harness.Valid || len(vv.Evidence) == 0 {
			continue
		}
		if first {
			p("**Evidence** (seconds after the run's start)\n\n")
			first = false
		}
		p("%s **%s**: %s\n\n", symbol(vv.V.Valid), md(vv.Name), md(vv.V.Summary))
		for _, e := range vv.Evidence {
			p("- %s %s\n", code(e.At), md(e.What))
		}
		if vv.Hidden > 0 {
			p("- … %d more (see the HTML or JSON report)\n", vv.Hidden)
		}
		p("\n")
	}
	if len(rv.Faults) > 0 {
		p("**Fault windows**\n\n| fault | target | inject | heal | held | detail |\n|---|---|---:|---:|---:|---|\n")
		for _, f := range rv.Faults {
			detail := md(f.Detail)
			if f.Err != "" {
				detail = strings.TrimSpace(detail + " (error) " + md(f.Err))
			}
			p("| %s | %s | %s | %s | %s | %s |\n", md(f.Name), md(f.Target), f.Inject, f.Heal, f.Held, detail)
		}
		p("\n")
	}
	if len(rv.Notes) > 0 {
		p("**Notes**\n\n")
		for _, n := range rv.Notes {
			p("- %s\n", md(n))
		}
		p("\n")
	}
	var withMetrics []verdictView
	for _, vv := range rv.Verdicts {
		if len(vv.Metrics) > 0 {
			withMetrics = append(withMetrics, vv)
		}
	}
	if len(withMetrics) > 0 {
		p("<details><summary>Metrics</summary>\n\n| checker | metrics |\n|---|---|\n")
		for _, vv := range withMetrics {
			var ms []string
			for _, m := range vv.Metrics {
				ms = append(ms, md(m.Name)+" "+m.Value)
			}
			p("| %s | %s |\n", md(vv.Name), strings.Join(ms, " · "))
		}
		p("\n</details>\n\n")
	}
}

// md escapes text taken from a Record for a Markdown paragraph or table
// cell (on one line): Markdown punctuation gets a backslash, and the HTML
// that Markdown lets through becomes entities.
func md(s string) string {
	s = oneLine(s)
	if !strings.ContainsAny(s, "\\`*_[]|~&<>") {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '|', '~':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// code renders s as inline code; backticks inside are doubled around.
func code(s string) string {
	s = oneLine(s)
	if strings.Contains(s, "`") {
		return "`` " + s + " ``"
	}
	return "`" + s + "`"
}

func writeKneeMD(w *bufio.Writer, label string, k *Knee) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("**%s**: %s.\n\n", md(label), md(k.Figure))
	limit := k.Baseline + k.Threshold
	p("Baseline %s (Login VSI 4.1: 15 lowest responses minus the 2 lowest), threshold +%s → limit %s",
		fmtDur(k.Baseline), fmtDur(k.Threshold), fmtDur(limit))
	if k.Envelope != "" {
		p("; envelope %s", md(k.Envelope))
	}
	p(".\n\n")
	for _, n := range []string{k.SaturatedNote, k.BaselineNote, k.EnvelopeNote} {
		if n != "" {
			p("⚠ %s.\n\n", md(n))
		}
	}
	var worst time.Duration
	for _, l := range k.Levels {
		worst = max(worst, l.Avg)
	}
	p("| sessions | length | avg response | client keystroke | ops (err) | logins (fail) | CPU cores | memory MiB | pids | net in/out KiB/s | |\n")
	p("|---:|---:|:--|---:|---:|---:|---:|---:|---:|---:|:--|\n")
	for i, l := range k.Levels {
		bar := ""
		if worst > 0 {
			bar = strings.Repeat("▇", int(12*float64(l.Avg)/float64(worst)+0.5)) + " "
		}
		mark := "✓ under"
		switch {
		case i == k.Over:
			mark = "✗ past the knee: " + md(k.Why)
		case l.Over:
			mark = "✗ past"
		case k.Reached && l.Sessions == k.Sessions:
			mark = "◆ knee"
		}
		client := "—"
		if l.ClientSamples > 0 {
			client = fmtDur(l.Client)
		}
		length := fmtDur(l.End.Sub(l.Start).Round(time.Second))
		if l.Capped {
			length += " (cap)"
		}
		p("| %d | %s | %s%s | %s | %d (%d) | %d (%d) | %s | %.0f | %.0f | %.1f / %.1f | %s |\n", l.Sessions, length, bar, fmtDur(l.Avg), client,
			l.Responses, l.Errors, l.Logins, l.FailedLogins, l.CPUText(), l.MemoryMiB, l.Pids, l.NetRxBps/1024, l.NetTxBps/1024, mark)
	}
	capped := false
	for _, l := range k.Levels {
		if n := l.CappedNote(); n != "" {
			if !capped {
				p("\n")
			}
			capped = true
			p("- ⚠ %s.\n", md(n))
		}
	}
	writeKneeSessionsMD(w, k)
	p("\nCost per session: CPU %s; memory %s.\n\n", fmtCost(k.CPU, "cores"), fmtCost(k.Memory, "MiB"))
	if t := k.FrameAcksText(); t != "" {
		p("%s.\n\n", md(t))
	}
	if k.HarnessCPUShare > 0 {
		p("The harness itself used %.1f%% of the target's CPU during the load (the load side must not be the bottleneck).\n\n", 100*k.HarnessCPUShare)
	}
	for _, pr := range k.Projections {
		p("- %s\n", md(pr.Text))
	}
	if len(k.Projections) > 0 {
		p("\n")
	}
}

// writeKneeSessionsMD is the per-session table of a knee run: each level's
// sessions with their own responses, so a session that degraded alone (or
// one that never got a sample) shows.
func writeKneeSessionsMD(w *bufio.Writer, k *Knee) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	has := false
	for _, l := range k.Levels {
		has = has || len(l.PerSession) > 0
	}
	if !has {
		return
	}
	p("\nPer session (response: the session's operations summed like the level's, against the same limit; ops: each operation after the session's warm-up cycle; keystroke: client input to the next screen update):\n\n")
	p("| level | session | response | ops (err) | ops mean | ops p90 | keystrokes (err) | keystroke mean | keystroke p90 | |\n")
	p("|---:|:--|---:|---:|---:|---:|---:|---:|---:|:--|\n")
	for _, l := range k.Levels {
		slow := l.Slowest()
		for _, s := range l.PerSession {
			note := ""
			switch {
			case s.User == slow:
				note = "▲ slowest"
			case s.Server.N == 0 && s.Server.Errors == 0:
				note = "no judged op (warming up)"
			}
			resp := "—"
			if s.Response > 0 {
				resp = fmtDur(s.Response)
			}
			p("| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", l.Sessions, md(s.User), resp, distCount(s.Server), distDur(s.Server, s.Server.Mean),
				distDur(s.Server, s.Server.P90), distCount(s.Client), distDur(s.Client, s.Client.Mean), distDur(s.Client, s.Client.P90), note)
		}
	}
}

func distCount(d ResponseDist) string { return fmt.Sprintf("%d (%d)", d.N, d.Errors) }

func distDur(d ResponseDist, v time.Duration) string {
	if d.N == 0 {
		return "—"
	}
	return fmtDur(v)
}
