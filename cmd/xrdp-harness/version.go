package main

import (
	"fmt"
	"io"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "print the harness's module version and VCS revision",
		Long: `Prints the module version and the VCS revision the binary was built from,
as the Go toolchain recorded them in its build info.

Exit status: 0, or 2 for bad input.`,
		Example: `  xrdp-harness version`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			printVersion(cmd.OutOrStdout(), buildVersion())
			return nil
		},
	}
}

// version is what the build info says about this binary.
type version struct {
	Module   string // module path
	Version  string // module version: "(devel)" for a build inside its work tree
	Revision string // VCS revision, "" when built without VCS stamping
	Time     string // commit time
	Modified bool   // the work tree had uncommitted changes
	Go       string
}

func buildVersion() version {
	v := version{Version: "unknown"}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	v.Module, v.Version, v.Go = info.Main.Path, info.Main.Version, info.GoVersion
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Revision = s.Value
		case "vcs.time":
			v.Time = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

// String is the one-line form reports carry.
func (v version) String() string {
	s := v.Version
	if v.Revision != "" {
		s += " " + v.Revision
		if v.Modified {
			s += "+dirty"
		}
	}
	return s
}

func printVersion(w io.Writer, v version) {
	fmt.Fprintf(w, "xrdp-harness %s\n", v.Version)
	fmt.Fprintf(w, "  module:   %s\n", v.Module)
	rev := v.Revision
	if rev == "" {
		rev = "unknown (built without VCS stamping: go build -buildvcs=true in a git work tree)"
	} else if v.Modified {
		rev += " (with uncommitted changes)"
	}
	fmt.Fprintf(w, "  revision: %s\n", rev)
	if v.Time != "" {
		fmt.Fprintf(w, "  commit:   %s\n", v.Time)
	}
	fmt.Fprintf(w, "  go:       %s\n", v.Go)
}
