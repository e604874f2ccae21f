package fault

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// ResourceController is the optional capability of targets whose container
// limits can change while they run; containers.Server provides it. Values
// are CPU cores, MiB of memory and a process (task) count; 0 is unlimited.
type ResourceController interface {
	ResourceLimits(ctx context.Context) (cpus float64, memoryMB, pids int64, err error)
	UpdateResources(ctx context.Context, cpus float64, memoryMB, pids int64) error
}

// Resources tightens the target container's CPU, memory and process-count
// limits for the hold; Heal puts back the limits it found. Limits that are
// left zero stay as they were. A pids limit counts every task of the
// container, threads and docker exec processes included: forks beyond it
// fail with EAGAIN, which is where xrdp's error paths show (see the package
// documentation).
type Resources struct {
	// CPUs is the CPU limit in cores, e.g. 0.2; 0 leaves it unchanged.
	CPUs float64
	// MemoryMB is the memory limit, swap included (at least 6); 0 leaves
	// it unchanged.
	MemoryMB int64
	// Pids is the limit on tasks; 0 leaves it unchanged.
	Pids int64

	saved targetState[limits]
}

type limits struct {
	cpus           float64
	memoryMB, pids int64
}

func (l limits) String() string {
	f := func(v int64, unit string) string {
		if v == 0 {
			return "unlimited"
		}
		return fmt.Sprintf("%d%s", v, unit)
	}
	cpus := "unlimited"
	if l.cpus > 0 {
		cpus = fmt.Sprintf("%g", l.cpus)
	}
	return fmt.Sprintf("cpus %s, memory %s, pids %s", cpus, f(l.memoryMB, "MB"), f(l.pids, ""))
}

var _ harness.Fault = (*Resources)(nil)

func (*Resources) Name() string { return "resources" }

// Validate reports every problem of the settings.
func (f *Resources) Validate() []error {
	var errs []error
	if f.CPUs < 0 || f.MemoryMB < 0 || f.Pids < 0 {
		errs = append(errs, fmt.Errorf("fault: resources: cpus %g, memory %dMB, pids %d: none can be negative", f.CPUs, f.MemoryMB, f.Pids))
	}
	if f.MemoryMB > 0 && f.MemoryMB < 6 {
		errs = append(errs, fmt.Errorf("fault: resources: memory %dMB: want at least 6MB (the engine's minimum)", f.MemoryMB))
	}
	if f.CPUs == 0 && f.MemoryMB == 0 && f.Pids == 0 {
		errs = append(errs, errors.New("fault: resources: no limit given: set CPUs, MemoryMB or Pids"))
	}
	return errs
}

func (f *Resources) Inject(ctx context.Context, t harness.Target) (string, error) {
	if errs := f.Validate(); len(errs) > 0 {
		return "", errors.Join(errs...)
	}
	rc, ok := capability[ResourceController](t)
	if !ok {
		return "", &CapabilityError{Fault: f.Name(), Target: t.Name(), Capability: "fault.ResourceController",
			Hint: "a container target such as containers.Server"}
	}
	var was limits
	var err error
	if was.cpus, was.memoryMB, was.pids, err = rc.ResourceLimits(ctx); err != nil {
		return "", fmt.Errorf("fault: resources: %w", err)
	}
	now := was
	if f.CPUs > 0 {
		now.cpus = f.CPUs
	}
	if f.MemoryMB > 0 {
		now.memoryMB = f.MemoryMB
	}
	if f.Pids > 0 {
		now.pids = f.Pids
	}
	if err := rc.UpdateResources(ctx, now.cpus, now.memoryMB, now.pids); err != nil {
		return "", fmt.Errorf("fault: resources: %w", err)
	}
	f.saved.put(t.Name(), was)
	return strings.Join([]string{now.String(), "(was " + was.String() + ")"}, " "), nil
}

// Heal puts back the limits Inject found.
func (f *Resources) Heal(ctx context.Context, t harness.Target) error {
	was, ok := f.saved.take(t.Name())
	if !ok {
		return nil
	}
	rc, _ := capability[ResourceController](t)
	if err := rc.UpdateResources(ctx, was.cpus, was.memoryMB, was.pids); err != nil {
		return fmt.Errorf("fault: resources: restore %s: %w", was, err)
	}
	return nil
}

// ContainerOnly: a host's limits are its operator's, not the engine's.
func (*Resources) ContainerOnly() string {
	return "it changes a container's limits through the Docker engine; an existing host's limits are its operator's"
}
