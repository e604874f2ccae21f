package reports

import (
	"strings"
	"testing"

	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/harness/lint"
)

func TestMarkdownOperatorConfig(t *testing.T) {
	s := fixtureSuite()
	s.Configs = []ConfigLint{{Dir: "/srv/prod-xrdp", Files: []string{"sesman.ini"}, Scenarios: []string{"baseline"}, Versions: []string{"0.9.21.1"},
		Findings: []lint.Finding{{Rule: "display-port-clash", Severity: lint.Error, Setting: "sesman.ini [Sessions] X11DisplayOffset=118 (line 3)",
			Versions: []string{"0.9.21.1"}, Message: "every display is ≥ 100", Fix: "keep it below 100", Evidence: []string{"sesman/session.c:200"},
			Scenario: "high-display", Proofs: []lint.Proof{{Version: "0.9.21.1", Confirmed: true, Detail: "invalid: vnc-errors"}}}}}}
	rec := s.Runs[0].Record
	rec.Targets[0].Layered = []harness.ConfigChange{{File: "sesman.ini", Section: "Logging", Key: "LogFile", Operator: "/var/log/prod.log", OperatorSet: true, Line: 9, Harness: "/var/log/xrdp-sesman.log"}}
	out := string(render(t, Markdown{}, s))
	for _, want := range []string{
		"## Your config: `/srv/prod-xrdp`",
		"| error | display-port-clash | 0.9.21.1 | sesman.ini \\[Sessions\\] X11DisplayOffset=118 (line 3) | confirmed |",
		"**Layered on your config**",
		`sesman.ini \[Logging\] LogFile: "/var/log/prod.log" (line 9) → "/var/log/xrdp-sesman.log"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
}
