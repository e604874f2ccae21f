package reports

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// stuckWriter is a terminal that stopped reading: every Write blocks until
// release is closed.
type stuckWriter struct {
	release chan struct{}
	mu      sync.Mutex
	buf     bytes.Buffer
	writes  int
}

func (w *stuckWriter) Write(p []byte) (int, error) {
	<-w.release
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes++
	return w.buf.Write(p)
}

func (w *stuckWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// burstEvent is event i of a burst: mostly ops, with ticks, faults and
// phase changes mixed in.
func burstEvent(i int) harness.Progress {
	switch {
	case i%2500 == 0:
		return harness.Progress{Kind: harness.KindPhase, Phase: []string{"lab-up", "load", "settle", "lab-down"}[i/2500%4]}
	case i%1000 == 500:
		w := harness.FaultWindow{Name: "freeze-sesman", Target: "xrdp", Inject: t0}
		if i%2000 == 1500 {
			w.Heal = at(10)
		}
		return harness.Progress{Kind: harness.KindFault, Target: "xrdp", Fault: &w}
	case i%100 == 50:
		return harness.Progress{Kind: harness.KindTick, Target: "xrdp", Tick: &harness.Tick{Zombies: i % 7, Sessions: i % 11}}
	}
	o := harness.OK
	if i%10 == 3 {
		o = harness.Fail
	}
	return harness.Progress{Kind: harness.KindOp, Target: "xrdp", Op: &harness.Op{ID: i, Outcome: o}}
}

// 10k events in a burst, through a channel of 64, while the terminal is
// stuck: the engine's non-blocking send never has to drop, because the
// reader keeps draining and counting (it never writes). synctest.Wait lets
// the reader catch up between batches: if the reader blocked on the stuck
// terminal, the 64 slots would fill and sends would drop.
func TestProgressBurstWithStuckTerminal(t *testing.T) {
	for _, tty := range []bool{false, true} {
		t.Run(fmt.Sprintf("tty=%v", tty), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				w := &stuckWriter{release: make(chan struct{})}
				p, err := NewProgress(w, WithTTY(tty), WithBuffer(64), WithInterval(time.Second), WithRefresh(50*time.Millisecond), WithWidth(100))
				if err != nil {
					t.Fatal(err)
				}
				tr := p.Track("burst", 0)
				ch := tr.C()
				const n = 10000
				dropped, ops, fails := 0, 0, 0
				for i := range n {
					e := burstEvent(i)
					if e.Kind == harness.KindOp {
						ops++
						if e.Op.Outcome == harness.Fail {
							fails++
						}
					}
					select { // as the engine sends
					case ch <- e:
					default:
						dropped++
					}
					if i%32 == 31 {
						synctest.Wait()
					}
				}
				synctest.Wait()
				if dropped > 0 {
					t.Errorf("%d of %d events dropped", dropped, n)
				}
				snap := tr.Snapshot()
				if snap.Ops != ops || snap.Fail != fails {
					t.Errorf("counted %d ops (%d failed), sent %d (%d failed)", snap.Ops, snap.Fail, ops, fails)
				}
				// The last phase, tick and fault state sent.
				phase, active, zombies := "", 0, 0
				for i := range n {
					switch e := burstEvent(i); e.Kind {
					case harness.KindPhase:
						phase = e.Phase
					case harness.KindTick:
						zombies = e.Tick.Zombies
					case harness.KindFault:
						if e.Fault.Heal.IsZero() {
							active++
						} else if active > 0 {
							active--
						}
					}
				}
				if snap.Phase != phase || len(snap.Faults) != active || snap.Zombies != zombies {
					t.Errorf("snapshot %+v, want phase %s, %d faults, %d zombies", snap, phase, active, zombies)
				}
				if w.writes != 0 {
					t.Fatal("the stuck writer returned")
				}
				close(w.release) // the terminal reads again
				tr.Finish(nil, nil)
				p.Wait()
				if !strings.Contains(w.String(), "burst") {
					t.Errorf("nothing about the run was written:\n%s", w.String())
				}
			})
		})
	}
}

// lineWriter hands every written line to the test.
type lineWriter struct{ lines chan string }

func (w *lineWriter) Write(p []byte) (int, error) {
	for _, l := range strings.Split(strings.TrimSuffix(string(p), "\n"), "\n") {
		w.lines <- l
	}
	return len(p), nil
}

func expectLine(t *testing.T, w *lineWriter, want string) {
	t.Helper()
	if got := <-w.lines; got != want {
		t.Fatalf("line\n  got  %q\n  want %q", got, want)
	}
}

// Plain mode, line by line, in fake time: phase lines with the counters,
// fault lines, a status line per interval while counters change, a last
// line per run.
func TestProgressPlainLines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := &lineWriter{lines: make(chan string, 100)}
		p, err := NewProgress(w, WithTTY(false), WithInterval(10*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		tr := p.Track("storm @ 0.9.17", 4)
		send := func(e harness.Progress) { tr.C() <- e }
		op := func(o harness.Outcome) harness.Progress {
			return harness.Progress{Kind: harness.KindOp, Op: &harness.Op{Outcome: o}}
		}
		send(harness.Progress{Kind: harness.KindPhase, Phase: "lab-up"})
		expectLine(t, w, "[storm @ 0.9.17] lab-up (0/4 ops · 0s)")
		send(harness.Progress{Kind: harness.KindPhase, Phase: "load"})
		send(harness.Progress{Kind: harness.KindTick, Target: "x", Tick: &harness.Tick{Zombies: 3, Sessions: 2}})
		send(op(harness.OK))
		send(op(harness.Fail))
		fault := harness.FaultWindow{Name: "freeze-sesman", Target: "x", Detail: "pid 7", Inject: time.Now()}
		send(harness.Progress{Kind: harness.KindFault, Fault: &fault})
		expectLine(t, w, "[storm @ 0.9.17] load (0/4 ops · 0s)")
		expectLine(t, w, "[storm @ 0.9.17] fault freeze-sesman on x injected (pid 7)")
		// Nothing else happens until the interval has passed.
		expectLine(t, w, "[storm @ 0.9.17] load: 2/4 ops, 1 failed · zombies 3 · sessions 2 · fault freeze-sesman on x · 10.0s")
		fault.Heal = fault.Inject.Add(12 * time.Second)
		send(harness.Progress{Kind: harness.KindFault, Fault: &fault})
		expectLine(t, w, "[storm @ 0.9.17] fault freeze-sesman on x healed after 12.0s")
		expectLine(t, w, "[storm @ 0.9.17] load: 2/4 ops, 1 failed · zombies 3 · sessions 2 · 20.0s")
		// Unchanged counters print nothing at the next intervals (30 s, 40 s)
		// of fake time; a change is reported at the interval after it.
		select {
		case l := <-w.lines:
			t.Fatalf("status line without a change: %q", l)
		case <-time.After(25 * time.Second): // a deadline in fake time
		}
		send(op(harness.OK))
		expectLine(t, w, "[storm @ 0.9.17] load: 3/4 ops, 1 failed · zombies 3 · sessions 2 · 50.0s")
		rec := &harness.Record{Ops: []harness.Op{{Outcome: harness.OK}, {Outcome: harness.Fail}, {Outcome: harness.OK}, {Outcome: harness.Info}}}
		tr.Finish(rec, nil)
		expectLine(t, w, "[storm @ 0.9.17] done (4/4 ops, 2 failed · zombies 3 · sessions 2 · 50.0s)")
		p.Wait()
		select {
		case l := <-w.lines:
			t.Errorf("unexpected line after Wait: %q", l)
		default:
		}
	})
}

// Ctrl-C: Wait without Finish stops the readers and says so; the engine's
// sends afterwards are dropped, never blocked, and the channel stays open.
func TestProgressWaitWithoutFinish(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := &lineWriter{lines: make(chan string, 100)}
		p, err := NewProgress(w, WithTTY(false), WithBuffer(4))
		if err != nil {
			t.Fatal(err)
		}
		tr := p.Track("cut", 0)
		tr.C() <- harness.Progress{Kind: harness.KindOp, Op: &harness.Op{Outcome: harness.OK}}
		synctest.Wait()
		p.Wait()
		expectLine(t, w, "[cut] stopped (1 ops · 0s)")
		sent := 0
		for range 10 {
			select {
			case tr.C() <- harness.Progress{Kind: harness.KindOp}:
				sent++
			default:
			}
		}
		if sent != 4 {
			t.Errorf("%d sends after Wait went through, want the 4 buffered", sent)
		}
		tr.Finish(nil, nil) // after Wait: returns
		p.Wait()            // twice: returns
		late := p.Track("late", 1)
		late.Finish(nil, nil)
	})
}

// Terminal mode draws bars with the run's name, phase and counters; an
// unfinished run's bar ends as stopped.
func TestProgressBars(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := &stuckWriter{release: make(chan struct{})}
		close(w.release)
		p, err := NewProgress(w, WithTTY(true), WithWidth(120), WithRefresh(100*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		a := p.Track("storm @ 0.9.17", 10)
		b := p.Track("storm @ 0.9.22.1", 0)
		for range 7 {
			a.C() <- harness.Progress{Kind: harness.KindOp, Op: &harness.Op{Outcome: harness.OK}}
		}
		a.C() <- harness.Progress{Kind: harness.KindTick, Target: "x", Tick: &harness.Tick{Zombies: 4, Sessions: 9}}
		b.C() <- harness.Progress{Kind: harness.KindPhase, Phase: "load"}
		a.Finish(nil, nil)
		p.Wait()
		out := w.String()
		for _, want := range []string{"storm @ 0.9.17", "done", "7/10 ops", "zombies 4 · sessions 9", "storm @ 0.9.22.1", "stopped"} {
			if !strings.Contains(out, want) {
				t.Errorf("bars lack %q:\n%s", want, out)
			}
		}
	})
}

func TestProgressOptions(t *testing.T) {
	_, err := NewProgress(&bytes.Buffer{}, WithInterval(0), WithBuffer(0), WithRefresh(-1), WithWidth(3))
	if err == nil {
		t.Fatal("bad options accepted")
	}
	for _, want := range []string{"interval 0s", "buffer 0", "refresh -1ns", "width 3"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	// A bytes.Buffer is not a terminal: plain mode.
	p, err := NewProgress(&bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if p.bars != nil {
		t.Error("terminal mode on a buffer")
	}
	p.Wait()
}
