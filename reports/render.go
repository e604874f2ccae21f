package reports

import (
	"fmt"
	"strings"
	"time"

	"github.com/vbauerster/cupwriter"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

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
