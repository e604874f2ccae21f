package containers

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/xrdp-harness/xrdp-harness/containers/agent"
)

// agentBinary finds the static agent binary copied into every container:
// $XRDP_HARNESS_AGENT, then xrdp-harness-agent next to the running program
// (as `make build` lays them out), else it is built with `go build` into the
// cache dir (the go command must be on PATH and the working directory inside
// the module, as in `go test`).
type agentBinary struct {
	once sync.Once
	path string
	err  error
}

func (a *agentBinary) get(ctx context.Context, cacheDir string) (string, error) {
	a.once.Do(func() { a.path, a.err = findAgent(ctx, cacheDir) })
	return a.path, a.err
}

func findAgent(ctx context.Context, cacheDir string) (string, error) {
	if p := os.Getenv("XRDP_HARNESS_AGENT"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("containers: agent: XRDP_HARNESS_AGENT=%s: %w", p, err)
		}
		return p, nil
	}
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), "xrdp-harness-agent")
		if _, err := os.Stat(p); err == nil && !strings.HasSuffix(exe, ".test") {
			return p, nil
		}
	}
	// Build into a directory of this process and rename, so concurrent
	// test processes never copy a half-written binary.
	dir := filepath.Join(cacheDir, "bin")
	tmpDir, err := os.MkdirTemp(cacheDir, "agent-build-")
	if err != nil {
		return "", fmt.Errorf("containers: agent: %w", err)
	}
	defer os.RemoveAll(tmpDir)
	built, err := agent.Build(ctx, tmpDir, "")
	if err != nil {
		return "", fmt.Errorf("containers: %w; run `make build` or set XRDP_HARNESS_AGENT", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("containers: agent: %w", err)
	}
	out := filepath.Join(dir, "xrdp-harness-agent")
	if err := os.Rename(built, out); err != nil {
		return "", fmt.Errorf("containers: agent: %w", err)
	}
	return out, nil
}

// FindAgent returns the path of the static agent binary for linux/amd64
// targets, found or built the way Run finds it (see agentBinary); targets
// that are not containers (an SSH host) copy this file.
func FindAgent(ctx context.Context, cacheDir string) (string, error) {
	return findAgent(ctx, cacheDir)
}
