package fault

import (
	"context"
	"fmt"
	"sync"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// FreezeSesman stops the main xrdp-sesman with SIGSTOP and thaws it with
// SIGCONT. While frozen, sesman's listen queue still accepts connections
// but nothing answers: logins hang until their deadline, and children that
// exit meanwhile stay unreaped (their SIGCHLDs pile up for the thaw). On
// 0.10.x the queue is a UNIX socket's: past 3 pending connects xrdp's
// connect fails at once (see doc.go and freeze_test.go).
type FreezeSesman struct {
	mu     sync.Mutex
	frozen map[string]int // target → pid
}

var _ harness.Fault = (*FreezeSesman)(nil)

func (*FreezeSesman) Name() string { return "freeze-sesman" }

func (f *FreezeSesman) Inject(ctx context.Context, t harness.Target) (string, error) {
	pids, err := mainPIDs(ctx, t, "xrdp-sesman")
	if err != nil {
		return "", fmt.Errorf("freeze sesman: %w", err)
	}
	pid := pids[0]
	if err := signal(ctx, t, "STOP", pid); err != nil {
		return "", fmt.Errorf("freeze sesman: %w", err)
	}
	f.mu.Lock()
	if f.frozen == nil {
		f.frozen = map[string]int{}
	}
	f.frozen[t.Name()] = pid
	f.mu.Unlock()
	return fmt.Sprintf("SIGSTOP xrdp-sesman pid %d", pid), nil
}

func (f *FreezeSesman) Heal(ctx context.Context, t harness.Target) error {
	f.mu.Lock()
	pid, ok := f.frozen[t.Name()]
	delete(f.frozen, t.Name())
	f.mu.Unlock()
	if !ok {
		return nil
	}
	if err := signal(ctx, t, "CONT", pid); err != nil {
		return fmt.Errorf("thaw sesman: %w", err)
	}
	return nil
}
