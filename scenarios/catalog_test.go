package scenarios

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/harness/fault"
)

// methodOwners lists the types of the non-test files in dir that declare a
// method named method: what a package defines, read from its source, so a
// catalog that forgets a new type fails here.
func methodOwners(t *testing.T, dir, method string) []string {
	t.Helper()
	pkgs, err := parser.ParseDir(token.NewFileSet(), dir, func(fi fs.FileInfo) bool {
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
				if !ok || fn.Recv == nil || fn.Name.Name != method {
					continue
				}
				typ := fn.Recv.List[0].Type
				if s, ok := typ.(*ast.StarExpr); ok {
					typ = s.X
				}
				out = append(out, typ.(*ast.Ident).Name)
			}
		}
	}
	sort.Strings(out)
	return out
}

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
