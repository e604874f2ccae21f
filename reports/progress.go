package reports

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vbauerster/cupwriter"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/xrdp-harness/xrdp-harness/harness"
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

// console is mpb's terminal writer with a size even when the output is not
// a terminal's file (terminal mode forced with WithTTY on a pipe): mpb gives
// up rendering when it cannot read a size.
type console struct {
	*cupwriter.Writer
	width int
}

var _ mpb.ConsoleWriter = console{}

func (c console) GetTermSize() (width, height int, err error) {
	if w, h, err := c.Writer.GetTermSize(); err == nil {
		return w, h, nil
	}
	return c.width, 50, nil
}

// Tracker follows one run.
type Tracker struct {
	p        *Progress
	name     string
	expected int
	ch       chan harness.Progress
	finish   chan struct{}
	done     chan struct{} // closed when the reader ends
	once     sync.Once

	mu       sync.Mutex
	st       trackerState
	finalErr string
	bar      *mpb.Bar // writer goroutine only
}

// trackerState is what a run's display shows.
type trackerState struct {
	phase             string
	ops, fail, info   int
	zombies, sessions map[string]int // latest tick per target
	active            []string       // faults injected and not yet healed
	started           time.Time
	ended             time.Time
	finished, stopped bool
	seq               int // bumped by every change, for "changed since"
}

// ProgressSnapshot is a copy of a tracker's counters.
type ProgressSnapshot struct {
	Phase             string
	Ops, Fail, Info   int
	Zombies, Sessions int
	Faults            []string
	Finished          bool
}

// Track adds a run. expectedOps is how many ops the run will record (0 when
// unknown: the display counts without a total). Pass C() to
// harness.WithProgress and call Finish when harness.Run returns. After Wait,
// Track still returns a Tracker, whose events are dropped.
func (p *Progress) Track(name string, expectedOps int) *Tracker {
	t := &Tracker{p: p, name: name, expected: max(expectedOps, 0), ch: make(chan harness.Progress, p.cfg.buffer),
		finish: make(chan struct{}), done: make(chan struct{})}
	t.st.started = time.Now()
	t.st.zombies, t.st.sessions = map[string]int{}, map[string]int{}
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		close(t.done)
		return t
	}
	p.trackers = append(p.trackers, t)
	p.mu.Unlock()
	go t.read()
	p.poke()
	return t
}

// C is the channel to give the engine (harness.WithProgress). It is never
// closed by this package.
func (t *Tracker) C() chan<- harness.Progress { return t.ch }

// Finish marks the run over: events still buffered are counted, then the
// reader stops. With rec the final counts are taken from the Record (events
// the engine dropped included); err, when set, is shown as the run's end.
// Finish may be called once the engine no longer sends (after harness.Run
// returns); later calls do nothing.
func (t *Tracker) Finish(rec *harness.Record, err error) {
	t.once.Do(func() {
		t.mu.Lock()
		if err != nil {
			t.finalErr = oneLine(err.Error())
		}
		t.mu.Unlock()
		close(t.finish)
		<-t.done
		t.mu.Lock()
		if rec != nil {
			t.st.ops, t.st.fail, t.st.info = 0, 0, 0
			for i := range rec.Ops {
				t.count(rec.Ops[i].Outcome)
			}
		}
		t.st.finished = true
		t.st.ended = time.Now()
		t.st.seq++
		t.mu.Unlock()
		t.p.poke()
	})
}

// Snapshot returns the tracker's counters now.
func (t *Tracker) Snapshot() ProgressSnapshot {
	t.mu.Lock()
	defer t.mu.Unlock()
	return ProgressSnapshot{Phase: t.st.phase, Ops: t.st.ops, Fail: t.st.fail, Info: t.st.info,
		Zombies: sum(t.st.zombies), Sessions: sum(t.st.sessions), Faults: slices.Clone(t.st.active), Finished: t.st.finished}
}

// read drains the channel until Finish (then empties what is buffered) or
// Wait. It never writes: a stuck terminal cannot hold it up.
func (t *Tracker) read() {
	defer close(t.done)
	for {
		select {
		case e, ok := <-t.ch:
			if !ok {
				return
			}
			t.apply(e)
		case <-t.finish:
			for {
				select {
				case e, ok := <-t.ch:
					if !ok {
						return
					}
					t.apply(e)
				default:
					return
				}
			}
		case <-t.p.stop:
			return
		}
	}
}

func (t *Tracker) count(o harness.Outcome) {
	t.st.ops++
	switch o {
	case harness.OK:
	case harness.Fail:
		t.st.fail++
	default:
		t.st.info++
	}
}

func (t *Tracker) apply(e harness.Progress) {
	var line string
	t.mu.Lock()
	t.st.seq++
	switch e.Kind {
	case harness.KindOp:
		if e.Op != nil {
			t.count(e.Op.Outcome)
		}
	case harness.KindTick:
		if e.Tick != nil {
			t.st.zombies[e.Target] = e.Tick.Zombies
			t.st.sessions[e.Target] = e.Tick.Sessions
		}
	case harness.KindPhase:
		t.st.phase = e.Phase
		// "done" is said once, by the run's last line (Finish).
		if e.Phase != "done" {
			line = fmt.Sprintf("%s (%s)", e.Phase, t.status())
		}
	case harness.KindFault:
		if e.Fault != nil {
			line = t.fault(*e.Fault)
		}
	}
	t.mu.Unlock()
	if line != "" {
		t.p.post("[" + t.name + "] " + line)
	}
}

// fault updates the active faults and says what happened. The engine sends
// a window twice: at injection (no Heal, no Err) and when it is over.
func (t *Tracker) fault(w harness.FaultWindow) string {
	key := w.Name + " on " + w.Target
	switch {
	case w.Heal.IsZero() && w.Err == "":
		t.st.active = append(t.st.active, key)
		s := "fault " + key + " injected"
		if w.Detail != "" {
			s += " (" + oneLine(w.Detail) + ")"
		}
		return s
	default:
		if i := slices.Index(t.st.active, key); i >= 0 {
			t.st.active = slices.Delete(t.st.active, i, i+1)
		}
		if w.Err != "" {
			return "fault " + key + " failed: " + oneLine(w.Err)
		}
		return "fault " + key + " healed after " + fmtDur(w.Heal.Sub(w.Inject))
	}
}

// status is the counters in one line; t.mu held.
func (t *Tracker) status() string {
	var b strings.Builder
	if t.expected > 0 {
		fmt.Fprintf(&b, "%d/%d ops", t.st.ops, t.expected)
	} else {
		fmt.Fprintf(&b, "%d ops", t.st.ops)
	}
	if n := t.st.fail + t.st.info; n > 0 {
		fmt.Fprintf(&b, ", %d failed", n)
	}
	if len(t.st.zombies) > 0 {
		fmt.Fprintf(&b, " · zombies %d · sessions %d", sum(t.st.zombies), sum(t.st.sessions))
	}
	if len(t.st.active) > 0 {
		b.WriteString(" · fault " + strings.Join(t.st.active, ", "))
	}
	end := time.Now()
	if !t.st.ended.IsZero() {
		end = t.st.ended
	}
	b.WriteString(" · " + fmtDur(end.Sub(t.st.started).Round(100*time.Millisecond)))
	return b.String()
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
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

// renderPlain is the writer goroutine of plain mode.
func (p *Progress) renderPlain() {
	defer close(p.rendered)
	tick := time.NewTicker(p.cfg.interval)
	defer tick.Stop()
	printed := map[*Tracker]int{} // seq of the last status line
	closed := map[*Tracker]bool{} // last line printed
	write := func(lines []string) {
		for _, l := range lines {
			fmt.Fprintln(p.out, l)
		}
	}
	final := func() {
		for _, t := range p.trackerList() {
			t.mu.Lock()
			var line string
			if (t.st.finished || t.st.stopped) && !closed[t] {
				closed[t] = true
				line = "[" + t.name + "] " + t.endWord() + " (" + t.status() + ")"
			}
			t.mu.Unlock()
			if line != "" {
				write([]string{line})
			}
		}
	}
	for {
		select {
		case <-p.wake:
			write(p.takeLines())
			final()
		case <-tick.C:
			write(p.takeLines())
			for _, t := range p.trackerList() {
				t.mu.Lock()
				var line string
				if !t.st.finished && !t.st.stopped && t.st.seq != printed[t] {
					printed[t] = t.st.seq
					line = "[" + t.name + "] " + cmpOr(t.st.phase, "starting") + ": " + t.status()
				}
				t.mu.Unlock()
				if line != "" {
					write([]string{line})
				}
			}
		case <-p.quit:
			// Wait has stopped the readers; write what is left.
			write(p.takeLines())
			final()
			return
		}
	}
}

// endWord says how a run's display ended.
func (t *Tracker) endWord() string {
	switch {
	case t.st.stopped:
		return "stopped"
	case t.finalErr != "":
		return "ended: " + t.finalErr
	}
	return "done"
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// renderBars is the writer goroutine of terminal mode: it keeps one mpb bar
// per tracker in step with the counters and prints queued lines above the
// bars.
func (p *Progress) renderBars() {
	defer close(p.rendered)
	tick := time.NewTicker(p.cfg.refresh)
	defer tick.Stop()
	flush := func() {
		for _, l := range p.takeLines() {
			fmt.Fprintln(p.bars, l)
		}
		for _, t := range p.trackerList() {
			p.syncBar(t)
		}
	}
	for {
		select {
		case <-p.wake:
			flush()
		case <-tick.C:
			flush()
		case <-p.quit:
			flush() // every bar completes or aborts here
			p.bars.Wait()
			return
		}
	}
}

// syncBar creates, advances and ends a tracker's bar.
func (p *Progress) syncBar(t *Tracker) {
	t.mu.Lock()
	ops, expected, finished, stopped := t.st.ops, t.expected, t.st.finished, t.st.stopped
	t.mu.Unlock()
	if t.bar == nil {
		if finished && stopped {
			return
		}
		t.bar = p.newBar(t)
	}
	if t.bar.AbortedOrCompleted() {
		return
	}
	// The total grows past the estimate rather than letting mpb complete
	// the bar while the run is still going.
	if expected > 0 {
		t.bar.SetTotal(int64(max(expected, ops+1)), false)
	}
	t.bar.SetCurrent(int64(ops))
	switch {
	case finished:
		t.bar.SetTotal(-1, true)
	case stopped:
		t.bar.Abort(false)
	}
}

func (p *Progress) newBar(t *Tracker) *mpb.Bar {
	field := func(f func() string) decor.Decorator {
		return decor.Any(func(decor.Statistics) string {
			t.mu.Lock()
			defer t.mu.Unlock()
			return f()
		}, decor.WCSyncSpace)
	}
	phase := field(func() string {
		switch {
		case t.st.stopped:
			return "stopped"
		case t.st.finished && t.finalErr != "":
			return "ended with error"
		case t.st.finished:
			return "done"
		}
		return cmpOr(t.st.phase, "starting")
	})
	counts := field(func() string {
		s := fmt.Sprintf("%d ops", t.st.ops)
		if t.expected > 0 {
			s = fmt.Sprintf("%d/%d ops", t.st.ops, t.expected)
		}
		if n := t.st.fail + t.st.info; n > 0 {
			s += fmt.Sprintf(" ✗%d", n)
		}
		return s
	})
	live := field(func() string {
		if len(t.st.zombies) == 0 {
			return ""
		}
		return fmt.Sprintf("zombies %d · sessions %d", sum(t.st.zombies), sum(t.st.sessions))
	})
	faults := field(func() string {
		if len(t.st.active) == 0 {
			return ""
		}
		return "⚡ " + strings.Join(t.st.active, ", ")
	})
	opts := []mpb.BarOption{
		mpb.PrependDecorators(decor.Name(t.name, decor.WC{C: decor.DindentRight | decor.DextraSpace | decor.DSyncWidth}), phase),
		mpb.AppendDecorators(counts, decor.Elapsed(decor.ET_STYLE_GO, decor.WCSyncSpace), live, faults),
	}
	if t.expected > 0 {
		return p.bars.AddBar(int64(t.expected), opts...)
	}
	return p.bars.AddSpinner(0, opts...)
}
