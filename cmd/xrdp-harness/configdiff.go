package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/spf13/cobra"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/containers/xrdpconf"
	"github.com/xrdp-harness/xrdp-harness/harness/lint"
	"github.com/xrdp-harness/xrdp-harness/scenarios"
)

func newConfigCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "what xrdp versions do with an operator's config directory",
		Long: `Groups the commands about an operator's xrdp config directory; see
` + "`xrdp-harness help config diff`" + `.

Exit status: 2 without a subcommand (bad input); a subcommand's own otherwise.`,
		Example: `  xrdp-harness config diff --config ./xrdp-conf --from 0.9.21.1 --to 0.10.1`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageError(cmd, errors.New("name a subcommand: diff"))
		},
	}
	cmd.AddCommand(newConfigDiffCmd())
	return cmd
}

type configDiffFlags struct {
	imageFlags
	config   string
	from, to string
	format   string
}

func newConfigDiffCmd() *cobra.Command {
	var f configDiffFlags
	cmd := &cobra.Command{
		Use:   "diff --config DIR --from V1 --to V2",
		Short: "the drift of a config directory from one xrdp version to another",
		Long: `Reads each version's own packaged /etc/xrdp/*.ini from its image (built if
missing, read once and cached by image tag) and reports for the operator's
files in DIR: the sections and keys V2's packaged files neither set nor
document (a key V2 does not know is silently ignored), the packaged defaults
that differ between V1 and V2 (marked when the operator's own value still
wins), and the lint findings V2 has that V1 does not.

Exit status: 0, 2 for bad input, 3 when an image could not be built or read,
130 when interrupted.`,
		Example: `  xrdp-harness config diff --config /etc/xrdp --from 0.9.21.1 --to 0.10.1
  xrdp-harness config diff --config ./prod --from 0.9.24 --to 0.10.1 --format json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return configDiff(cmd.Context(), &f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.config, "config", "", "directory with the operator's "+xrdpconf.Accepted+" (required)")
	fs.StringVar(&f.from, "from", "", "the version the operator runs now (required)")
	fs.StringVar(&f.to, "to", "", "the version to upgrade to (required)")
	fs.StringVar(&f.format, "format", "text", "output: text or json")
	fs.StringVar(&f.base, "base", "auto", "how Debian base images are made: auto, debootstrap or registry")
	fs.BoolVar(&f.quiet, "quiet", false, "do not print build progress")
	return cmd
}

// configDrift is what `config diff` prints.
type configDrift struct {
	xrdpconf.Drift
	// NewFindings are lint findings on To that From does not have.
	NewFindings []lint.Finding `json:"newFindings"`
}

func configDiff(ctx context.Context, f *configDiffFlags, stdout, stderr io.Writer) error {
	var errs []error
	d, err := xrdpconf.Load(f.config)
	if f.config == "" {
		err = errors.New("--config DIR is required")
	}
	errs = append(errs, err)
	var vs [2]scenarios.Version
	for i, a := range []struct{ flag, v string }{{"--from", f.from}, {"--to", f.to}} {
		if a.v == "" {
			errs = append(errs, fmt.Errorf("%s VERSION is required", a.flag))
			continue
		}
		v, err := scenarios.ParseVersion(a.v, nil)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", a.flag, err))
		}
		vs[i] = v
	}
	if f.format != "text" && f.format != "json" {
		errs = append(errs, fmt.Errorf("--format %q: want text or json", f.format))
	}
	if err := errors.Join(errs...); err != nil {
		return badInput(err)
	}
	b, err := f.builder(stderr)
	if err != nil {
		return exitCode{3, err}
	}
	defer b.Close()
	var pkgs [2]map[string][]byte
	for i, v := range vs {
		if pkgs[i], err = packagedFiles(ctx, b, v); err != nil {
			return exitCode{3, err}
		}
	}
	out := configDrift{Drift: xrdpconf.Compare(d, vs[0].Label, pkgs[0], vs[1].Label, pkgs[1])}
	lv := func(v scenarios.Version) []lint.Finding {
		l, err := lint.ParseVersion(v.Label)
		if err != nil {
			return nil
		}
		return lint.Lint(lint.Config{Sesman: d.Ini("sesman.ini"), Xrdp: d.Ini("xrdp.ini")}, []lint.Version{l})
	}
	before := lv(vs[0])
	for _, f := range lv(vs[1]) {
		if !slices.ContainsFunc(before, func(g lint.Finding) bool { return g.Rule == f.Rule && g.Message == f.Message }) {
			out.NewFindings = append(out.NewFindings, f)
		}
	}
	if f.format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	fmt.Fprintf(stdout, "config %s from %s to %s (each version's packaged /etc/xrdp files)\n", d.Path, vs[0].Label, vs[1].Label)
	fmt.Fprintf(stdout, "\n%s does not know (neither set nor documented in its packaged files): %d\n", vs[1].Label, len(out.Unknown))
	for _, k := range out.Unknown {
		fmt.Fprintf(stdout, "  %s\n", k)
	}
	fmt.Fprintf(stdout, "\npackaged defaults that differ: %d\n", len(out.Defaults))
	for _, c := range out.Defaults {
		fmt.Fprintf(stdout, "  %s\n", c)
	}
	fmt.Fprintf(stdout, "\nlint findings new on %s: %d\n", vs[1].Label, len(out.NewFindings))
	for _, f := range out.NewFindings {
		fmt.Fprintf(stdout, "  %s %s: %s (%s)\n", f.Severity, f.Rule, f.Message, f.Setting)
	}
	return nil
}

// packagedFiles are a version's packaged /etc/xrdp/*.ini, from its image.
func packagedFiles(ctx context.Context, b *containers.Builder, v scenarios.Version) (map[string][]byte, error) {
	img, err := b.Ensure(ctx, v.Image)
	if err != nil {
		return nil, err
	}
	return b.Defaults(ctx, img)
}
