package scenarios

import (
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/harness/fault"
	"github.com/xrdp-harness/xrdp-harness/harness/load"
)

// TestFaultCatalogCoversPackage: every fault type of harness/fault has a
// line in faultMakers, each line builds the fault of its name, and a
// scenario naming it parses and plans (through the proxied lab exactly
// when the fault is a fault.Toxic).
func TestFaultCatalogCoversPackage(t *testing.T) {
	var built []string
	for _, kind := range FaultKinds() {
		ft, err := faultMakers[kind].make(params{kind: kind})
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if ft.Name() != kind {
			t.Errorf("catalog line %q builds the fault %q", kind, ft.Name())
		}
		if kind != "none" {
			built = append(built, reflect.TypeOf(ft).Elem().Name())
		}
	}
	sort.Strings(built)
	if want := methodOwners(t, "../harness/fault", "Inject"); !slices.Equal(built, want) {
		t.Errorf("faultMakers builds %v; harness/fault defines %v: add a line per fault", built, want)
	}
	for _, kind := range FaultKinds() {
		s := Spec{Name: "x", Load: []LoadSpec{{Kind: "burst", N: 1}}, Faults: []FaultSpec{{Kind: kind, Params: sampleParams[kind]}}}
		if errs := s.Validate(); len(errs) > 0 {
			t.Errorf("%s: a scenario naming it is invalid: %v", kind, errs)
			continue
		}
		plan, _, err := s.Plan("0.9.21.1")
		if err != nil {
			t.Errorf("%s: plan: %v", kind, err)
			continue
		}
		_, direct := plan.Lab.(*containers.Lab)
		ft, _ := newFault(s.Faults[0])
		if _, toxic := ft.(fault.Toxic); toxic == direct {
			t.Errorf("%s: toxic %v but the lab is %T", kind, toxic, plan.Lab)
		}
	}
}

// sampleParams are valid params for the faults that need some.
var sampleParams = map[string]map[string]string{
	"signal":     {"process": "xrdp-sesman", "sig": "HUP"},
	"restart":    {"process": "xrdp-sesman"},
	"resources":  {"cpus": "0.5"},
	"squat-port": {"port": "6018"},
	"latency":    {"delay": "100ms"},
	"bandwidth":  {"rate": "10000"},
	"slicer":     {"size": "10"},
}

// TestCheckerCatalogReachable: every checker of check.Default can be
// skipped by name from a scenario file, and skipping it drops exactly it.
func TestCheckerCatalogReachable(t *testing.T) {
	names := CheckerNames()
	if len(names) == 0 {
		t.Fatal("no checkers")
	}
	for _, n := range names {
		s, err := Parse(n+".yaml", strings.NewReader("name: x\nload:\n  - kind: burst\n    n: 1\nchecks:\n  skip: ["+n+"]\n"))
		if err != nil {
			t.Fatalf("skip %s: %v", n, err)
		}
		cs, err := s.Checkers()
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != len(names)-1 || slices.ContainsFunc(cs, func(c harness.Checker) bool { return c.Name() == n }) {
			t.Errorf("skip %s left %d checkers", n, len(cs))
		}
	}
}

// loadSamples is one scenario-file entry per load kind.
var loadSamples = map[string]string{
	"reconnect-storm": "{kind: reconnect-storm, cycles: 2}",
	"constant":        "{kind: constant, rate: 2, duration: 1s}",
	"ramp":            "{kind: ramp, from: 1, to: 3, duration: 1s}",
	"burst":           "{kind: burst, n: 3}",
	"capacity":        "{kind: capacity, step: 2, every: 1s, max: 4}",
	"sequence":        "{kind: sequence, steps: [{kind: burst, n: 1}, {kind: pause, duration: 1s}]}",
	"pause":           "{kind: pause, duration: 1s}",
	"fault":           "{kind: fault, fault: {kind: freeze-sesman, hold: 1s}}",
}

// TestLoadCatalogCoversPackage: every load kind can be written in a
// scenario file and builds an executor, and every executor of harness/load
// is built by some kind.
func TestLoadCatalogCoversPackage(t *testing.T) {
	built := map[string]bool{}
	var walk func(e harness.Executor)
	walk = func(e harness.Executor) {
		built[reflect.TypeOf(e).Elem().Name()] = true
		if s, ok := e.(*load.Sequence); ok {
			for _, st := range s.Steps {
				walk(st)
			}
		}
	}
	for _, kind := range LoadKinds() {
		sample, ok := loadSamples[kind]
		if !ok {
			t.Errorf("load kind %s: no sample in loadSamples", kind)
			continue
		}
		s, err := Parse(kind+".yaml", strings.NewReader("name: x\nload:\n  - "+sample+"\n"))
		if err != nil {
			t.Errorf("%s: %v", kind, err)
			continue
		}
		execs, err := s.Executors()
		if err != nil || len(execs) != 1 {
			t.Errorf("%s: executors %v, %v", kind, execs, err)
			continue
		}
		walk(execs[0])
		if _, err := Parse(kind+".yaml", strings.NewReader("name: x\nload:\n  - {kind: "+kind+"}\n")); err == nil && kind != "sequence" {
			t.Errorf("%s: an entry with no settings was accepted", kind)
		}
	}
	var got []string
	for n := range built {
		got = append(got, n)
	}
	sort.Strings(got)
	if want := methodOwners(t, "../harness/load", "Run"); !slices.Equal(got, want) {
		t.Errorf("load kinds build %v; harness/load defines the executors %v", got, want)
	}
	s, _ := Parse("ops.yaml", strings.NewReader("name: x\nload:\n  - "+loadSamples["sequence"]+"\n  - "+loadSamples["reconnect-storm"]+"\n"))
	if got := s.ExpectedOps(); got != 2+2*defaultUsers*2 {
		t.Errorf("expected ops %d", got)
	}
}
