// Command xrdp-harness boots xrdp versions in containers, drives simulated
// users and faults against them, and reports what broke.
//
//	xrdp-harness run     [flags]   the default scenarios against the default versions
//	xrdp-harness boot    [flags]   boot versions and print their health
//	xrdp-harness images  [flags]   build (or find) the images of versions
//	xrdp-harness clean   [--all]   remove containers and networks left by dead runs
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	tclog "github.com/testcontainers/testcontainers-go/log"
)

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"run", "run the default scenarios against the default xrdp versions", cmdRun},
		{"boot", "boot xrdp versions and print their health", cmdBoot},
		{"images", "build (or find cached) xrdp images and print their sizes", cmdImages},
		{"clean", "remove containers and networks left behind by dead runs (--all: every labelled one)", cmdClean},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: xrdp-harness <command> [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\n`xrdp-harness <command> -h` lists a command's flags.")
}

// errUsage marks errors already explained by a usage text.
var errUsage = errors.New("usage")

func realMain(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	// Ctrl-C cancels the context: every command then removes what it
	// started and writes what it has.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if os.Getenv("TESTCONTAINERS_RYUK_DISABLED") != "true" {
		os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
	// testcontainers narrates every container; the harness reports itself.
	// XRDP_HARNESS_DEBUG=1 keeps the narration.
	if os.Getenv("XRDP_HARNESS_DEBUG") == "" {
		tclog.SetDefault(tclog.NewNoopLogger())
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		case ctx.Err() != nil:
			fmt.Fprintf(stderr, "xrdp-harness %s: interrupted: %v\n", c.name, err)
			return 130
		default:
			fmt.Fprintf(stderr, "xrdp-harness %s: %v\n", c.name, err)
			var coded interface{ ExitCode() int }
			if errors.As(err, &coded) {
				return coded.ExitCode()
			}
			return 1
		}
	}
	fmt.Fprintf(stderr, "xrdp-harness: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("xrdp-harness "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses and rejects stray arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	return nil
}
