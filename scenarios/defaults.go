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

// DefaultOrder is the default suite: a healthy baseline first, then the
// seed failure, a fault with recovery, and the capacity figure.
var DefaultOrder = []string{"baseline", "reconnect-storm", "sesman-freeze", "capacity"}

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
