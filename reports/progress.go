package reports

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/vbauerster/cupwriter"
	"github.com/vbauerster/mpb/v8"
)

// Progress shows runs while they happen. Each run gets a Tracker whose
// channel the engine sends harness.Progress events to (harness.WithProgress):
// completed ops against the expected count, the phase (lab-up, load, settle,
// lab-down, done), live zombies and sessions from the sampler's ticks, and a
// line for every fault injected or healed.
//
// Nothing here can slow the engine. The engine never blocks on send (it drops
// an event when the channel is full); each Tracker's reader only updates
// counters in memory, and one separate goroutine does all the writing. A
// stuck or slow terminal therefore stalls only that writer goroutine: events
// keep being drained and counted, and status lines queued meanwhile are
// capped (the excess is counted and reported).
//
// On a terminal, mpb draws one live bar per run; fault and phase messages
// scroll above the bars. When the output is not a terminal (CI logs, a
// pipe) no bar is drawn: plain lines are printed instead, one per phase
// change and fault (each phase line carries the counters at that moment), a
// status line every interval while a run's counters change, and a last line
// per run. The choice is made once, by NewProgress (WithTTY overrides it).
type Progress struct {
	cfg progressConfig
	out io.Writer

	mu       sync.Mutex
	trackers []*Tracker
	lines    []string // queued for the writer goroutine
	dropped  int      // lines not queued because the queue was full
	stopped  bool

	wake     chan struct{} // cap 1: something to write
	stop     chan struct{} // closed by Wait: readers stop
	quit     chan struct{} // closed by Wait once every tracker is marked: the writer ends
	rendered chan struct{} // closed when the writer goroutine ends
	waitOnce sync.Once

	bars *mpb.Progress // terminal mode only; touched by the writer goroutine
}

type progressConfig struct {
	tty      *bool
	interval time.Duration
	refresh  time.Duration
	buffer   int
	maxLines int
	width    int
}

// ProgressOption configures NewProgress.
type ProgressOption func(*progressConfig) error

// WithTTY forces terminal mode (bars) on or off instead of detecting it.
func WithTTY(on bool) ProgressOption {
	return func(c *progressConfig) error { c.tty = &on; return nil }
}

// WithInterval sets how often plain mode prints a status line for a run
// whose counters changed (default 10 s).
func WithInterval(d time.Duration) ProgressOption {
	return func(c *progressConfig) error {
		if d <= 0 {
			return fmt.Errorf("reports: progress interval %v: must be positive", d)
		}
		c.interval = d
		return nil
	}
}

// WithRefresh sets how often terminal mode redraws the bars (default
// 150 ms).
func WithRefresh(d time.Duration) ProgressOption {
	return func(c *progressConfig) error {
		if d <= 0 {
			return fmt.Errorf("reports: progress refresh %v: must be positive", d)
		}
		c.refresh = d
		return nil
	}
}

// WithBuffer sets the capacity of each Tracker's channel (default 1024):
// how many events may arrive between two reads before the engine drops one.
func WithBuffer(n int) ProgressOption {
	return func(c *progressConfig) error {
		if n < 1 {
			return fmt.Errorf("reports: progress buffer %d: must be at least 1", n)
		}
		c.buffer = n
		return nil
	}
}

// WithWidth sets the bar width in terminal mode (default: the terminal's).
func WithWidth(n int) ProgressOption {
	return func(c *progressConfig) error {
		if n < 20 {
			return fmt.Errorf("reports: progress width %d: must be at least 20", n)
		}
		c.width = n
		return nil
	}
}

// NewProgress starts a display writing to w (usually os.Stderr, so that a
// report on stdout stays clean). Terminal mode is on when w is a terminal.
// Call Wait when done, also after Ctrl-C. The error joins every bad option.
func NewProgress(w io.Writer, opts ...ProgressOption) (*Progress, error) {
	cfg := progressConfig{interval: 10 * time.Second, refresh: 150 * time.Millisecond, buffer: 1024, maxLines: 1000}
	var errs []error
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	tty := cupwriter.New(w, false).IsTerminal()
	if cfg.tty != nil {
		tty = *cfg.tty
	}
	p := &Progress{cfg: cfg, out: w, wake: make(chan struct{}, 1), stop: make(chan struct{}),
		quit: make(chan struct{}), rendered: make(chan struct{})}
	if tty {
		cw := console{Writer: cupwriter.New(w, true), width: cmp.Or(cfg.width, 100)}
		opts := []mpb.ContainerOption{mpb.WithConsoleWriter(cw), mpb.WithRefreshRate(cfg.refresh), mpb.WithAutoRefresh()}
		if cfg.width > 0 {
			opts = append(opts, mpb.WithWidth(cfg.width))
		}
		p.bars = mpb.New(opts...)
		go p.renderBars()
	} else {
		go p.renderPlain()
	}
	return p, nil
}

// post queues a line for the writer goroutine, never blocking.
func (p *Progress) post(line string) {
	p.mu.Lock()
	if len(p.lines) < p.cfg.maxLines {
		p.lines = append(p.lines, line)
	} else {
		p.dropped++
	}
	p.mu.Unlock()
	p.poke()
}

func (p *Progress) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// takeLines empties the queue.
func (p *Progress) takeLines() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	lines := p.lines
	p.lines = nil
	if p.dropped > 0 {
		lines = append(lines, fmt.Sprintf("(%d progress lines dropped: the output was not keeping up)", p.dropped))
		p.dropped = 0
	}
	return lines
}

func (p *Progress) trackerList() []*Tracker {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.trackers)
}

// Wait stops the display: every reader stops (runs not Finished are shown
// as stopped, as after Ctrl-C), the last state is written, and Wait returns
// when the output is complete. Events sent afterwards are dropped by the
// engine. Wait may be called more than once.
func (p *Progress) Wait() {
	p.waitOnce.Do(func() {
		p.mu.Lock()
		p.stopped = true
		p.mu.Unlock()
		close(p.stop)
		for _, t := range p.trackerList() {
			<-t.done
			t.mu.Lock()
			if !t.st.finished {
				t.st.stopped = true
				t.st.ended = time.Now()
				t.st.seq++
			}
			t.mu.Unlock()
		}
		close(p.quit)
	})
	<-p.rendered
}
