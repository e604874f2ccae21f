package scenarios

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzParse: any YAML either fails Parse with an error or gives a spec
// whose plans build on every kind of version without panicking.
func FuzzParse(f *testing.F) {
	for _, n := range BuiltinNames() {
		data, err := defaultFiles.ReadFile("defaults/" + n + ".yaml")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"name: x\nload:\n  - {kind: constant, rate: .nan, duration: 1s}\n",
		"name: x\nload:\n  - {kind: ramp, from: .inf, to: -.inf, duration: 1s}\n",
		"name: x\nload:\n  - {kind: reconnect-storm, cycles: 1e12}\n",
		"name: x\nload:\n  - {kind: sequence, steps: [{kind: sequence, steps: [{kind: burst, n: 1}]}]}\n",
		"name: x\ntarget: {ini: [\"a:b.c=d\"], capabilities: [ALL]}\nload:\n  - {kind: fault, fault: {kind: latency, params: {delay: 1h}}}\n",
		"name: x\nchecks: {maxErrorRate: .nan}\nload:\n  - {kind: burst, n: 1}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", bytes.NewReader(data))
		if err != nil {
			return
		}
		if s.opsBound() > MaxOps {
			t.Fatalf("accepted %g ops", s.opsBound())
		}
		_ = s.ExpectedOps()
		for _, v := range []string{"0.9.21.1", "0.10.1"} {
			_, _, _ = s.Plan(v)
		}
	})
}

// FuzzParseVersion: the version syntax never panics, and what it accepts
// is a release number or a source reference.
func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"0.9.21.1", DefectBuild, "0.9.22.1@/srv/x.tar.gz", "@/x.tar.gz",
		"0.9.22.1@https://h/x.tar.gz#sha256=" + strings.Repeat("a", 64), "0.9.22.1@https://h/x#sha256=../../x", " , ", "", "@", "1.2.3.4.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseVersion(s, nil)
		if err != nil {
			return
		}
		if v.Label == "" {
			t.Fatalf("%q: accepted without a label", s)
		}
		if v.Image.Source != nil && !isNamedBuild(s) {
			_ = checkNoPanic(v)
		}
	})
}

func checkNoPanic(v Version) error {
	_, err := Preflight(PreflightRequest{Scenarios: []string{"baseline"}, Versions: []string{v.Label}, CacheDir: "/nonexistent"})
	return err
}
