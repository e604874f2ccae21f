package reports

import (
	"strings"
	"testing"
)

func TestMarkdownGolden(t *testing.T) {
	golden(t, "suite.md.golden", render(t, Markdown{}, fixtureSuite()))
}

// The same suite with its runs in another order renders the same bytes.
func TestMarkdownDeterministic(t *testing.T) {
	s := fixtureSuite()
	a := render(t, Markdown{}, s)
	for i, j := 0, len(s.Runs)-1; i < j; i, j = i+1, j-1 {
		s.Runs[i], s.Runs[j] = s.Runs[j], s.Runs[i]
	}
	if b := render(t, Markdown{}, s); string(a) != string(b) {
		t.Fatal("markdown depends on the order of Suite.Runs")
	}
}

func TestMarkdownEscapesRecordText(t *testing.T) {
	out := string(render(t, Markdown{}, fixtureSuite()))
	if strings.Contains(out, "<script>") {
		t.Error("a log line's <script> reached the markdown unescaped")
	}
	if !strings.Contains(out, "&lt;script&gt;") {
		t.Error("the escaped log line is missing")
	}
	if strings.Contains(out, "| *bold*") || strings.Contains(out, "[link](http") {
		t.Error("markdown markup from a log line was not escaped")
	}
}

func TestMarkdownAdvice(t *testing.T) {
	out := string(render(t, Markdown{}, fixtureSuite()))
	for _, want := range []string{
		"Known SIGCHLD reaping defect of xrdp &lt; 0.9.19",
		"X11DisplayOffset + MaxSessions &lt; 100",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("advice %q missing", want)
		}
	}
	// An empty (non-nil) table turns advice off.
	if out := string(render(t, Markdown{Advice: []Advice{}}, fixtureSuite())); strings.Contains(out, "What to do") {
		t.Error("advice shown with an empty advice table")
	}
}
