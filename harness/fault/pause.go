package fault

import (
	"context"
	"fmt"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Pauser is the optional capability of targets whose every process can be
// frozen at once (the cgroup freezer); containers.Server provides it.
type Pauser interface {
	Pause(ctx context.Context) error
	Unpause(ctx context.Context) error
}

// PauseContainer freezes the whole target (docker pause) for the hold;
// Heal thaws it. Unlike FreezeSesman nothing runs at all, Xvnc and xrdp's
// children included, but the kernel still completes TCP handshakes on the
// published ports: clients connect and then wait.
type PauseContainer struct{}

var _ harness.Fault = (*PauseContainer)(nil)

func (*PauseContainer) Name() string { return "pause-container" }

// Validate reports every problem of the settings: there are none.
func (*PauseContainer) Validate() []error { return nil }

func (f *PauseContainer) Inject(ctx context.Context, t harness.Target) (string, error) {
	p, err := pauser(t, f.Name())
	if err != nil {
		return "", err
	}
	if err := p.Pause(ctx); err != nil {
		return "", fmt.Errorf("fault: pause-container: %w", err)
	}
	return "paused " + t.Name(), nil
}

func (f *PauseContainer) Heal(ctx context.Context, t harness.Target) error {
	p, err := pauser(t, f.Name())
	if err != nil {
		return err
	}
	if err := p.Unpause(ctx); err != nil {
		return fmt.Errorf("fault: pause-container: %w", err)
	}
	return nil
}

func pauser(t harness.Target, fault string) (Pauser, error) {
	if p, ok := capability[Pauser](t); ok {
		return p, nil
	}
	return nil, &CapabilityError{Fault: fault, Target: t.Name(), Capability: "fault.Pauser",
		Hint: "a container target such as containers.Server"}
}

// ContainerOnly: a host has no cgroup freezer the harness owns.
func (*PauseContainer) ContainerOnly() string {
	return "it freezes a container through the Docker engine; an existing host is not a container"
}
