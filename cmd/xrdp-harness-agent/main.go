// Command xrdp-harness-agent runs inside an xrdp target container. The
// harness copies this static binary in at start and runs its subcommands
// with docker exec, reading JSON from stdout:
//
//	sample [-interval 100ms] [-log src=path ...] [-log-from-start]
//	    stream process, socket and log events (see containers/agent)
//	rfb-probe ADDR [-password-guid HEX | -password PW] [-timeout 5s]
//	    probe a VNC server, print one JSON result
//	ini-set FILE SECTION KEY VALUE
//	    set KEY in [SECTION] of an xrdp ini file, keeping comments and order
//	ini-add FILE SECTION KEY VALUE
//	    append KEY=VALUE to [SECTION] even if KEY is there (param= lists)
//	listen ADDR
//	    hold a TCP listener open until killed (tests: squat a port)
//	relay [-log FILE] LISTEN TARGET
//	    forward TCP connections (publishes sesman's loopback-only port);
//	    LISTEN gateway:PORT takes connections from the default gateway only
//	sigdrop PID [-signal CHLD] [-probability 1]
//	    ptrace PID and drop that signal until killed (faults: lost SIGCHLD)
//	workload [-desktop xfce4|minimal] [-think 2s] [-out FILE]
//	    the simulated user of one session: timed operations as JSON lines
//
// It depends on the standard library and this module's stdlib-only packages
// so it stays small and builds with CGO_ENABLED=0.
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
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches a subcommand and returns the exit status: 0 ok, 1 the
// command failed, 2 bad usage.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	cmds := map[string]func(context.Context, []string, io.Writer) error{
		"sample":    cmdSample,
		"rfb-probe": cmdRFBProbe,
		"ini-set":   cmdIniSet,
		"ini-add":   cmdIniAdd,
		"listen":    cmdListen,
		"relay":     cmdRelay,
		"sigdrop":   cmdSigdrop,
		"workload":  cmdWorkload,
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "xrdp-harness-agent: unknown command %q\n%s\n", args[0], usage)
		return 2
	}
	if err := cmd(ctx, args[1:], stdout); err != nil {
		fmt.Fprintf(stderr, "xrdp-harness-agent %s: %v\n", args[0], err)
		var u usageError
		if errors.As(err, &u) || errors.Is(err, flag.ErrHelp) {
			return 2
		}
		return 1
	}
	return 0
}

const usage = `usage: xrdp-harness-agent COMMAND [ARGS]
  sample [-interval 100ms] [-log src=path ...] [-log-from-start] [-all-states] [-once] [-exit-on-eof=false]
  rfb-probe ADDR [-password-guid HEX | -password PW] [-timeout 5s]
  ini-set FILE SECTION KEY VALUE
  ini-add FILE SECTION KEY VALUE
  listen ADDR
  sigdrop PID [-signal CHLD] [-probability 1]
  relay [-log FILE] LISTEN TARGET
  workload [-desktop xfce4|minimal] [-think 2s] [-out FILE] [-timeout 30s] [-cycles N]`

type usageError string

func (e usageError) Error() string { return string(e) }

// parseInterspersed parses flags that may come before or after the
// positional arguments (the flag package stops at the first positional).
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// flagError makes a flag parsing error a usage error (exit status 2).
func flagError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	return usageError(err.Error())
}
