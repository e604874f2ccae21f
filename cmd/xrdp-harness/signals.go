package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/xrdp-harness/xrdp-harness/containers"
)

// forceTeardown bounds the teardown of a forced exit (a second signal).
const forceTeardown = 10 * time.Second

// stopSignals end a run: Ctrl-C, `kill`, and a closed terminal.
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// removeLeftovers removes what this process still owns, within
// forceTeardown, and says what it removed.
func removeLeftovers(stderr io.Writer) {
	ctx, cancel := context.WithTimeout(context.Background(), forceTeardown)
	defer cancel()
	swept, err := containers.RemoveOwn(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "xrdp-harness: remove leftovers: %v (`xrdp-harness clean` removes them once this process is gone)\n", err)
		return
	}
	if n := len(swept.Containers) + len(swept.Networks); n > 0 {
		fmt.Fprintf(stderr, "xrdp-harness: removed %d leftover containers, %d networks\n", len(swept.Containers), len(swept.Networks))
	}
}

// withSignals returns a context cancelled by the first stop signal: the
// command then tears down what it started and writes its partial report.
// A second signal forces the exit: this process's containers and networks
// are removed within forceTeardown and the process exits 130, whatever the
// first teardown was doing. stop releases the signals.
func withSignals(parent context.Context, stderr io.Writer, exit func(int)) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, stopSignals...)
	done := make(chan struct{})
	go func() {
		var first os.Signal
		select {
		case first = <-ch:
		case <-done:
			return
		}
		fmt.Fprintf(stderr, "\nxrdp-harness: %s: stopping; removing what this run started and writing the partial report (%s again to force)\n",
			first, first)
		cancel(fmt.Errorf("%s", first))
		select {
		case s := <-ch:
			fmt.Fprintf(stderr, "xrdp-harness: %s again: forcing exit, removing this run's containers (at most %s)\n", s, forceTeardown)
			removeLeftovers(stderr)
			exit(exitInterrupted)
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}
