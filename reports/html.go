package reports

import (
	"bufio"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/xrdp-harness/xrdp-harness/containers/xrdpconf"
	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/harness/lint"
)

// HTML writes one self-contained HTML file: inline CSS and SVG charts drawn
// here (no script, no external resource: the page opens offline and from a
// CI artifact). It holds what the Markdown report says, plus per run the
// zombies and live sessions over time (from the sampler's ticks), login
// latency over time (every session op, coloured by outcome), fault windows
// shaded on each chart, and a capacity chart. Every text goes through
// html/template, so a log line cannot inject markup.
type HTML struct {
	// MaxEvidence caps the evidence items shown per verdict. Zero: all
	// (checkers cap their own evidence).
	MaxEvidence int
	// MaxDots caps the ops drawn on a latency chart (failures are drawn
	// first). Zero: 4000.
	MaxDots int
	// Advice is the "what to do" table. Nil: DefaultAdvice(); empty (not
	// nil): no advice.
	Advice []Advice
}

type htmlPage struct {
	view
	// Headline and Summary are the end-of-run headline and figures, as
	// the terminal and report.md show them.
	Headline      string
	SummaryHeader []string
	Summary       [][]string
	Comparisons   []htmlComparison
	Runs          []htmlRun
	CapCharts     []htmlCapacity
	Configs       []htmlConfig
}

type htmlRun struct {
	runView
	Charts []svgChart
	// Layered is, per target, what the harness changed in the operator's
	// config files to run them (TargetInfo.Layered).
	Layered []htmlLayered
}

type htmlLayered struct {
	Target  string
	Changes []harness.ConfigChange
}

// htmlConfig is one operator config directory: its lint findings with
// their proofs, and the version drift as lines (writeDriftMD's wording).
type htmlConfig struct {
	ConfigLint
	Drift []htmlDrift
}

type htmlDrift struct {
	Head  string
	Lines []string
}

type htmlCapacity struct {
	capacityView
	Chart svgChart
}

type htmlComparison struct {
	From, To string
	Keys     []string
	Rows     []htmlCmpRow
}

type htmlCmpRow struct {
	ComparisonRow
	Cells []string
	Moved []CheckerChange
}

// Write renders s.
func (h HTML) Write(w io.Writer, s Suite) error {
	advice := h.Advice
	if advice == nil {
		advice = DefaultAdvice()
	}
	maxDots := h.MaxDots
	if maxDots <= 0 {
		maxDots = 4000
	}
	page := htmlPage{view: buildView(s, advice, h.MaxEvidence), SummaryHeader: SummaryHeader()}
	judged := Judge(page.view.Suite)
	page.Headline = judged.Headline
	for _, rs := range Summarize(page.view.Suite, judged) {
		page.Summary = append(page.Summary, rs.Cells())
	}
	for _, rv := range page.view.Runs {
		hr := htmlRun{runView: rv}
		if rec := rv.Run.Record; rec != nil && !rv.EventsOmitted {
			hr.Charts = []svgChart{
				tickChart("Zombies (defunct processes) over time", rec, rv.Base, func(t harness.Tick) float64 { return float64(t.Zombies) }),
				tickChart("Live sessions (Xvnc processes) over time", rec, rv.Base, func(t harness.Tick) float64 { return float64(t.Sessions) }),
				latencyChart(rec, rv.Base, rv.Run.Verdicts, maxDots),
			}
		}
		if rec := rv.Run.Record; rec != nil {
			for _, t := range rec.Targets {
				if len(t.Layered) > 0 {
					hr.Layered = append(hr.Layered, htmlLayered{Target: t.Name, Changes: t.Layered})
				}
			}
		}
		page.Runs = append(page.Runs, hr)
	}
	for _, c := range page.view.Suite.Configs {
		page.Configs = append(page.Configs, htmlConfig{ConfigLint: c, Drift: driftLines(c.Drift)})
	}
	for _, cv := range page.view.Capacities {
		page.CapCharts = append(page.CapCharts, htmlCapacity{capacityView: cv, Chart: capacityChart(cv.Capacity)})
	}
	for _, c := range page.view.Comparisons {
		hc := htmlComparison{From: c.From, To: c.To}
		for _, k := range KeyMetrics() {
			hc.Keys = append(hc.Keys, metricLabel(k))
		}
		for _, row := range c.Rows {
			hr := htmlCmpRow{ComparisonRow: row}
			for _, k := range KeyMetrics() {
				cell := "—"
				for _, d := range row.Metrics {
					if d.Name == k {
						cell = fmtMetricDelta(d)
					}
				}
				hr.Cells = append(hr.Cells, cell)
			}
			for _, cc := range row.Checkers {
				if cc.Change != Same {
					hr.Moved = append(hr.Moved, cc)
				}
			}
			hc.Rows = append(hc.Rows, hr)
		}
		page.Comparisons = append(page.Comparisons, hc)
	}

	t, err := template.New("page").Funcs(template.FuncMap{
		"sym":      symbol,
		"cls":      validityClass,
		"time":     fmtTime,
		"dur":      fmtDur,
		"add":      func(a, b int) int { return a + b },
		"notValid": func(v harness.Validity) bool { return v != harness.Valid },
		"mul100":   func(f float64) float64 { return 100 * f },
		"kib":      func(f float64) float64 { return f / 1024 },
		"costText": fmtCost,
		"join":     strings.Join,
		"sevClass": severityClass,
	}).Parse(pageTemplate)
	if err != nil {
		return fmt.Errorf("reports: write html: parse template: %w", err)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := t.Execute(bw, page); err != nil {
		return fmt.Errorf("reports: write html: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("reports: write html: %w", err)
	}
	return nil
}

// severityClass colours a lint severity like a verdict: errors as invalid,
// warnings as unknown, info as none.
func severityClass(s lint.Severity) string {
	switch s {
	case lint.Error:
		return "invalid"
	case lint.Warning:
		return "unknown"
	}
	return "none"
}

// driftLines words each version's drift as writeDriftMD does.
func driftLines(ds []xrdpconf.Drift) []htmlDrift {
	var out []htmlDrift
	for _, d := range ds {
		apply := newDefaults(d)
		if len(d.Unknown) == 0 && len(apply) == 0 {
			continue
		}
		h := htmlDrift{Head: d.To + " (packaged files)"}
		if d.From != "" {
			h.Head = d.To + " against " + d.From + " (packaged files)"
		}
		h.Head += fmt.Sprintf(": %d of your keys it does not know, %d new defaults you do not override", len(d.Unknown), len(apply))
		for _, k := range d.Unknown {
			h.Lines = append(h.Lines, "unknown: "+k.String())
		}
		for _, c := range apply {
			h.Lines = append(h.Lines, "default: "+c.String())
		}
		out = append(out, h)
	}
	return out
}

func validityClass(v harness.Validity) string {
	switch v {
	case harness.Valid:
		return "valid"
	case harness.Invalid:
		return "invalid"
	case "":
		return "none"
	}
	return "unknown"
}

// pageTemplate is the whole page. The CSS is inline; charts are SVG
// elements filled from svgChart values.
const pageTemplate = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{sym .Outcome}} xrdp-harness: {{or .Suite.Name "run"}}</title>
<style>
:root { --fg:#1f2328; --muted:#59636e; --line:#d1d9e0; --bg:#ffffff; --soft:#f6f8fa;
  --valid:#1a7f37; --valid-bg:#dafbe1; --invalid:#cf222e; --invalid-bg:#ffebe9;
  --unknown:#9a6700; --unknown-bg:#fff8c5; --fault:#fb8500; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; color:var(--fg); background:var(--soft); }
main { max-width: 1180px; margin: 0 auto; padding: 0 20px 40px; }
header.top { padding: 20px 24px; margin: 0 -20px 16px; border-bottom: 4px solid var(--line); background: var(--bg); }
header.top.valid { border-color: var(--valid); } header.top.invalid { border-color: var(--invalid); } header.top.unknown { border-color: var(--unknown); }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 28px 0 10px; } h3 { font-size: 17px; margin: 0 0 6px; }
h4 { font-size: 14px; margin: 14px 0 6px; }
.meta, .note, .legend-text { color: var(--muted); }
.note { font-size: 12px; margin: 2px 0 0; }
.banner { padding: 10px 14px; border-radius: 6px; margin: 10px 0 0; }
.banner.warn { background: var(--unknown-bg); border: 1px solid #d4a72c; }
nav.toc { font-size: 13px; margin: 8px 0 0; } nav.toc a { margin-right: 12px; }
a { color: #0969da; text-decoration: none; } a:hover { text-decoration: underline; }
section.card, article.run { background: var(--bg); border: 1px solid var(--line); border-radius: 8px; padding: 16px 18px; margin: 14px 0; }
article.run { border-left: 5px solid var(--line); }
article.run.valid { border-left-color: var(--valid); } article.run.invalid { border-left-color: var(--invalid); } article.run.unknown { border-left-color: var(--unknown); }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.cell { text-align: center; }
td.valid { background: var(--valid-bg); } td.invalid { background: var(--invalid-bg); } td.unknown { background: var(--unknown-bg); } td.none { color: #8c959f; }
td.cell small { display: block; color: var(--muted); }
.pill { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.pill.valid, .pill.fixed { background: var(--valid-bg); color: var(--valid); }
.pill.invalid, .pill.regressed { background: var(--invalid-bg); color: var(--invalid); }
.pill.unknown, .pill.unclear { background: var(--unknown-bg); color: var(--unknown); }
.pill.same, .pill.missing, .pill.none { background: var(--soft); color: var(--muted); }
.kpis { display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0; }
.kpi { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 4px 10px; }
.kpi b { font-size: 15px; margin-left: 4px; }
.todo { background: #fff5f5; border: 1px solid #ffcecb; border-radius: 6px; padding: 8px 14px; margin: 10px 0; }
.todo h4 { margin-top: 4px; color: var(--invalid); } .todo ul { margin: 4px 0; padding-left: 20px; }
details { margin: 8px 0; } summary { cursor: pointer; }
ol.evidence { margin: 6px 0 10px; padding-left: 0; list-style: none; font-size: 13px; }
ol.evidence li { padding: 2px 0; border-bottom: 1px dashed #eaeef2; overflow-wrap: anywhere; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
ol.evidence code { color: var(--muted); margin-right: 8px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap: 12px; margin: 12px 0; }
figure.chart { margin: 0; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 8px; }
figure.chart figcaption { font-weight: 600; font-size: 13px; }
figure.chart svg { width: 100%; height: auto; display: block; }
svg text { font: 10px sans-serif; fill: var(--muted); }
svg .frame { fill: none; stroke: #afb8c1; }
svg .grid { stroke: #eaeef2; } svg .ref { stroke: #6e7781; stroke-dasharray: 4 3; }
svg .band { fill: var(--fault); fill-opacity: .14; stroke: var(--fault); stroke-opacity: .5; stroke-width: .5; }
svg text.band-label { fill: #bc4c00; font-size: 9px; }
svg .line { fill: none; stroke-width: 1.6; }
svg .s0 { stroke: #0969da; fill: #0969da; } svg .s1 { stroke: #8250df; fill: #8250df; } svg .s2 { stroke: #bf3989; fill: #bf3989; }
svg .s3 { stroke: #1a7f37; fill: #1a7f37; } svg .s4 { stroke: #bc4c00; fill: #bc4c00; } svg .s5 { stroke: #57606a; fill: #57606a; }
svg .dot.ok { fill: #1a7f37; fill-opacity: .45; } svg .dot.fail { fill: #cf222e; } svg .dot.info { fill: #d4a72c; }
svg .ok { fill: #1a7f37; } svg .fail { fill: #cf222e; } svg .info { fill: #d4a72c; }
svg .bar.p50, svg .p50 { fill: #8cb4e8; } svg .bar.p99, svg .p99 { fill: #0969da; } svg .bar.broke, svg .broke { fill: #cf222e; }
svg .line.rate { stroke: #bc4c00; } svg .dot.rate, svg .rate { fill: #bc4c00; }
svg path.line { fill: none; }
svg text.axis-label { font-size: 10px; fill: #59636e; font-style: italic; }
.legend { display: flex; flex-wrap: wrap; gap: 10px; font-size: 12px; color: var(--muted); margin-top: 2px; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; }
.legend i.s0 { background:#0969da; } .legend i.s1 { background:#8250df; } .legend i.s2 { background:#bf3989; } .legend i.s3 { background:#1a7f37; } .legend i.s4 { background:#bc4c00; } .legend i.s5 { background:#57606a; }
.legend i.ok { background:#1a7f37; } .legend i.fail { background:#cf222e; } .legend i.info { background:#d4a72c; }
.legend i.p50 { background:#8cb4e8; } .legend i.p99 { background:#0969da; } .legend i.broke { background:#cf222e; } .legend i.rate { background:#bc4c00; }
.legend i.fault { background: rgba(251,133,0,.3); }
footer { color: var(--muted); font-size: 12px; text-align: center; margin-top: 30px; }
</style>
</head>
<body>
<main>
<header class="top {{cls .Outcome}}">
<h1>{{sym .Outcome}} xrdp-harness: {{or .Suite.Name "run"}}</h1>
<p class="meta">{{if not .Suite.Started.IsZero}}{{time .Suite.Started}} · {{end}}{{if and (not .Suite.Started.IsZero) (not .Suite.Ended.IsZero)}}took {{dur (.Suite.Ended.Sub .Suite.Started)}} · {{end}}{{.Counts.Total}} runs:
<span class="pill invalid">{{.Counts.Invalid}} invalid</span> <span class="pill unknown">{{.Counts.Unknown}} unknown</span> <span class="pill valid">{{.Counts.Valid}} valid</span></p>
{{if .Suite.Interrupted}}<p class="banner warn"><b>Interrupted</b>: the suite was stopped before it ended; this report holds the runs that finished and the one that was cut short.</p>{{end}}
{{if .Suite.InProgress}}<p class="banner warn"><b>In progress</b>: the suite is still running; this report holds the runs finished so far and is rewritten after each run.</p>{{end}}
<p class="headline"><b>{{.Headline}}</b></p>
{{range .Suite.Notes}}<p class="note">{{.}}</p>{{end}}
<nav class="toc"><a href="#verdicts">Verdicts</a>{{range $i, $c := .Configs}}<a href="#config-{{add $i 1}}">Your config {{$c.Dir}}</a>{{end}}{{range $i, $c := .Comparisons}}<a href="#upgrade-{{add $i 1}}">Upgrade {{$c.From}} → {{$c.To}}</a>{{end}}{{if .CapCharts}}<a href="#capacity">Capacity</a>{{end}}<a href="#runs">Runs</a></nav>
</header>

{{if .Summary}}
<section class="card" id="summary">
<h2 style="margin-top:0">Summary</h2>
<table>
<thead><tr>{{range .SummaryHeader}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Summary}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
</section>
{{end}}

{{if .Matrix.Rows}}
<section class="card" id="verdicts">
<h2 style="margin-top:0">Verdicts</h2>
<table class="matrix">
<thead><tr><th>scenario</th>{{range .Matrix.Columns}}<th class="cell">{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Matrix.Rows}}<tr><th>{{.Scenario}}</th>{{range .Cells}}<td class="cell {{cls .Validity}}">{{if .RunIDs}}<a href="#{{index .RunIDs 0}}">{{sym .Validity}}</a>{{else}}—{{end}}{{with .Text}}<small>{{.}}</small>{{end}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
<p class="note">✓ valid · ✗ invalid (the checkers named) · ? unknown (could not tell: error, partial run, missing data) · — not run. Click a mark to open the run.</p>
</section>
{{end}}

{{range $i, $c := .Configs}}
<section class="card" id="config-{{add $i 1}}">
<h2 style="margin-top:0">Your config: <span class="mono">{{$c.Dir}}</span></h2>
<p>{{join $c.Files ", "}}, used by {{join $c.Scenarios ", "}} on {{join $c.Versions ", "}}: {{len $c.Findings}} lint finding(s).</p>
{{range $c.Drift}}<h4>{{.Head}}</h4><ul>{{range .Lines}}<li class="mono">{{.}}</li>{{end}}</ul>{{end}}
{{if $c.Findings}}
<table>
<thead><tr><th>severity</th><th>rule</th><th>versions</th><th>setting</th><th>proof</th></tr></thead>
<tbody>{{range $c.Findings}}<tr><td><span class="pill {{sevClass .Severity}}">{{.Severity}}</span></td><td class="mono">{{.Rule}}</td><td>{{join .Versions ", "}}</td><td class="mono">{{.Setting}}</td><td>{{with .Status}}<span class="pill {{if eq . "confirmed"}}invalid{{else}}unknown{{end}}">{{.}}</span>{{else}}{{with .Scenario}}not proved (lint --prove runs {{.}}){{else}}—{{end}}{{end}}</td></tr>{{end}}</tbody>
</table>
{{range $c.Findings}}
<details{{if .Proofs}} open{{end}}><summary><b>{{.Rule}}</b>: {{.Message}}</summary>
<p>Fix: {{.Fix}}</p>
<ol class="evidence">{{range .Evidence}}<li>{{.}}</li>{{end}}</ol>
{{if .Proofs}}<h4>Proofs</h4><ul>{{range .Proofs}}<li><b>{{.Version}}</b> {{if .Confirmed}}<span class="pill invalid">confirmed</span>{{else}}<span class="pill unknown">not confirmed</span>{{end}} {{.Detail}}</li>{{end}}</ul>{{end}}
</details>
{{end}}{{end}}
</section>
{{end}}

{{range $i, $c := .Comparisons}}
<section class="card" id="upgrade-{{add $i 1}}">
<h2 style="margin-top:0">Upgrade {{$c.From}} → {{$c.To}}</h2>
{{if not $c.Rows}}<p>No scenario ran on {{$c.From}} or {{$c.To}}.</p>{{else}}
<table>
<thead><tr><th>scenario</th><th class="cell">{{$c.From}}</th><th class="cell">{{$c.To}}</th><th>change</th>{{range $c.Keys}}<th class="num">{{.}}</th>{{end}}<th>checkers that moved</th></tr></thead>
<tbody>
{{range $c.Rows}}<tr><th>{{.Scenario}}</th><td class="cell {{cls .From}}">{{sym .From}}</td><td class="cell {{cls .To}}">{{sym .To}}</td><td><span class="pill {{.Change}}">{{.Change}}</span></td>{{range .Cells}}<td class="num">{{.}}</td>{{end}}<td>{{range $j, $m := .Moved}}{{if $j}}, {{end}}{{$m.Checker}} <span class="pill {{$m.Change}}">{{$m.Change}}</span>{{end}}{{with .Note}}<div class="note">{{.}}</div>{{end}}</td></tr>
{{end}}</tbody>
</table>{{end}}
</section>
{{end}}

{{if .CapCharts}}
<section class="card" id="capacity">
<h2 style="margin-top:0">Capacity</h2>
{{range .CapCharts}}{{$cap := .}}
{{if .Capacity.Knee}}{{with .Capacity.Knee}}
<h3><a href="#{{$cap.RunID}}">{{$cap.Label}}</a>: {{.Figure}}</h3>
<p>Baseline {{dur .Baseline}} (Login VSI 4.1: the 15 lowest responses minus the 2 lowest), threshold +{{dur .Threshold}}{{if .Envelope}}, envelope {{.Envelope}}{{end}}.
Cost per session: CPU {{costText .CPU "cores"}}; memory {{costText .Memory "MiB"}}.{{with .FrameAcksText}} {{.}}.{{end}}</p>
<ul>{{range .Projections}}<li>{{.Text}}</li>{{end}}</ul>
{{with .SaturatedNote}}<p class="banner warn">⚠ {{.}}.</p>{{end}}
{{with .BaselineNote}}<p class="banner warn">⚠ {{.}}.</p>{{end}}
{{with .EnvelopeNote}}<p class="banner warn">⚠ {{.}}.</p>{{end}}
{{range .Levels}}{{with .CappedNote}}<p class="banner warn">⚠ {{.}}.</p>{{end}}{{end}}
{{end}}<div class="charts">{{template "chart" .Chart}}
<div><table>
<thead><tr><th class="num">sessions</th><th class="num">length</th><th class="num">response</th><th class="num">keystroke</th><th class="num">ops (err)</th><th class="num">CPU cores</th><th class="num">memory MiB</th><th class="num">pids</th><th class="num">net out KiB/s</th><th></th></tr></thead>
<tbody>{{range .Capacity.Knee.Levels}}<tr><td class="num">{{.Sessions}}</td><td class="num">{{dur (.End.Sub .Start)}}{{if .Capped}} (cap){{end}}</td><td class="num">{{dur .Avg}}</td><td class="num">{{if .ClientSamples}}{{dur .Client}}{{else}}—{{end}}</td><td class="num">{{.Responses}} ({{.Errors}})</td><td class="num">{{.CPUText}}</td><td class="num">{{printf "%.0f" .MemoryMiB}}</td><td class="num">{{printf "%.0f" .Pids}}</td><td class="num">{{printf "%.1f" (kib .NetTxBps)}}</td><td>{{if .Over}}<span class="pill invalid">past the knee</span>{{else}}<span class="pill valid">under</span>{{end}}</td></tr>{{end}}</tbody>
</table></div></div>
<details><summary>Per session: each level's sessions with their own responses</summary>
<table>
<thead><tr><th class="num">level</th><th>session</th><th class="num">response</th><th class="num">ops (err)</th><th class="num">ops mean</th><th class="num">ops p90</th><th class="num">keystrokes (err)</th><th class="num">keystroke mean</th><th class="num">keystroke p90</th><th></th></tr></thead>
<tbody>{{range .Capacity.Knee.Levels}}{{$l := .}}{{$slow := .Slowest}}{{range .PerSession}}<tr><td class="num">{{$l.Sessions}}</td><td>{{.User}}</td><td class="num">{{if .Response}}{{dur .Response}}{{else}}—{{end}}</td><td class="num">{{.Server.N}} ({{.Server.Errors}})</td><td class="num">{{if .Server.N}}{{dur .Server.Mean}}{{else}}—{{end}}</td><td class="num">{{if .Server.N}}{{dur .Server.P90}}{{else}}—{{end}}</td><td class="num">{{.Client.N}} ({{.Client.Errors}})</td><td class="num">{{if .Client.N}}{{dur .Client.Mean}}{{else}}—{{end}}</td><td class="num">{{if .Client.N}}{{dur .Client.P90}}{{else}}—{{end}}</td><td>{{if eq .User $slow}}<span class="pill invalid">slowest</span>{{else if and (eq .Server.N 0) (eq .Server.Errors 0)}}no judged op (warming up){{end}}</td></tr>{{end}}{{end}}</tbody>
</table>
</details>
{{else}}
<h3><a href="#{{.RunID}}">{{.Label}}</a>: {{.Capacity.Sessions}} sessions held</h3>
<p>{{if .Capacity.Limit}}First to degrade: <b>{{.Capacity.Limit}}</b>.{{else if .Capacity.Levels}}Every level held.{{end}}</p>
<div class="charts">{{template "chart" .Chart}}
<div><table>
<thead><tr><th class="num">sessions</th><th class="num">p50</th><th class="num">p99</th><th class="num">errors</th><th class="num">zombies</th><th class="num">memory</th><th>held</th></tr></thead>
<tbody>{{range .Capacity.Levels}}<tr><td class="num">{{.Sessions}}</td><td class="num">{{dur .P50}}</td><td class="num">{{dur .P99}}</td><td class="num">{{printf "%.1f%%" (mul100 .ErrorRate)}}</td><td class="num">{{.Zombies}}</td><td class="num">{{if .MemoryMB}}{{printf "%.0f MB" .MemoryMB}}{{else}}—{{end}}</td><td>{{if .Held}}<span class="pill valid">held</span>{{else}}<span class="pill invalid">broke</span> {{.Why}}{{end}}</td></tr>{{end}}</tbody>
</table></div></div>
{{end}}{{end}}
</section>
{{end}}

<h2 id="runs">Runs</h2>
{{range .Runs}}
<article class="run {{cls .Outcome}}" id="{{.ID}}">
<h3>{{sym .Outcome}} {{.Run.Label}}{{with .Run.Flavour}} <small class="meta">({{.}})</small>{{end}}</h3>
{{with .Run.Description}}<p><i>{{.}}</i></p>{{end}}
<p class="meta">{{if not .Run.Started.IsZero}}started {{time .Run.Started}}{{end}}{{if .Run.Duration}} · took {{dur .Run.Duration}}{{end}}{{with .Run.Image}} · image <span class="mono">{{.}}</span>{{end}}{{with .Ops}} · {{.}}{{end}}{{if .Run.Partial}} · <span class="pill unknown">partial</span>{{end}}</p>
{{if .Key}}<div class="kpis">{{range .Key}}<span class="kpi">{{.Label}}<b>{{.Value}}</b></span>{{end}}</div>{{end}}
{{range .Layered}}<details open><summary><b>Layered on your config</b> ({{.Target}}: what the harness changed to run it, everything else is yours)</summary>
<table><thead><tr><th>file</th><th>section</th><th>key</th><th>yours</th><th>the run's</th></tr></thead>
<tbody>{{range .Changes}}<tr>{{if .Note}}<td class="mono">{{.File}}</td><td colspan="4">{{.Note}}</td>{{else}}<td class="mono">{{.File}}</td><td class="mono">{{.Section}}</td><td class="mono">{{.Key}}</td><td class="mono">{{if .OperatorSet}}{{.Operator}} (line {{.Line}}){{else}}not set{{end}}</td><td class="mono">{{if .Removed}}removed{{else}}{{.Harness}}{{end}}</td>{{end}}</tr>{{end}}</tbody>
</table></details>{{end}}
{{if .Advice}}<div class="todo"><h4>What to do</h4><ul>{{range .Advice}}<li><b>{{.Checker}}</b>: {{.Text}}</li>{{end}}</ul></div>{{end}}
{{if .Verdicts}}
<table>
<thead><tr><th>checker</th><th>verdict</th><th>summary</th></tr></thead>
<tbody>{{range .Verdicts}}<tr><td class="mono">{{.Name}}</td><td><span class="pill {{cls .V.Valid}}">{{sym .V.Valid}} {{.V.Valid}}</span></td><td>{{.V.Summary}}</td></tr>{{end}}</tbody>
</table>
{{end}}
{{range .Verdicts}}{{if and (notValid .V.Valid) .Evidence}}
<details open><summary>{{sym .V.Valid}} <b>{{.Name}}</b> evidence ({{len .Evidence}}{{if .Hidden}} of {{add (len .Evidence) .Hidden}}{{end}})</summary>
<ol class="evidence">{{range .Evidence}}<li><code>{{.At}}</code>{{.What}}</li>{{end}}{{if .Hidden}}<li>… {{.Hidden}} more in the JSON report</li>{{end}}</ol>
</details>
{{end}}{{end}}
{{if .Charts}}<div class="charts">{{range .Charts}}{{template "chart" .}}{{end}}</div>{{else if .EventsOmitted}}<p class="note">No charts: this report was made from a JSON report written without raw events.</p>{{end}}
{{if .Faults}}
<h4>Fault windows</h4>
<table>
<thead><tr><th>fault</th><th>target</th><th class="num">inject</th><th class="num">heal</th><th class="num">held</th><th>detail</th></tr></thead>
<tbody>{{range .Faults}}<tr><td class="mono">{{.Name}}</td><td>{{.Target}}</td><td class="num">{{.Inject}}</td><td class="num">{{.Heal}}</td><td class="num">{{.Held}}</td><td>{{.Detail}}{{with .Err}} <span class="pill invalid">error</span> {{.}}{{end}}</td></tr>{{end}}</tbody>
</table>
{{end}}
{{if .Notes}}<h4>Notes</h4><ul>{{range .Notes}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .Verdicts}}<details><summary>Metrics</summary>
<table><thead><tr><th>checker</th><th>metric</th><th class="num">value</th></tr></thead>
<tbody>{{range .Verdicts}}{{$n := .Name}}{{range .Metrics}}<tr><td class="mono">{{$n}}</td><td class="mono">{{.Name}}</td><td class="num">{{.Value}}</td></tr>{{end}}{{end}}</tbody>
</table></details>{{end}}
</article>
{{end}}
<footer>xrdp-harness report · times in runs are seconds after the run's start · shaded bands are fault windows</footer>
</main>
</body>
</html>
{{define "chart"}}<figure class="chart"><figcaption>{{.Title}}</figcaption>
<svg viewBox="0 0 {{.W}} {{.H}}" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{{.Title}}">
{{range .Grid}}<line class="{{.Class}}" x1="{{.X1}}" y1="{{.Y1}}" x2="{{.X2}}" y2="{{.Y2}}"/>{{end}}
{{range .Bands}}<rect class="band" x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}"><title>{{.Title}}</title></rect><text class="band-label" x="{{.LX}}" y="{{.LY}}">{{.Label}}</text>{{end}}
<rect class="frame" x="{{.Plot.X}}" y="{{.Plot.Y}}" width="{{.Plot.W}}" height="{{.Plot.H}}"/>
{{range .XTicks}}<text x="{{.X}}" y="{{.Y}}" text-anchor="{{.Anchor}}">{{.Text}}</text>{{end}}
{{range .YTicks}}<text x="{{.X}}" y="{{.Y}}" text-anchor="{{.Anchor}}">{{.Text}}</text>{{end}}
{{range .Y2Ticks}}<text x="{{.X}}" y="{{.Y}}" text-anchor="{{.Anchor}}">{{.Text}}</text>{{end}}
{{with .YLabel}}<text class="axis-label" x="4" y="12">{{.}}</text>{{end}}{{with .Y2Label}}<text class="axis-label" x="{{$.W}}" dx="-4" y="12" text-anchor="end">{{.}}</text>{{end}}
{{range .Bars}}<rect class="{{.Class}}" x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}"><title>{{.Title}}</title></rect>{{end}}
{{range .Paths}}<path class="{{.Class}}" d="{{.D}}"><title>{{.Title}}</title></path>{{end}}
{{range .Dots}}<circle class="{{.Class}}" cx="{{.X}}" cy="{{.Y}}" r="2.6"><title>{{.Title}}</title></circle>
{{end}}</svg>
{{if or .Legend .Bands}}<div class="legend">{{range .Legend}}<span><i class="{{.Class}}"></i>{{.Label}}</span>{{end}}{{if .Bands}}<span><i class="fault"></i>fault window</span>{{end}}</div>{{end}}
{{with .Note}}<p class="note">{{.}}</p>{{end}}
</figure>{{end}}`
