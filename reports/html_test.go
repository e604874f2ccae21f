package reports

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// parseHTML parses a page as a browser would and returns its root.
func parseHTML(t *testing.T, page []byte) *html.Node {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func walk(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func TestHTMLPage(t *testing.T) {
	page := render(t, HTML{}, fixtureSuite())
	if p := os.Getenv("REPORTS_HTML_OUT"); p != "" { // to look at it: REPORTS_HTML_OUT=/tmp/r.html go test -run HTMLPage
		if err := os.WriteFile(p, page, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	doc := parseHTML(t, page)
	elems := map[string]int{}
	var runs, svgs []*html.Node
	text := map[string]bool{}
	walk(doc, func(n *html.Node) {
		switch n.Type {
		case html.ElementNode:
			elems[n.Data]++
			if n.Data == "article" {
				runs = append(runs, n)
			}
			if n.Data == "svg" {
				svgs = append(svgs, n)
			}
			for _, a := range n.Attr {
				v := strings.ToLower(a.Val)
				if (a.Key == "src" || a.Key == "href") && !strings.HasPrefix(v, "#") {
					t.Errorf("<%s %s=%q>: the page must not load anything", n.Data, a.Key, a.Val)
				}
				if strings.HasPrefix(a.Key, "on") {
					t.Errorf("<%s %s>: no script", n.Data, a.Key)
				}
			}
		case html.TextNode:
			text[n.Data] = true
		}
	})
	if elems["script"] != 0 || elems["link"] != 0 || elems["img"] != 0 || elems["iframe"] != 0 {
		t.Errorf("unexpected elements: %v", elems)
	}
	if elems["style"] != 1 {
		t.Errorf("want the one inline <style>, got %d", elems["style"])
	}
	if len(runs) != 9 {
		t.Fatalf("%d run articles, want 9", len(runs))
	}
	// 8 runs with a Record × 3 charts + 1 capacity chart.
	if len(svgs) != 8*3+1 {
		t.Errorf("%d charts, want 25", len(svgs))
	}
	// The log line arrives as text, not markup.
	found := false
	for s := range text {
		if strings.Contains(s, "<script>alert('x')</script>") {
			found = true
		}
	}
	if !found {
		t.Error("the evidence line with <script> is not shown as text")
	}
	if !bytes.Contains(page, []byte("&lt;script&gt;alert(")) {
		t.Error("<script> in a log line is not escaped in the page source")
	}
}

// Every run chart has its fault windows shaded, and the latency chart one
// dot per session op.
func TestHTMLCharts(t *testing.T) {
	s := Suite{Name: "one", Runs: []Run{fixtureSuite().Runs[0]}} // high-display @ 0.9.22.1: one fault, 20 ops
	run := s.Runs[0]
	doc := parseHTML(t, render(t, HTML{}, s))
	var charts []*html.Node
	walk(doc, func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "svg" {
			charts = append(charts, n)
		}
	})
	if len(charts) != 3 {
		t.Fatalf("%d charts, want 3", len(charts))
	}
	for i, c := range charts {
		bands, dots, paths := 0, map[string]int{}, 0
		walk(c, func(n *html.Node) {
			if n.Type != html.ElementNode {
				return
			}
			switch {
			case n.Data == "rect" && attr(n, "class") == "band":
				bands++
			case n.Data == "circle":
				dots[attr(n, "class")]++
			case n.Data == "path":
				paths++
			}
		})
		if bands != len(run.Record.Faults) {
			t.Errorf("chart %d: %d fault bands, want %d", i, bands, len(run.Record.Faults))
		}
		if i < 2 && paths != 1 {
			t.Errorf("chart %d: %d lines, want one per target", i, paths)
		}
		if i == 2 && dots["dot ok"] != len(run.Record.Ops) {
			t.Errorf("latency chart: %v dots for %d ops", dots, len(run.Record.Ops))
		}
	}
}

// The latency chart draws every failure first and says how many ops it left
// out.
func TestLatencyChartCap(t *testing.T) {
	rec := synthRecord(recordSpec{scenario: "big", version: "0.9.22.1", seconds: 100, ops: 1000, sessions: 10, failEvery: 10})
	c := latencyChart(rec, rec.Started, nil, 150)
	n := map[string]int{}
	for _, d := range c.Dots {
		n[d.Class]++
	}
	if n["dot fail"]+n["dot info"] != 100 || n["dot ok"] != 50 {
		t.Errorf("drawn %v, want all 100 failures and 50 successes", n)
	}
	if !strings.Contains(c.Note, "150 of 1000 ops drawn") {
		t.Errorf("note %q", c.Note)
	}
}

// A step line keeps spikes when thinned and breaks at sampler gaps.
func TestTickChartThinAndGaps(t *testing.T) {
	rec := &harness.Record{Started: t0, Ended: at(3600)}
	for s := 0; s < 3600; s++ {
		if s >= 1000 && s < 1100 { // sampler blind for 100 s
			continue
		}
		z := 0
		if s == 2000 {
			z = 9 // a one-tick spike
		}
		rec.Ticks = append(rec.Ticks, harness.Tick{Time: at(float64(s)), Target: "x", Zombies: z})
	}
	c := tickChart("z", rec, t0, func(t harness.Tick) float64 { return float64(t.Zombies) })
	if len(c.Paths) != 1 {
		t.Fatal("want one line")
	}
	d := c.Paths[0].D
	if strings.Count(d, "M") != 2 {
		t.Errorf("path %q: want two subpaths around the blind span", d)
	}
	// The y axis rounds 9 up to 10; the one-tick spike must survive thinning.
	_, y := plotAxes(3600, headroom(9, 5))
	if !strings.Contains(d, "V"+px(y.at(9))) {
		t.Errorf("the spike to 9 was lost by thinning: %q", d)
	}
	if len(d) > 2000 {
		t.Errorf("path is %d bytes for a flat line with one spike", len(d))
	}
}

func TestHTMLEmptySuite(t *testing.T) {
	doc := parseHTML(t, render(t, HTML{}, Suite{}))
	if doc == nil {
		t.Fatal("no document")
	}
	// A run without a Record has no charts but still renders.
	s := Suite{Runs: []Run{{Scenario: "s", Version: "0.9.17", Err: "lab up: <boom>", Started: t0, Ended: t0.Add(time.Second)}}}
	page := render(t, HTML{}, s)
	if !bytes.Contains(page, []byte("lab up: &lt;boom&gt;")) {
		t.Error("run error not shown escaped")
	}
}
