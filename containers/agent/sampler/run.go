package sampler

import (
	"context"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"
)

// LogSpec names a log file to follow and the source its lines carry
// (harness.LogSource: "xrdp", "sesman", "reconnect", ...).
type LogSpec struct {
	Source, Path string
}

// Config is a sampling run. Zero values: Interval 100ms, TickEvery 1s.
type Config struct {
	Options
	TickEvery    time.Duration
	Logs         []LogSpec
	LogFromStart bool // read the logs from their start instead of their end
	// Once takes one snapshot, writes it and a tick, and returns.
	Once bool
}

// Run samples until ctx ends, writing events to w after every snapshot
// (one write per snapshot, so a reader sees each snapshot whole).
func Run(ctx context.Context, cfg Config, w io.Writer) error {
	if cfg.Interval <= 0 {
		cfg.Interval = 100 * time.Millisecond
	}
	if cfg.TickEvery <= 0 {
		cfg.TickEvery = time.Second
	}
	s, err := New(cfg.Options)
	if err != nil {
		return err
	}
	defer s.Close()
	tails := make([]*tail, len(cfg.Logs))
	for i, l := range cfg.Logs {
		if l.Source == "" || l.Path == "" {
			return fmt.Errorf("sampler: log %d needs a source and a path, got %q=%q", i, l.Source, l.Path)
		}
		tails[i] = newTail(l.Source, l.Path, cfg.LogFromStart)
	}
	defer func() {
		for _, t := range tails {
			t.close()
		}
	}()

	now := time.Now()
	s.hello(now, cfg.Interval)
	ticker := time.NewTicker(cfg.Interval)
	defer ticker.Stop()
	lastTick := now
	for first := true; ; first = false {
		if err := s.Sample(now); err != nil {
			return err
		}
		for _, t := range tails {
			t.poll(now, s)
		}
		if first || now.Sub(lastTick) >= cfg.TickEvery || cfg.Once {
			s.Tick(now, cpuTime())
			lastTick = now
		}
		if out := s.Output(); len(out) > 0 {
			if _, err := w.Write(out); err != nil {
				return fmt.Errorf("sampler: write events: %w", err)
			}
			s.Reset()
		}
		if cfg.Once {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case now = <-ticker.C:
			now = time.Now() // the tick's time may be stale if we were slow
		}
	}
}

func (s *Sampler) hello(now time.Time, interval time.Duration) {
	e := &s.enc
	e.begin(now, kHello)
	e.count("v", WireVersion)
	e.int("pid", int64(os.Getpid()))
	e.count("interval", int64(interval))
	e.str("sockets", s.SocketSource())
	e.str("zombieSignal", s.ZombieSignal())
	e.str("root", s.fs.root)
	e.end()
}

// WireVersion changes when the line format changes incompatibly.
const WireVersion = 1

// cpuTime is this process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
