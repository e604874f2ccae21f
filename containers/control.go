package containers

import (
	"context"
	"errors"
	"fmt"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// Container-level controls for fault injectors (harness/fault finds them
// with a type assertion): they act on the container through the engine,
// not inside it.

// engine is the Docker client of the server's builder.
func (s *Server) engine() (*client.Client, string, error) {
	if s == nil || s.ctr == nil || s.cfg.builder == nil || s.cfg.builder.docker == nil {
		return nil, "", errors.New("the container is not running")
	}
	return s.cfg.builder.docker, s.ctr.GetContainerID(), nil
}

// hostCapacity is what the engine's host has: a limit at or above it
// limits nothing.
func hostCapacity(ctx context.Context, docker *client.Client) (ncpu int, memTotal int64, err error) {
	info, err := docker.Info(ctx, client.InfoOptions{})
	if err != nil {
		return 0, 0, fmt.Errorf("engine info: %w", err)
	}
	return info.Info.NCPU, info.Info.MemTotal, nil
}

// ResourceLimits reports the container's CPU (cores), memory (MiB) and
// process-count limits as the engine holds them; 0 means unlimited. A limit
// at or above the host's capacity is reported as 0: it is how
// UpdateResources lifts limits on engines that cannot unset them.
func (s *Server) ResourceLimits(ctx context.Context) (cpus float64, memoryMB, pids int64, err error) {
	docker, id, err := s.engine()
	if err != nil {
		return 0, 0, 0, fmt.Errorf("containers: resource limits: %w", err)
	}
	res, err := docker.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		return 0, 0, 0, fmt.Errorf("containers: resource limits: %w", err)
	}
	hc := res.Container.HostConfig
	if hc == nil {
		return 0, 0, 0, errors.New("containers: resource limits: the engine reported no host config")
	}
	ncpu, memTotal, err := hostCapacity(ctx, docker)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("containers: resource limits: %w", err)
	}
	if hc.NanoCPUs > 0 && hc.NanoCPUs < int64(ncpu)*1e9 {
		cpus = float64(hc.NanoCPUs) / 1e9
	}
	if hc.Memory > 0 && hc.Memory < memTotal {
		memoryMB = hc.Memory >> 20
	}
	if hc.PidsLimit != nil && *hc.PidsLimit > 0 {
		pids = *hc.PidsLimit
	}
	return cpus, memoryMB, pids, nil
}

// UpdateResources changes the running container's CPU (cores), memory
// (MiB, swap included) and process-count limits; 0 lifts a limit. Engines
// of API 1.41 (Docker 20.10) take 0 CPUs and 0 memory as "unchanged" and
// refuse negative values, so a lifted CPU or memory limit is set to the
// host's capacity instead (ResourceLimits reports it as 0).
func (s *Server) UpdateResources(ctx context.Context, cpus float64, memoryMB, pids int64) error {
	if cpus < 0 || memoryMB < 0 || pids < 0 {
		return fmt.Errorf("containers: update resources: cpus %g, memory %dMB, pids %d: none can be negative", cpus, memoryMB, pids)
	}
	if memoryMB > 0 && memoryMB < 6 {
		return fmt.Errorf("containers: update resources: memory %dMB: the engine's minimum is 6MB", memoryMB)
	}
	docker, id, err := s.engine()
	if err != nil {
		return fmt.Errorf("containers: update resources: %w", err)
	}
	ncpu, memTotal, err := hostCapacity(ctx, docker)
	if err != nil {
		return fmt.Errorf("containers: update resources: %w", err)
	}
	if cpus > float64(ncpu) {
		return fmt.Errorf("containers: update resources: cpus %g: the host has %d", cpus, ncpu)
	}
	r := container.Resources{
		NanoCPUs:   int64(cpus * 1e9),
		Memory:     memoryMB << 20,
		MemorySwap: memoryMB << 20, // no swap on top of the limit
		PidsLimit:  &pids,
	}
	if cpus == 0 {
		r.NanoCPUs = int64(ncpu) * 1e9
	}
	if pids == 0 {
		r.PidsLimit = ptr(int64(-1))
	}
	if memoryMB == 0 {
		// Swap "-1" would leave the kernel's memory+swap limit where it
		// was (runc skips it), and the kernel refuses a memory limit above
		// that: both go to the host's size.
		r.Memory, r.MemorySwap = memTotal, memTotal
	}
	if _, err := docker.ContainerUpdate(ctx, id, client.ContainerUpdateOptions{Resources: &r}); err != nil {
		return fmt.Errorf("containers: update resources: %w", err)
	}
	return nil
}

// Pause freezes every process of the container (the cgroup freezer): the
// kernel still completes TCP handshakes on its published ports, nothing
// answers.
func (s *Server) Pause(ctx context.Context) error {
	docker, id, err := s.engine()
	if err == nil {
		_, err = docker.ContainerPause(ctx, id, client.ContainerPauseOptions{})
	}
	if err != nil {
		return fmt.Errorf("containers: pause: %w", err)
	}
	return nil
}

// Unpause thaws a paused container.
func (s *Server) Unpause(ctx context.Context) error {
	docker, id, err := s.engine()
	if err == nil {
		_, err = docker.ContainerUnpause(ctx, id, client.ContainerUnpauseOptions{})
	}
	if err != nil {
		return fmt.Errorf("containers: unpause: %w", err)
	}
	return nil
}

func ptr[T any](v T) *T { return &v }
