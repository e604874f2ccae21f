package main

import (
	"context"
	"flag"
	"io"
	"os"
	"strings"
	"time"

	"github.com/xrdp-harness/xrdp-harness/containers/agent/sampler"
)

// logFlags collects repeated -log src=path flags.
type logFlags []sampler.LogSpec

func (l *logFlags) String() string { return "" }
func (l *logFlags) Set(v string) error {
	src, path, ok := strings.Cut(v, "=")
	if !ok || src == "" || path == "" {
		return usageError("-log " + v + ": want SOURCE=PATH, e.g. sesman=/var/log/xrdp-sesman.log")
	}
	*l = append(*l, sampler.LogSpec{Source: src, Path: path})
	return nil
}

func cmdSample(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("sample", flag.ContinueOnError)
	var cfg sampler.Config
	var logs logFlags
	fs.DurationVar(&cfg.Interval, "interval", 100*time.Millisecond, "time between snapshots")
	fs.DurationVar(&cfg.TickEvery, "tick", time.Second, "time between tick events")
	fs.Var(&logs, "log", "SOURCE=PATH of a log file to follow (repeatable)")
	fs.BoolVar(&cfg.LogFromStart, "log-from-start", false, "read logs from their start, not their end")
	fs.BoolVar(&cfg.AllStates, "all-states", false, "report every state letter change (default: R/S/D/I flips are not reported)")
	fs.IntVar(&cfg.FullEvery, "full-every", 0, "read every stat file at least every N samples; in between only those of zombie candidates and young processes (0 = once a second, 1 = every sample)")
	fs.StringVar(&cfg.CgroupProcs, "cgroup-procs", "", "cgroup.procs file whose missing pids are zombie candidates (\"\" = find ours, \"none\" = use statm changes)")
	fs.StringVar(&cfg.Root, "root", "/proc", "proc tree to read")
	fs.BoolVar(&cfg.Once, "once", false, "take one snapshot and exit")
	exitOnEOF := fs.Bool("exit-on-eof", true, "when stdin is a pipe or socket (docker exec -i), exit at its EOF")
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if fs.NArg() > 0 {
		return usageError("sample takes no arguments, got " + strings.Join(fs.Args(), " "))
	}
	if cfg.Interval < 10*time.Millisecond {
		return usageError("-interval " + cfg.Interval.String() + " is below 10ms")
	}
	cfg.Logs = logs
	// A killed docker exec client does not stop the process it started:
	// the agent would sample forever into a pipe nobody reads. With
	// docker exec -i the client's death closes stdin, so EOF means "stop".
	if *exitOnEOF && stdinIsStream() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		go func() {
			io.Copy(io.Discard, os.Stdin)
			cancel()
		}()
	}
	// Unbuffered on purpose: Run writes each snapshot in one call, and a
	// buffer would hold a new zombie back from the harness.
	return sampler.Run(ctx, cfg, stdout)
}

// stdinIsStream: stdin is a pipe or socket (docker exec -i), not /dev/null
// or a terminal, so its EOF means the reader went away.
func stdinIsStream() bool {
	fi, err := os.Stdin.Stat()
	return err == nil && fi.Mode()&(os.ModeNamedPipe|os.ModeSocket) != 0
}
