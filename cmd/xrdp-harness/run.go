package main

import (
	"context"
	"io"
)

// cmdRun is the main job. Until the scenario suite lands it boots every
// default version and prints its health.
func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run", stderr)
	var f imageFlags
	f.register(fs)
	users := fs.Int("users", 2, "test users per container")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return bootAndReport(ctx, &f, *users, stdout, stderr)
}
