package reports

import (
	"bytes"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

const (
	V = harness.Valid
	I = harness.Invalid
	U = harness.Unknown
)

func TestOverall(t *testing.T) {
	for _, tc := range []struct {
		in   []harness.Validity
		want harness.Validity
	}{
		{nil, V},
		{[]harness.Validity{V, V}, V},
		{[]harness.Validity{V, U, V}, U},
		{[]harness.Validity{U, I, V}, I},
		{[]harness.Validity{I, U}, I},
		{[]harness.Validity{V, "bogus"}, U}, // an unrecognised answer is not a pass
	} {
		if got := Overall(tc.in...); got != tc.want {
			t.Errorf("Overall(%v) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestRunOutcome(t *testing.T) {
	vs := func(v ...harness.Validity) []harness.Verdict {
		var out []harness.Verdict
		for _, x := range v {
			out = append(out, harness.Verdict{Checker: "c", Valid: x})
		}
		return out
	}
	for _, tc := range []struct {
		name string
		run  Run
		want harness.Validity
	}{
		{"all valid", Run{Verdicts: vs(V, V)}, V},
		{"one unknown", Run{Verdicts: vs(V, U)}, U},
		{"one invalid", Run{Verdicts: vs(V, U, I)}, I},
		{"no verdicts", Run{}, U},
		{"error, no verdicts", Run{Err: "lab up: boom"}, U},
		{"partial and clean", Run{Partial: true, Verdicts: vs(V)}, U},
		{"partial with a defect found", Run{Partial: true, Verdicts: vs(V, I)}, I},
	} {
		if got := tc.run.Outcome(); got != tc.want {
			t.Errorf("%s: Outcome = %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestNewRun(t *testing.T) {
	rec := &harness.Record{Scenario: "s", Started: t0, Ended: at(10), Partial: true, Abort: "context canceled",
		Targets: []harness.TargetInfo{{Name: "x", Version: "0.9.17", Flavour: "source", Image: "img"}},
		Ops:     make([]harness.Op, 3), Procs: make([]harness.ProcEvent, 2)}
	r := NewRun(rec, []harness.Verdict{{Checker: "c", Valid: V}}, errors.New("harness: run: context canceled"))
	want := Run{Scenario: "s", Version: "0.9.17", Flavour: "source", Image: "img", Started: t0, Ended: at(10),
		Err: "harness: run: context canceled", Partial: true, Record: rec, Events: EventCounts{Ops: 3, Procs: 2},
		Verdicts: []harness.Verdict{{Checker: "c", Valid: V}}, Validity: U}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("NewRun =\n%+v\nwant\n%+v", r, want)
	}
	if r.Label() != "s @ 0.9.17" || r.Duration() != 10*time.Second {
		t.Errorf("Label %q Duration %v", r.Label(), r.Duration())
	}
	if got := NewRun(nil, nil, errors.New("boom")); got.Err != "boom" || got.Validity != U {
		t.Errorf("NewRun(nil) = %+v", got)
	}
}

func TestCompareVersions(t *testing.T) {
	sorted := []string{"", "0.9.9", "0.9.17", "0.9.21", "0.9.21.1", "0.9.21.1-1", "0.9.22.1", "0.10.1", "0.10.6.1", "main"}
	for i := range sorted {
		for j := range sorted {
			got := compareVersions(sorted[i], sorted[j])
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if sign(got) != want {
				t.Errorf("compareVersions(%q, %q) = %d, want %d", sorted[i], sorted[j], got, want)
			}
		}
	}
	if !versionBelow("0.9.17", "0.9.19") || versionBelow("0.9.19", "0.9.19") || versionBelow("0.10.1", "0.9.19") || versionBelow("", "0.9.19") {
		t.Error("versionBelow")
	}
	s := Suite{Runs: []Run{{Version: "0.10.1"}, {Version: "0.9.17"}, {Version: "0.9.22.1"}, {Version: "0.9.17"}}}
	if got := Versions(s); !reflect.DeepEqual(got, []string{"0.9.17", "0.9.22.1", "0.10.1"}) {
		t.Errorf("Versions = %v", got)
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func TestSuiteOutcome(t *testing.T) {
	ok := Run{Verdicts: []harness.Verdict{{Valid: V}}}
	if got := (Suite{Runs: []Run{ok}}).Outcome(); got != V {
		t.Errorf("clean suite: %s", got)
	}
	if got := (Suite{Runs: []Run{ok}, Interrupted: true}).Outcome(); got != U {
		t.Errorf("interrupted clean suite: %s", got)
	}
	if got := (Suite{}).Outcome(); got != U {
		t.Errorf("empty suite: %s", got)
	}
	if got := fixtureSuite().Outcome(); got != I {
		t.Errorf("fixture: %s", got)
	}
}

func TestCapacity(t *testing.T) {
	lat := func(p99 float64, rate float64, v harness.Validity) []harness.Verdict {
		return []harness.Verdict{
			{Checker: "login-latency", Valid: v, Metrics: map[string]float64{"latency_p50_s": p99 / 2, "latency_p99_s": p99, "error_rate": rate}},
			{Checker: "zombies", Valid: V, Metrics: map[string]float64{"zombies_max": 1, "zombies_lasting": 0}},
		}
	}
	l10 := LevelFromVerdicts(10, lat(1.5, 0, V))
	l20 := LevelFromVerdicts(20, lat(2.5, 0, V))
	l30 := LevelFromVerdicts(30, lat(6.25, 0.02, I))
	l40 := LevelFromVerdicts(40, lat(3, 0, V)) // held again: capacity is still 20
	if !l10.Held || l10.P99 != 1500*time.Millisecond || l10.P50 != 750*time.Millisecond || l10.Zombies != 0 {
		t.Errorf("level 10: %+v", l10)
	}
	if l30.Held || l30.Why != "login p99 6.25s, 2.0% errors" || l30.ErrorRate != 0.02 {
		t.Errorf("level 30: %+v", l30)
	}
	c := NewCapacity(l40, l30, l10, l20)
	if c.Sessions != 20 || c.Limit != "login p99 6.25s, 2.0% errors at 30 sessions" {
		t.Errorf("capacity %d, limit %q", c.Sessions, c.Limit)
	}
	if c.Levels[0].Sessions != 10 || c.Levels[3].Sessions != 40 {
		t.Error("levels not sorted")
	}
	if all := NewCapacity(l10, l20); all.Sessions != 20 || all.Limit != "" {
		t.Errorf("all held: %+v", all)
	}
	if none := NewCapacity(l30); none.Sessions != 0 {
		t.Errorf("none held: %+v", none)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	s := fixtureSuite()
	var b bytes.Buffer
	if err := (JSON{}).Write(&b, s); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(&b)
	if err != nil {
		t.Fatal(err)
	}
	want := s.sorted()
	want.Schema = SchemaVersion // the writer stamps it
	if !reflect.DeepEqual(back, want) {
		t.Error("the suite read back differs from the one written")
	}
	// Writing what was read gives the same bytes.
	if a, c := render(t, JSON{}, s), render(t, JSON{}, back); !bytes.Equal(a, c) {
		t.Error("JSON is not stable across a round trip")
	}
}

func TestJSONOmitEvents(t *testing.T) {
	s := fixtureSuite()
	full := render(t, JSON{}, s)
	slim := render(t, JSON{OmitEvents: true}, s)
	if len(slim)*3 > len(full) {
		t.Errorf("slim JSON %d bytes, full %d: events were not left out", len(slim), len(full))
	}
	back, err := ReadJSON(bytes.NewReader(slim))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range back.Runs {
		if r.Record == nil {
			continue
		}
		if len(r.Record.Ops)+len(r.Record.Procs)+len(r.Record.Ticks)+len(r.Record.Logs) > 0 {
			t.Errorf("%s: events left in", r.Label())
		}
		if r.Events.Ops == 0 || len(r.Verdicts) == 0 {
			t.Errorf("%s: counts or verdicts lost: %+v", r.Label(), r.Events)
		}
	}
	// The caller's suite is untouched.
	if len(s.Runs[0].Record.Ops) == 0 {
		t.Error("OmitEvents modified the caller's records")
	}
	// Reports made from the slim JSON keep the counts and say why charts
	// are missing.
	md := string(render(t, Markdown{}, back))
	if !strings.Contains(md, "120 ops (raw events left out") || strings.Contains(md, "no ops") {
		t.Error("markdown from a slim JSON lost the op counts")
	}
	page := render(t, HTML{}, back)
	if n := bytes.Count(page, []byte("<svg")); n != 1 {
		t.Errorf("%d charts from a slim JSON, want only the capacity chart", n)
	}
	if !bytes.Contains(page, []byte("written without raw events")) {
		t.Error("the HTML does not say why charts are missing")
	}
	if _, err := ReadJSON(strings.NewReader("{")); err == nil || !strings.HasPrefix(err.Error(), "reports: read json:") {
		t.Errorf("bad JSON: %v", err)
	}
}

func TestWriterFor(t *testing.T) {
	exts := map[string]bool{}
	var types []string
	for _, f := range FormatTable() {
		for _, name := range append([]string{f.Name, strings.ToUpper(f.Name)}, f.Aliases...) {
			w, err := WriterFor(name)
			if err != nil || reflect.TypeOf(w) != reflect.TypeOf(f.Writer) || Ext(name) != f.Ext {
				t.Errorf("%s: writer %T, %v, ext %q", name, w, err, Ext(name))
			}
		}
		if f.Ext == "" || exts[f.Ext] {
			t.Errorf("%s: extension %q empty or shared", f.Name, f.Ext)
		}
		exts[f.Ext] = true
		var b strings.Builder
		if err := f.Writer.Write(&b, fixtureSuite()); err != nil || b.Len() == 0 {
			t.Errorf("%s: wrote %d bytes, %v", f.Name, b.Len(), err)
		}
		types = append(types, reflect.TypeOf(f.Writer).Name())
	}
	sort.Strings(types)
	if want := writerTypes(t); !slices.Equal(types, want) {
		t.Errorf("FormatTable has %v; the package defines the writers %v: add a line per format", types, want)
	}
	if _, err := WriterFor("pdf"); err == nil || !strings.Contains(err.Error(), `"pdf"`) || !strings.Contains(err.Error(), "html") {
		t.Errorf("unknown format: %v", err)
	}
}

// writerTypes lists the types of this package's non-test files with a
// Write(io.Writer, Suite) method (WriterFunc, the adapter, aside).
func writerTypes(t *testing.T) []string {
	t.Helper()
	pkgs, err := parser.ParseDir(token.NewFileSet(), ".", func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range pkgs {
		for _, f := range p.Files {
			for _, d := range f.Decls {
				fn, ok := d.(*ast.FuncDecl)
				if !ok || fn.Recv == nil || fn.Name.Name != "Write" || fn.Type.Params.NumFields() != 2 {
					continue
				}
				if id, ok := fn.Recv.List[0].Type.(*ast.Ident); ok && id.Name != "WriterFunc" {
					out = append(out, id.Name)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}
