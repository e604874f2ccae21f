package agent

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Package is the agent program's import path.
const Package = "github.com/xrdp-harness/xrdp-harness/cmd/xrdp-harness-agent"

// Build compiles the agent as a static linux binary (CGO_ENABLED=0,
// stripped) for goarch ("" = amd64) into dir and returns its path. It needs
// the Go toolchain and this module's source, which a harness run from the
// repository has.
func Build(ctx context.Context, dir, goarch string) (string, error) {
	if goarch == "" {
		goarch = "amd64"
	}
	out := filepath.Join(dir, "xrdp-harness-agent")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, Package)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+goarch)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("agent: build %s: %w: %s", Package, err, strings.TrimSpace(string(b)))
	}
	return out, nil
}

// SampleArgs is the command line of a sampling run, for docker exec.
type SampleArgs struct {
	Bin          string            // path of the agent inside the target; "" = /usr/local/bin/xrdp-harness-agent
	Interval     time.Duration     // 0 = the agent's default (100ms)
	Logs         map[string]string // source → path, e.g. "sesman" → /var/log/xrdp-sesman.log
	LogFromStart bool
	AllStates    bool
}

// DefaultBin is where the harness puts the agent inside a target.
const DefaultBin = "/usr/local/bin/xrdp-harness-agent"

// Argv returns the command to exec. Run it with docker exec -i (stdin
// attached and kept open): the agent exits when its stdin reaches EOF, which
// is how it learns that the harness went away; without -i a killed docker
// exec client leaves it sampling forever (then kill it by Hello.PID).
func (a SampleArgs) Argv() []string {
	bin := a.Bin
	if bin == "" {
		bin = DefaultBin
	}
	argv := []string{bin, "sample"}
	if a.Interval > 0 {
		argv = append(argv, "-interval", a.Interval.String())
	}
	srcs := make([]string, 0, len(a.Logs))
	for src := range a.Logs {
		srcs = append(srcs, src)
	}
	// Sorted, so the same config gives the same command line.
	for _, src := range sortStrings(srcs) {
		argv = append(argv, "-log", src+"="+a.Logs[src])
	}
	if a.LogFromStart {
		argv = append(argv, "-log-from-start")
	}
	if a.AllStates {
		argv = append(argv, "-all-states")
	}
	return argv
}

func sortStrings(s []string) []string {
	slices.Sort(s)
	return s
}
