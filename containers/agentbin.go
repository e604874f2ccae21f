package containers

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// AgentPackage is the import path of the in-container agent program.
const AgentPackage = "github.com/xrdp-harness/xrdp-harness/cmd/xrdp-harness-agent"

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
	out := filepath.Join(cacheDir, "bin", "xrdp-harness-agent")
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return "", fmt.Errorf("containers: agent: %w", err)
	}
	// Build beside the target and rename, so concurrent test processes never
	// copy a half-written binary.
	tmp := fmt.Sprintf("%s.%d", out, os.Getpid())
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", tmp, AgentPackage)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("containers: build agent (%s): %w: %s; run `make build` or set XRDP_HARNESS_AGENT",
			AgentPackage, err, strings.TrimSpace(stderr.String()))
	}
	if err := os.Rename(tmp, out); err != nil {
		return "", fmt.Errorf("containers: agent: %w", err)
	}
	return out, nil
}
