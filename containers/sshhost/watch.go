package sshhost

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/xrdp-harness/xrdp-harness/containers/agent"
	"github.com/xrdp-harness/xrdp-harness/harness"
)

// WatchInterval is the sampler's period, the containers' one.
const WatchInterval = 100 * time.Millisecond

// Watch runs the agent's sampler on the host over an SSH session and feeds
// its events to sink until ctx ends or the stream breaks. The session's
// stdin stays open: when the session ends, its EOF stops the agent; the
// agent is also killed by pid (its hello line) in case sudo kept it.
func (h *Host) Watch(ctx context.Context, sink harness.Sink) error {
	if h.agent == "" {
		return errors.New("sshhost: watch: the agent was not copied")
	}
	logs := map[string]string{
		string(harness.LogXrdp):   h.set.xrdpLog,
		string(harness.LogSesman): h.set.sesmanLog,
	}
	for src, p := range h.cfg.ExtraLogs {
		logs[src] = p
	}
	argv := agent.SampleArgs{Bin: h.agent, Interval: WatchInterval, LogFromStart: false, Logs: logs}.Argv()
	sess, err := h.client.NewSession()
	if err != nil {
		return fmt.Errorf("sshhost: watch %s: %w", h.Name(), err)
	}
	defer sess.Close()
	stdin, err := sess.StdinPipe()
	if err != nil {
		return fmt.Errorf("sshhost: watch %s: %w", h.Name(), err)
	}
	defer stdin.Close()
	stdout, err := sess.StdoutPipe()
	if err != nil {
		return fmt.Errorf("sshhost: watch %s: %w", h.Name(), err)
	}
	stderr := &agent.Tail{N: 4096}
	sess.Stderr = stderr
	if err := sess.Start(h.rootLine(argv)); err != nil {
		return fmt.Errorf("sshhost: watch %s: start sampler: %w", h.Name(), err)
	}
	stopped := make(chan struct{})
	defer close(stopped)
	go func() {
		select {
		case <-ctx.Done():
		case <-stopped:
		}
		stdin.Close()
		sess.Close()
	}()
	pid := 0
	// The sampler stamps with the host's clock; the ops carry ours.
	err = agent.Feed(stdout, clockSink{sink: sink, offset: h.clock}, func(hl agent.Hello) {
		pid = hl.PID
		h.mu.Lock()
		h.pids[pid] = true
		h.mu.Unlock()
	})
	if pid > 0 {
		kctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		_, _, _ = h.Exec(kctx, "kill", strconv.Itoa(pid))
		cancel()
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("sshhost: watch %s: %w", h.Name(), agent.StreamEnded(err, stderr))
}
