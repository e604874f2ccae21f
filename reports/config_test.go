package reports

import (
	"strings"
	"testing"

	"github.com/xrdp-harness/xrdp-harness/containers/xrdpconf"
	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/harness/lint"
)

func TestMarkdownOperatorConfig(t *testing.T) {
	s := fixtureSuite()
	s.Configs = []ConfigLint{{Dir: "/srv/prod-xrdp", Files: []string{"sesman.ini"}, Scenarios: []string{"baseline"}, Versions: []string{"0.9.21.1"},
		Findings: []lint.Finding{{Rule: "display-port-clash", Severity: lint.Error, Setting: "sesman.ini [Sessions] X11DisplayOffset=118 (line 3)",
			Versions: []string{"0.9.21.1"}, Message: "every display is ≥ 100", Fix: "keep it below 100", Evidence: []string{"sesman/session.c:200"},
			Scenario: "high-display", Proofs: []lint.Proof{{Version: "0.9.21.1", Confirmed: true, Detail: "invalid: vnc-errors"}}}},
		Drift: []xrdpconf.Drift{{From: "0.9.21.1", To: "0.10.1",
			Unknown:  []xrdpconf.Key{{File: "sesman.ini", Section: "Globals", Key: "ListenAddress", Line: 2}},
			Defaults: []xrdpconf.DefaultChange{{File: "xrdp.ini", Section: "Globals", Key: "grey", From: "dedede", FromSet: true, To: "e1e1e1", ToSet: true}}}}}}
	rec := s.Runs[0].Record
	rec.Targets[0].Layered = []harness.ConfigChange{{File: "sesman.ini", Section: "Logging", Key: "LogFile", Operator: "/var/log/prod.log", OperatorSet: true, Line: 9, Harness: "/var/log/xrdp-sesman.log"}}
	out := string(render(t, Markdown{}, s))
	for _, want := range []string{
		"## Your config: `/srv/prod-xrdp`",
		"| error | display-port-clash | 0.9.21.1 | sesman.ini \\[Sessions\\] X11DisplayOffset=118 (line 3) | confirmed |",
		"**Layered on your config**",
		"  - proof on 0.9.21.1: confirmed: invalid: vnc-errors",
		"**0.10.1** against 0.9.21.1 (packaged files): 1 of your keys it does not know, 1 new defaults you do not override",
		"- unknown: sesman.ini \\[Globals\\] ListenAddress (line 2)",
		`sesman.ini \[Logging\] LogFile: "/var/log/prod.log" (line 9) → "/var/log/xrdp-sesman.log"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
}

// The HTML report shows what the Markdown one does: the operator's config,
// its drift, the lint findings with their proofs, and per run what the
// harness layered on the operator's files.
func TestHTMLOperatorConfig(t *testing.T) {
	s := fixtureSuite()
	s.Configs = []ConfigLint{{Dir: "/srv/prod-xrdp", Files: []string{"sesman.ini"}, Scenarios: []string{"baseline"}, Versions: []string{"0.9.21.1"},
		Findings: []lint.Finding{{Rule: "display-port-clash", Severity: lint.Error, Setting: "sesman.ini [Sessions] X11DisplayOffset=118 (line 3)",
			Versions: []string{"0.9.21.1"}, Message: "every display is ≥ 100", Fix: "keep it below 100", Evidence: []string{"xrdp v0.9.21.1 sesman/session.c:200"},
			Scenario: "high-display", Proofs: []lint.Proof{{Version: "0.9.21.1", Confirmed: true, Detail: "high-display @ 0.9.21.1 invalid: vnc-errors; ran with --config /srv/prod-xrdp (sesman.ini)"}}},
			{Rule: "max-sessions", Severity: lint.Warning, Setting: "sesman.ini [Sessions] MaxSessions=5 (line 4)", Versions: []string{"0.9.21.1"},
				Message: "below the users", Fix: "raise it", Evidence: []string{"e"}, Scenario: "max-sessions-refused"}},
		Drift: []xrdpconf.Drift{{From: "0.9.21.1", To: "0.10.1",
			Unknown: []xrdpconf.Key{{File: "sesman.ini", Section: "Globals", Key: "ListenAddress", Line: 2}}}}}}
	rec := s.Runs[0].Record
	rec.Targets[0].Layered = []harness.ConfigChange{{File: "sesman.ini", Section: "Logging", Key: "LogFile", Operator: "/var/log/prod.log", OperatorSet: true, Line: 9, Harness: "/var/log/xrdp-sesman.log"},
		{File: "startwm.sh", Note: "yours, unchanged <b>"}}
	out := string(render(t, HTML{}, s))
	for _, want := range []string{
		`<a href="#config-1">Your config /srv/prod-xrdp</a>`,
		`<h2 style="margin-top:0">Your config: <span class="mono">/srv/prod-xrdp</span></h2>`,
		"sesman.ini, used by baseline on 0.9.21.1: 2 lint finding(s).",
		"0.10.1 against 0.9.21.1 (packaged files): 1 of your keys it does not know",
		"unknown: sesman.ini [Globals] ListenAddress (line 2)",
		`<span class="pill invalid">error</span></td><td class="mono">display-port-clash</td>`,
		`<span class="pill invalid">confirmed</span></td>`,
		"not proved (lint --prove runs max-sessions-refused)",
		"<b>0.9.21.1</b> <span class=\"pill invalid\">confirmed</span> high-display @ 0.9.21.1 invalid: vnc-errors; ran with --config /srv/prod-xrdp (sesman.ini)",
		"<b>Layered on your config</b>",
		`<td class="mono">LogFile</td><td class="mono">/var/log/prod.log (line 9)</td><td class="mono">/var/log/xrdp-sesman.log</td>`,
		"yours, unchanged &lt;b&gt;",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("html lacks %q", want)
		}
	}
	// Without configs the section is absent.
	plain := string(render(t, HTML{}, fixtureSuite()))
	if strings.Contains(plain, "Your config") || strings.Contains(plain, "Layered on your config") {
		t.Error("html without --config shows a config section")
	}
}
