package reports

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

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
