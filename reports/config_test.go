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
		"**0.10.1** against 0.9.21.1 (packaged files): 1 of your keys it does not know, 1 new defaults you do not override",
		"- unknown: sesman.ini \\[Globals\\] ListenAddress (line 2)",
		`sesman.ini \[Logging\] LogFile: "/var/log/prod.log" (line 9) → "/var/log/xrdp-sesman.log"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
}
