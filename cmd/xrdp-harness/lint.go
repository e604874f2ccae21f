package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/containers/xrdpconf"
	"github.com/xrdp-harness/xrdp-harness/harness/lint"
	"github.com/xrdp-harness/xrdp-harness/scenarios"
)

type lintFlags struct {
	imageFlags
	prove    bool
	config   string
	versions listFlag
	failOn   string
	users    int
	format   string
}

func newLintCmd() *cobra.Command {
	var f lintFlags
	cmd := &cobra.Command{
		Use:   "lint --config DIR [flags]",
		Short: "check an xrdp config directory against the traps the harness knows, per version",
		Long: `Reads the operator's sesman.ini and xrdp.ini from DIR (files not given are the
version's packaged ones) and reports, for each xrdp version, the known traps the
settings walk into: severity, setting (file, section, key, line), the versions
affected, the evidence (xrdp source lines at release tags, measured runs) and the
fix. Nothing is booted.

With --prove, each finding that names a scenario is proved: that built-in
scenario runs on each version the finding affects (images are built when
missing) with DIR laid down as in run --config (the harness's needs and the
scenario's own settings on top; the proof's detail lists them), and the
finding is marked confirmed there when the run is invalid (the checkers saw
the trap), not confirmed otherwise. A version that cannot be built here is
proved on the rule's stand-in build when it has one (0.9.21.1+sigchld-reap-one
for the SIGCHLD defect of releases before 0.9.19).

Exit status: 0 when no finding is at or above --fail-on, 1 when one is, 2 for bad
input (no such directory, a file the harness does not take, a bad version), 3
when --prove could not build or run, 130 when interrupted.`,
		Example: `  xrdp-harness lint --config /etc/xrdp
  xrdp-harness lint --config ./prod-xrdp --version 0.9.21.1 --version 0.10.1 --users 40
  xrdp-harness lint --config ./prod-xrdp --fail-on warning --format json
  xrdp-harness lint --config ./prod-xrdp --version 0.9.21.1 --prove`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runLint(cmd.Context(), &f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.config, "config", "", "directory with the operator's "+xrdpconf.Accepted+" (required)")
	fs.Var(&f.versions, "version", "xrdp version to check, repeatable or comma-separated (default: the catalog's defaults)")
	fs.StringVar(&f.failOn, "fail-on", "error", "exit 1 when a finding is at least this severe: info, warning or error")
	fs.IntVar(&f.users, "users", 0, "users that must hold a session at once (checks MaxSessions); 0: not checked")
	fs.StringVar(&f.format, "format", "text", "output: text or json")
	fs.BoolVar(&f.prove, "prove", false, "run each finding's scenario on the versions it affects and mark it confirmed or not")
	fs.StringVar(&f.base, "base", "auto", "how Debian base images are made (--prove): auto, debootstrap or registry")
	fs.BoolVar(&f.quiet, "quiet", false, "do not print build progress (--prove)")
	return cmd
}

// lintInput is the parsed command line of lint.
type lintInput struct {
	dir      *xrdpconf.Dir
	versions []lint.Version
	images   []scenarios.Version // for --prove
	failOn   lint.Severity
}

func (f *lintFlags) resolve() (lintInput, error) {
	var in lintInput
	var errs []error
	if f.config == "" {
		errs = append(errs, errors.New("--config DIR is required"))
	} else if d, err := xrdpconf.Load(f.config); err != nil {
		errs = append(errs, err)
	} else {
		in.dir = d
	}
	vs := []string(f.versions)
	if len(vs) == 0 {
		vs = containers.DefaultCatalog().Defaults
	}
	for _, s := range vs {
		v, err := lint.ParseVersion(s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		in.versions = append(in.versions, v)
		if f.prove {
			img, err := scenarios.ParseVersion(s, nil)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			in.images = append(in.images, img)
		}
	}
	sev, err := lint.ParseSeverity(f.failOn)
	if err != nil {
		errs = append(errs, fmt.Errorf("--fail-on: %w", err))
	}
	in.failOn = sev
	if f.users < 0 {
		errs = append(errs, fmt.Errorf("--users %d: cannot be negative", f.users))
	}
	if f.format != "text" && f.format != "json" {
		errs = append(errs, fmt.Errorf("--format %q: want text or json", f.format))
	}
	return in, errors.Join(errs...)
}

func runLint(ctx context.Context, f *lintFlags, stdout, stderr io.Writer) error {
	in, err := f.resolve()
	if err != nil {
		return badInput(err)
	}
	cfg := lint.Config{Sesman: in.dir.Ini("sesman.ini"), Xrdp: in.dir.Ini("xrdp.ini"), Users: f.users}
	findings := lint.Lint(cfg, in.versions)
	if f.prove {
		b, err := f.builder(stderr)
		if err != nil {
			return exitCode{3, err}
		}
		defer b.Close()
		findings, _, err = scenarios.Prove(ctx, findings, scenarios.ProveOptions{Builder: b, Versions: in.images,
			ConfigDir: in.dir.Path, RunID: fmt.Sprintf("lint-prove-%d", time.Now().Unix())})
		if err != nil {
			return exitCode{3, err}
		}
	}
	if err := printFindings(stdout, f.format, in.dir, in.versions, findings); err != nil {
		return err
	}
	if n := len(lint.AtLeast(findings, in.failOn)); n > 0 {
		return exitCode{1, fmt.Errorf("%d finding(s) at or above %s", n, in.failOn)}
	}
	return nil
}

func printFindings(w io.Writer, format string, dir *xrdpconf.Dir, versions []lint.Version, fs []lint.Finding) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if fs == nil {
			fs = []lint.Finding{}
		}
		return enc.Encode(fs)
	}
	var vs []string
	for _, v := range versions {
		vs = append(vs, v.Label)
	}
	fmt.Fprintf(w, "lint %s (%s) for %s: %d finding(s)\n", dir.Path, strings.Join(dir.Names(), ", "), strings.Join(vs, ", "), len(fs))
	for _, f := range fs {
		fmt.Fprintf(w, "\n%-7s %s  [%s]\n", strings.ToUpper(f.Severity.String()), f.Rule, strings.Join(f.Versions, ", "))
		fmt.Fprintf(w, "  setting:  %s\n  problem:  %s\n  fix:      %s\n", f.Setting, f.Message, f.Fix)
		for _, e := range f.Evidence {
			fmt.Fprintf(w, "  evidence: %s\n", e)
		}
		if s := f.Status(); s != "" {
			fmt.Fprintf(w, "  proof:    %s\n", s)
			for _, p := range f.Proofs {
				fmt.Fprintf(w, "            %s: %s\n", p.Version, p.Detail)
			}
		} else if f.Scenario != "" {
			fmt.Fprintf(w, "  prove:    scenario %s (lint --prove)", f.Scenario)
			if f.StandIn != "" {
				fmt.Fprintf(w, ", on %s where a version cannot be built here", f.StandIn)
			}
			fmt.Fprintln(w)
		}
	}
	return nil
}
