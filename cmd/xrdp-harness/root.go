package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/xrdp-harness/xrdp-harness/scenarios"
)

// commands lists the subcommands in the order `xrdp-harness --help` shows
// them. A new command is one constructor here.
func commands() []*cobra.Command {
	return []*cobra.Command{
		newRunCmd(),
		newBootCmd(),
		newImagesCmd(),
		newCleanCmd(),
		newLintCmd(),
		newConfigCmd(),
		newJudgeCmd(),
		newSchemaCmd(),
		newVersionCmd(),
	}
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "xrdp-harness",
		Short: "fault-injection and load-test harness for xrdp",
		Long: `xrdp-harness boots xrdp versions in containers, drives simulated users and
faults against them, judges what it recorded and writes reports
(JSON, JUnit, Markdown, HTML).

` + exitStatusHelp,
		Example: `  xrdp-harness run                        # the default suite on the default versions
  xrdp-harness run --scenario baseline --version 0.9.24
  xrdp-harness help run                   # a command's flags, examples and exit status`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				msg := fmt.Sprintf("unknown command %q", args[0])
				if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
					msg += "; did you mean " + strings.Join(s, " or ") + "?"
				}
				return usageError(cmd, errors.New(msg))
			}
			return nil
		},
		// A bare `xrdp-harness` is a usage mistake: help, exit 2.
		RunE: func(cmd *cobra.Command, args []string) error {
			cmd.SetOut(cmd.ErrOrStderr())
			_ = cmd.Help()
			return errUsage
		},
		SilenceErrors:              true,
		SuggestionsMinimumDistance: 2,
		SilenceUsage:               true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(flagError)
	for _, c := range commands() {
		root.AddCommand(c)
	}
	return root
}

// errUsage marks a mistake already explained by a printed usage text.
var errUsage = errors.New("usage")

// flagError turns a flag parse error into bad input (exit 2) with a hint;
// a long flag given with one dash (`-out`, Go's flag syntax) gets its fix.
func flagError(cmd *cobra.Command, err error) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "unknown shorthand flag: "); ok {
		// "'o' in -out"
		if _, arg, ok := strings.Cut(name, " in -"); ok {
			long, _, _ := strings.Cut(arg, "=")
			if cmd.Flags().Lookup(long) != nil {
				msg += fmt.Sprintf(": long flags take two dashes, --%s", long)
			}
		}
	}
	return usageError(cmd, errors.New(msg))
}

// usageError is bad input on the command line: exit 2, with where to read
// the usage.
func usageError(cmd *cobra.Command, err error) error {
	return badInput(fmt.Errorf("%w\n(run `%s --help` for usage)", err, cmd.CommandPath()))
}

// noArgs rejects stray arguments.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError(cmd, fmt.Errorf("unexpected argument %q", args[0]))
	}
	return nil
}

// listFlag is a repeatable, comma-separable string flag.
type listFlag []string

var _ pflag.Value = (*listFlag)(nil)

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Type() string   { return "list" }

// Set refuses empty items: `--version ""` must not mean the defaults.
func (l *listFlag) Set(v string) error {
	items, err := scenarios.SplitList(v)
	if err != nil {
		return err
	}
	*l = append(*l, items...)
	return nil
}
