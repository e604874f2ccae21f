package check

import (
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

func TestDefaultCatalog(t *testing.T) {
	cs, err := Default(WithZombieGrace(2 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, c := range cs {
		if names[c.Name()] {
			t.Errorf("duplicate checker %q", c.Name())
		}
		names[c.Name()] = true
	}
	var types []string
	for _, c := range cs {
		types = append(types, reflect.TypeOf(c).Name())
	}
	sort.Strings(types)
	if want := checkerTypes(t); !slices.Equal(types, want) {
		t.Errorf("Default has %v; the package defines the checkers %v: add each to Default", types, want)
	}
	if z, ok := cs[0].(Zombies); !ok || z.Config.ZombieGrace != 2*time.Second || z.Config.StaleGrace != 15*time.Second {
		t.Errorf("options or defaults not applied: %+v", cs[0])
	}
	// Every checker answers once per target, names itself, and copes with
	// an empty record and a nil one.
	b := newBuilder()
	b.on("t2")
	for _, c := range cs {
		vs := c.Check(b.record())
		if len(vs) != 2 || vs[0].Target != "t1" || vs[1].Target != "t2" {
			t.Errorf("%s: verdicts %+v, want one per target", c.Name(), vs)
		}
		for _, v := range vs {
			if v.Checker != c.Name() || v.Summary == "" {
				t.Errorf("%s: verdict %+v", c.Name(), v)
			}
		}
		if vs := c.Check(nil); len(vs) != 1 || vs[0].Valid != harness.Unknown {
			t.Errorf("%s: nil record gave %+v", c.Name(), vs)
		}
	}
}

func TestOptionsReportEveryProblem(t *testing.T) {
	_, err := Default(WithZombieGrace(-1), WithMaxErrorRate(2), WithBPPVariants(0), WithExpectedAuthFailures(""),
		WithRecoveryKinds(), WithFinalSessions(-3))
	if err == nil {
		t.Fatal("bad options accepted")
	}
	for _, want := range []string{"zombie grace", "max error rate", "bpp variants", "expected auth failures",
		"recovery kinds", "final sessions"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %q: %v", want, err)
		}
	}
	if errs := (Config{LatencyKinds: []harness.OpKind{"nope"}}).Validate(); len(errs) != 1 ||
		!strings.Contains(errors.Join(errs...).Error(), `unknown kind "nope"`) {
		t.Errorf("Validate: %v", errs)
	}
	if errs := (Config{}).Validate(); len(errs) != 0 {
		t.Errorf("zero Config invalid: %v", errs)
	}
}

// checkerTypes lists the types of this package's non-test files that have
// a Check method: read from the source, so a new detector that is not in
// Default fails TestDefaultCatalog.
func checkerTypes(t *testing.T) []string {
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
				if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv != nil && fn.Name.Name == "Check" {
					if id, ok := fn.Recv.List[0].Type.(*ast.Ident); ok {
						out = append(out, id.Name)
					}
				}
			}
		}
	}
	sort.Strings(out)
	return out
}
