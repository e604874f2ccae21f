package containers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"

	"github.com/xrdp-harness/xrdp-harness/containers/agent"
	"github.com/xrdp-harness/xrdp-harness/harness"
)

var _ harness.Target = (*Server)(nil)

// Name is the target's name in Records: the one given with WithTargetName,
// else "xrdp-<version>".
func (s *Server) Name() string {
	if s.cfg.targetName != "" {
		return s.cfg.targetName
	}
	return "xrdp-" + s.image.Version
}

// Info describes the target for the Record.
func (s *Server) Info() harness.TargetInfo {
	return harness.TargetInfo{
		Name:           s.Name(),
		Version:        s.image.Version,
		Flavour:        s.image.Flavour,
		Image:          s.image.Ref,
		Policy:         s.Policy(),
		MaxSessions:    s.MaxSessions(),
		DisplayOffset:  s.DisplayOffset(),
		Users:          s.cfg.users,
		SessionProcess: FeaturesOf(s.image.Version).SessionProcess,
		Config:         s.Settings(),
		Layered:        s.layers,
	}
}

// WatchInterval is the sampler's period (10 Hz).
const WatchInterval = 100 * time.Millisecond

// Watch runs the agent's sampler inside the container and feeds its events
// (process and socket changes, ticks, xrdp/sesman/reconnect log lines) to
// sink until ctx ends or the stream breaks. The sampler is a `docker exec`
// whose stdout is read as it is written.
func (s *Server) Watch(ctx context.Context, sink harness.Sink) error {
	if s.ctr == nil {
		return errors.New("containers: watch: the container was not started")
	}
	docker := s.cfg.builder.docker
	cmd := agent.SampleArgs{Bin: AgentPath, Interval: WatchInterval, LogFromStart: true, Logs: map[string]string{
		string(harness.LogXrdp): XrdpLog, string(harness.LogSesman): SesmanLog, string(harness.LogReconnect): ReconnectLog,
		string(agent.LogWorkload): WorkloadLog,
	}}.Argv()
	// Stdin attached (docker exec -i): the agent exits when it closes, so
	// ending the watch ends the sampler inside the target too.
	ex, err := docker.ExecCreate(ctx, s.ctr.GetContainerID(), client.ExecCreateOptions{
		Cmd: cmd, AttachStdin: true, AttachStdout: true, AttachStderr: true})
	if err != nil {
		return fmt.Errorf("containers: watch %s: %w", s.Name(), err)
	}
	att, err := docker.ExecAttach(ctx, ex.ID, client.ExecAttachOptions{})
	if err != nil {
		return fmt.Errorf("containers: watch %s: %w", s.Name(), err)
	}
	pr, pw := io.Pipe()
	stderr := &agent.Tail{N: 4096}
	go func() {
		_, err := stdcopy.StdCopy(pw, stderr, att.Reader)
		pw.CloseWithError(err)
	}()
	// Closing the hijacked connection ends the copy above and the agent's
	// stdin; the agent is also stopped by pid in case its stdin stays open.
	agentPID := 0
	stopped := make(chan struct{})
	defer close(stopped)
	go func() {
		select {
		case <-ctx.Done():
		case <-stopped:
		}
		att.Close()
	}()
	defer func() {
		if agentPID > 0 {
			kctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			_, _, _ = s.Exec(kctx, "kill", strconv.Itoa(agentPID))
		}
	}()
	err = agent.Feed(pr, sink, func(h agent.Hello) { agentPID = h.PID })
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("containers: watch %s: %w", s.Name(), agent.StreamEnded(err, stderr))
}
