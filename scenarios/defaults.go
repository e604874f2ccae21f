package scenarios

import (
	"embed"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
)

//go:embed defaults/*.yaml
var defaultFiles embed.FS

// Role says which versions of a suite a scenario answers for.
type Role string

const (
	// OnEvery version: the FROM side of each comparison and each TO.
	OnEvery Role = "every"
	// OnTarget runs on the upgrade target only (SuiteOptions.Target).
	OnTarget Role = "target"
)

// DefaultRun is one scenario of the default suite: the versions it runs on
// and the question it answers.
type DefaultRun struct {
	Scenario string
	On       Role
	Proves   string
}

// DefaultSuite is what `run` does when no scenario is named. Each entry
// answers one of the harness's three questions, and none repeats another's
// evidence: the storm already proves a healthy version healthy under load
// (a separate baseline would only repeat it), and recovery and capacity
// are asked of the version being upgraded to.
var DefaultSuite = []DefaultRun{
	{Scenario: "reconnect-storm", On: OnEvery,
		Proves: "does the upgrade fix it: the SIGCHLD defect (defunct reconnect scripts, missed session ends, VNC errors) shows on the FROM side and not on each TO"},
	{Scenario: "sesman-freeze", On: OnTarget,
		Proves: "is the upgrade target healthy under faults: sesman frozen mid-storm, every user back in within 20 s of the thaw, nothing left behind"},
	{Scenario: "capacity", On: OnTarget,
		Proves: "how many users the upgrade target holds: Xfce desktops with a working user, added two at a time in one core, until the average response passes the Login VSI 4.1 baseline + 1 s; the cost per session and a projection to bigger nodes"},
}

// DefaultOrder names DefaultSuite's scenarios in order.
var DefaultOrder = defaultOrder()

func defaultOrder() []string {
	var names []string
	for _, d := range DefaultSuite {
		names = append(names, d.Scenario)
	}
	return names
}

// DefaultPlacement says, per scenario of DefaultSuite, the version labels
// it runs on: versions are the suite's labels in order, target the upgrade
// target among them.
func DefaultPlacement(versions []string, target string) map[string][]string {
	out := map[string][]string{}
	for _, d := range DefaultSuite {
		switch d.On {
		case OnTarget:
			out[d.Scenario] = []string{target}
		default:
			out[d.Scenario] = append([]string(nil), versions...)
		}
	}
	return out
}

// Builtin returns the scenario of that name shipped with the harness.
func Builtin(name string) (Spec, error) {
	f, err := defaultFiles.Open(path.Join("defaults", name+".yaml"))
	if err != nil {
		return Spec{}, fmt.Errorf("scenarios: no built-in scenario %q; built in: %s (or give a .yaml file)",
			name, strings.Join(BuiltinNames(), ", "))
	}
	defer f.Close()
	return Parse(name+".yaml", f)
}

// BuiltinNames lists the shipped scenarios.
func BuiltinNames() []string {
	entries, _ := defaultFiles.ReadDir("defaults")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	return names
}

// Defaults returns the default suite.
func Defaults() ([]Spec, error) {
	var specs []Spec
	var errs []error
	for _, n := range DefaultOrder {
		s, err := Builtin(n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		specs = append(specs, s)
	}
	return specs, errors.Join(errs...)
}

// Load reads a scenario by built-in name or from a YAML file path.
func Load(nameOrPath string) (Spec, error) {
	if !strings.HasSuffix(nameOrPath, ".yaml") && !strings.HasSuffix(nameOrPath, ".yml") {
		return Builtin(nameOrPath)
	}
	f, err := os.Open(nameOrPath)
	if err != nil {
		return Spec{}, fmt.Errorf("scenarios: %w (give a scenario file or a built-in name: %s)", err, strings.Join(BuiltinNames(), ", "))
	}
	defer f.Close()
	s, err := Parse(nameOrPath, f)
	if err == nil && s.Target.Config != "" && !filepath.IsAbs(s.Target.Config) {
		s.Target.Config = filepath.Join(filepath.Dir(nameOrPath), s.Target.Config)
	}
	return s, err
}
