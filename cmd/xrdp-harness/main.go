// Command xrdp-harness boots xrdp versions in containers, drives simulated
// users and faults against them, and reports what broke.
//
//	xrdp-harness run     [flags]   the default scenarios against the default versions
//	xrdp-harness boot    [flags]   boot versions and print their health
//	xrdp-harness images  [flags]   build (or find) the images of versions
//	xrdp-harness clean   [--all]   remove containers and networks left by dead runs
//	xrdp-harness version           the harness's module version and VCS revision
//
// `xrdp-harness help COMMAND` prints a command's flags, examples and exit
// status; `xrdp-harness completion SHELL` prints a completion script.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	tclog "github.com/testcontainers/testcontainers-go/log"
)

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

func realMain(args []string, stdout, stderr io.Writer) int {
	// SIGINT, SIGTERM or SIGHUP cancels the context: every command then
	// removes what it started and writes what it has; a second one forces
	// the exit.
	ctx, stop := withSignals(context.Background(), stderr, os.Exit)
	defer stop()
	if os.Getenv("TESTCONTAINERS_RYUK_DISABLED") != "true" {
		os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
	// testcontainers narrates every container; the harness reports itself.
	// XRDP_HARNESS_DEBUG=1 keeps the narration.
	if os.Getenv("XRDP_HARNESS_DEBUG") == "" {
		tclog.SetDefault(tclog.NewNoopLogger())
	}
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if ctx.Err() != nil {
		// A signal can cut a container create mid-flight: the engine made
		// the container but its ID never came back, so no teardown knows
		// it. This process is ending: whatever it still owns is left over.
		removeLeftovers(stderr)
	}
	return exitStatus(ctx, cmd, err, stderr)
}

// exitStatus prints err (unless a usage text already explained it) and
// maps it to the process's exit status.
func exitStatus(ctx context.Context, cmd interface{ CommandPath() string }, err error, stderr io.Writer) int {
	name := "xrdp-harness"
	if cmd != nil {
		name = cmd.CommandPath()
	}
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errUsage):
		return exitBadInput
	case ctx.Err() != nil:
		fmt.Fprintf(stderr, "%s: interrupted: %v\n", name, err)
		return exitInterrupted
	}
	fmt.Fprintf(stderr, "%s: %v\n", name, err)
	var coded interface{ ExitCode() int }
	if errors.As(err, &coded) {
		return coded.ExitCode()
	}
	// Anything not classified is the harness failing to do its work
	// (Docker unreachable, a build that failed), not a verdict.
	return exitCouldNotRun
}
