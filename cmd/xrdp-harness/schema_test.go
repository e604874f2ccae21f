package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/reports"
)

// schemaDir is docs/schema, from this package's directory.
const schemaDir = "../../docs/schema"

// compileSchema compiles one of docs/schema's files.
func compileSchema(name string) *jsonschema.Schema {
	GinkgoHelper()
	c := jsonschema.NewCompiler()
	sch, err := c.Compile(filepath.Join(schemaDir, name))
	Expect(err).NotTo(HaveOccurred())
	return sch
}

// validateJSON validates a JSON document against a compiled schema.
func validateJSON(sch *jsonschema.Schema, doc []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	return sch.Validate(v)
}

// validateYAML validates a YAML document (a scenario file) as the JSON
// an editor's YAML language server would see.
func validateYAML(sch *jsonschema.Schema, doc []byte) error {
	var v any
	if err := yaml.Unmarshal(doc, &v); err != nil {
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return validateJSON(sch, b)
}

// validateReport validates a report.json a run wrote.
func validateReport(path string) {
	GinkgoHelper()
	b, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred())
	Expect(validateJSON(compileSchema("report.schema.json"), b)).To(Succeed(), path)
}

var _ = Describe("JSON schemas", func() {
	It("are what the Go types generate (regenerate: go run ./cmd/xrdp-harness schema NAME > docs/schema/NAME.schema.json)", func() {
		for name, gen := range schemas() {
			want, err := gen()
			Expect(err).NotTo(HaveOccurred())
			got, err := os.ReadFile(filepath.Join(schemaDir, name))
			Expect(err).NotTo(HaveOccurred())
			Expect(string(got)).To(Equal(string(want)), "docs/schema/%s is stale", name)
		}
	})

	It("accept every built-in scenario and refuse a broken one", func() {
		sch := compileSchema("scenario.schema.json")
		files, err := filepath.Glob("../../scenarios/defaults/*.yaml")
		Expect(err).NotTo(HaveOccurred())
		Expect(files).NotTo(BeEmpty())
		for _, f := range files {
			b, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			Expect(validateYAML(sch, b)).To(Succeed(), f)
		}
		for _, bad := range []string{
			"name: s\nload:\n  - kind: burst\n    hodl: 2s\n",        // unknown field
			"name: s\nfaults:\n  - kind: freeze-sesmn\n    at: 1s\n", // unknown fault
			"name: s\nsettle: 5\n",                                   // duration without unit
			"name: s\ntarget:\n  users: many\n",                      // not a number
		} {
			Expect(validateYAML(sch, []byte(bad))).NotTo(Succeed(), bad)
		}
	})

	It("accept the report.json the JSON writer writes, with and without events", func() {
		sch := compileSchema("report.schema.json")
		t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
		rec := &harness.Record{Scenario: "storm", Started: t0, Ended: t0.Add(time.Minute),
			Targets: []harness.TargetInfo{{Name: "xrdp-0.9.24", Version: "0.9.24", Flavour: "debian"}},
			Ops:     []harness.Op{{ID: 1, Target: "xrdp-0.9.24", User: "u1", Kind: harness.OpLogin, Start: t0, End: t0.Add(time.Second), Outcome: harness.OK}},
			Faults:  []harness.FaultWindow{{Name: "freeze-sesman", Target: "xrdp-0.9.24", Inject: t0, Heal: t0.Add(5 * time.Second)}}}
		run := reports.NewRun(rec, []harness.Verdict{{Checker: "zombies", Valid: harness.Valid, Metrics: map[string]float64{"zombies_max": 0}}}, nil)
		failed := reports.NewRun(nil, nil, fmt.Errorf("build image"))
		failed.Scenario, failed.Version = "storm", "0.10.1"
		s := reports.Suite{Name: "t", Harness: "test", Started: t0, Ended: t0.Add(time.Minute), Runs: []reports.Run{run, failed}}
		s.Comparisons = []reports.Comparison{reports.Compare(s, "0.9.24", "0.10.1")}
		for _, w := range []reports.JSON{{}, {OmitEvents: true}} {
			var b bytes.Buffer
			Expect(w.Write(&b, s)).To(Succeed())
			Expect(validateJSON(sch, b.Bytes())).To(Succeed(), b.String())
		}
		Expect(validateJSON(sch, []byte(`{"name": "t", "runs": [{"scenario": 3}]}`))).NotTo(Succeed())
		validateReport("../../reports/testdata/report-v1.json")
	})
})
