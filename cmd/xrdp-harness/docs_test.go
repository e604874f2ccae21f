package main

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/xrdp-harness/xrdp-harness/harness/check"
	"github.com/xrdp-harness/xrdp-harness/reports"
	"github.com/xrdp-harness/xrdp-harness/scenarios"
)

// scenarioReferencePath is the generated scenario reference. Regenerate:
// XRDP_HARNESS_UPDATE_DOCS=1 go tool ginkgo --focus 'scenario reference' ./cmd/xrdp-harness
const scenarioReferencePath = "../../docs/scenarios.md"

// fieldDocs reads the comments of the scenario types' fields from
// scenarios/spec.go, keyed "Type.Field" ("TargetSpec.Reconnect.RunTime" for
// a field of a nested struct).
func fieldDocs(path string) map[string]string {
	GinkgoHelper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ParseComments)
	Expect(err).NotTo(HaveOccurred())
	docs := map[string]string{}
	var walk func(prefix string, st *ast.StructType)
	walk = func(prefix string, st *ast.StructType) {
		for _, fl := range st.Fields.List {
			text := strings.TrimSpace(fl.Doc.Text() + " " + fl.Comment.Text())
			for _, n := range fl.Names {
				docs[prefix+n.Name] = strings.Join(strings.Fields(text), " ")
				if inner, ok := fl.Type.(*ast.StructType); ok {
					walk(prefix+n.Name+".", inner)
				}
			}
		}
	}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok {
			continue
		}
		for _, sp := range gd.Specs {
			ts, ok := sp.(*ast.TypeSpec)
			if !ok {
				continue
			}
			if st, ok := ts.Type.(*ast.StructType); ok {
				walk(ts.Name.Name+".", st)
			}
		}
	}
	return docs
}

func typeName(t reflect.Type) string {
	switch {
	case t == reflect.TypeFor[scenarios.Duration]():
		return "duration (250ms, 1.5s, 2m)"
	case t.Kind() == reflect.Pointer:
		return typeName(t.Elem())
	case t.Kind() == reflect.Slice:
		return "list of " + typeName(t.Elem())
	case t.Kind() == reflect.Map:
		return "map of " + typeName(t.Elem())
	case t.Kind() == reflect.Struct:
		return "mapping"
	case t.Kind() == reflect.Float64 || t.Kind() == reflect.Float32:
		return "number"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return "integer"
	}
	return t.Kind().String()
}

// fieldRows lists t's YAML fields as table rows, nested structs flattened.
func fieldRows(b *strings.Builder, t reflect.Type, docKey, path string, docs map[string]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		p := path + name
		if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeFor[scenarios.Duration]() && f.Type.Name() == "" {
			fieldRows(b, f.Type, docKey+f.Name+".", p+".", docs)
			continue
		}
		doc := strings.ReplaceAll(docs[docKey+f.Name], "|", `\|`)
		fmt.Fprintf(b, "| `%s` | %s | %s |\n", p, typeName(f.Type), doc)
	}
}

// scenarioReference renders docs/scenarios.md from the catalogs and types.
func scenarioReference() string {
	GinkgoHelper()
	docs := fieldDocs("../../scenarios/spec.go")
	var b strings.Builder
	b.WriteString("# Scenario reference\n\n<!-- Generated from the catalogs and types by cmd/xrdp-harness/docs_test.go: do not edit.\n" +
		"     Regenerate: XRDP_HARNESS_UPDATE_DOCS=1 go tool ginkgo --focus 'scenario reference' ./cmd/xrdp-harness -->\n\n")
	b.WriteString("A scenario file is YAML, decoded strictly (an unknown field is an error with its line). " +
		"[schema/scenario.schema.json](schema/scenario.schema.json) is its JSON Schema; the built-in scenarios are in " +
		"[scenarios/defaults](../scenarios/defaults).\n\n")
	table := func(title string, t reflect.Type, docKey, path string) {
		fmt.Fprintf(&b, "## %s\n\n| field | type | meaning |\n|---|---|---|\n", title)
		fieldRows(&b, t, docKey, path, docs)
		b.WriteString("\n")
	}
	// Top level: the scalar fields; the sections follow.
	b.WriteString("## Top level\n\n| field | type | meaning |\n|---|---|---|\n")
	st := reflect.TypeFor[scenarios.Spec]()
	for i := range st.NumField() {
		f := st.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if k := f.Type.Kind(); (k == reflect.Struct && f.Type != reflect.TypeFor[scenarios.Duration]()) ||
			(k == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct) {
			fmt.Fprintf(&b, "| `%s` | %s | see below |\n", name, typeName(f.Type))
			continue
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", name, typeName(f.Type), docs["Spec."+f.Name])
	}
	b.WriteString("\n")
	table("Target settings (`target:`)", reflect.TypeFor[scenarios.TargetSpec](), "TargetSpec.", "target.")

	b.WriteString("## Load kinds (`load: - kind:`)\n\n")
	for _, k := range scenarios.LoadKinds() {
		fmt.Fprintf(&b, "- `%s`\n", k)
	}
	b.WriteString("\n")
	table("Load fields (`load:` entries)", reflect.TypeFor[scenarios.LoadSpec](), "LoadSpec.", "")

	b.WriteString("## Faults (`faults: - kind:`, and `kind: fault` load steps)\n\n| fault | params |\n|---|---|\n")
	for _, k := range scenarios.FaultKinds() {
		ps := scenarios.FaultParams(k)
		cell := "—"
		if len(ps) > 0 {
			cell = "`" + strings.Join(ps, "`, `") + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s |\n", k, cell)
	}
	b.WriteString("\n")
	table("Fault fields (`faults:` entries)", reflect.TypeFor[scenarios.FaultSpec](), "FaultSpec.", "")

	checkers, err := check.Default()
	Expect(err).NotTo(HaveOccurred())
	b.WriteString("## Checkers\n\nEvery run is judged by these checkers, in this order; `checks.skip` names the ones to leave out.\n\n")
	for _, c := range checkers {
		fmt.Fprintf(&b, "- `%s`\n", c.Name())
	}
	b.WriteString("\n")
	table("Checks (`checks:`, and `xrdp-harness judge --check KEY=VALUE`)", reflect.TypeFor[scenarios.CheckSpec](), "CheckSpec.", "")

	fmt.Fprintf(&b, "## Report formats (`--format`)\n\n")
	for _, f := range reports.Formats() {
		fmt.Fprintf(&b, "- `%s`: `report%s`\n", f, reports.Ext(f))
	}
	return b.String()
}

var _ = Describe("docs", func() {
	It("the scenario reference is what the catalogs generate", func() {
		want := scenarioReference()
		if os.Getenv("XRDP_HARNESS_UPDATE_DOCS") == "1" {
			Expect(os.WriteFile(scenarioReferencePath, []byte(want), 0o644)).To(Succeed())
		}
		got, err := os.ReadFile(scenarioReferencePath)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(got)).To(Equal(want), "docs/scenarios.md is stale: XRDP_HARNESS_UPDATE_DOCS=1 go tool ginkgo --focus 'scenario reference' ./cmd/xrdp-harness")
		for _, k := range append(scenarios.LoadKinds(), scenarios.FaultKinds()...) {
			Expect(want).To(ContainSubstring("`" + k + "`"))
		}
	})

	It("the example dashboard and docs/metrics.md name only metrics the harness serves", func() {
		m := reports.NewMetrics()
		fams, err := m.Registry().Gather()
		Expect(err).NotTo(HaveOccurred())
		_ = fams // vectors without series gather nothing: read the names from the descriptors
		var served []string
		ch := make(chan *prometheus.Desc, 64)
		go func() { m.Registry().Describe(ch); close(ch) }()
		re := regexp.MustCompile(`fqName: "([a-z_]+)"`)
		for d := range ch {
			served = append(served, re.FindStringSubmatch(d.String())[1])
		}
		Expect(served).NotTo(BeEmpty())
		dash, err := os.ReadFile("../../docs/grafana-dashboard.json")
		Expect(err).NotTo(HaveOccurred())
		var doc any
		Expect(json.Unmarshal(dash, &doc)).To(Succeed())
		md, err := os.ReadFile("../../docs/metrics.md")
		Expect(err).NotTo(HaveOccurred())
		for _, name := range regexp.MustCompile(`xrdp_harness_[a-z_]+`).FindAllString(string(dash)+string(md), -1) {
			base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_sum"), "_count")
			Expect(slices.Contains(served, base)).To(BeTrue(), "%s is not served (served: %v)", name, served)
		}
	})
})
